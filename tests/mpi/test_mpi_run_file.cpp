// `mpiexec -n K cartsim run` (the mpi preset's cartsim) writes the run file of one rank: every
// dataset and attribute equal (time series, snapshots, checkpoint, summary), only the
// per-process provenance differs; and a run checkpointed on K ranks resumes on another count.
// The one-rank reference runs in this process (not under mpiexec: the serial path).

#include <gtest/gtest.h>
#include <hdf5.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cli/run_simulation.hpp"
#include "io/array_group.hpp"
#include "io/hdf5_handle.hpp"
#include "io/run_file_writer.hpp"
#include "tests/support/same_run_file.hpp"
#include "tests/support/split_run_scenario.hpp"
#include "tests/support/temp_directory.hpp"

namespace cartsim::cli {
namespace {

namespace fs = std::filesystem;

class MpiRunFileTest : public ::testing::Test {
  protected:
    MpiRunFileTest() { std::ofstream(scenario_) << test_support::kSplitRunScenario; }

    // `cartsim ARGUMENTS` under mpiexec on `ranks` ranks, one thread each; its exit status.
    // OpenMPI refuses to run as root (as CI does) unless told it may.
    // `errors`: where its standard error goes (else this process's).
    int mpi_cartsim(int ranks, const std::string& arguments, const fs::path& errors = {}) const {
        const std::string command =
            std::string("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ") +
            CARTSIM_MPIEXEC + " -n " + std::to_string(ranks) + " --oversubscribe " +
            CARTSIM_MPI_BINARY + " " + arguments + " --threads 1 --quiet" +
            (errors.empty() ? std::string() : " 2> " + errors.string());
        const int status = std::system(command.c_str());
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    // `mpiexec -n 4 cartsim run` of 6 days with checkpoints every quarter day into `out`,
    // started in the background; the launcher's pid.
    pid_t start_six_days_on_four_ranks(const fs::path& out) const {
        ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
        ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
        const pid_t pid = ::fork();
        if (pid == 0) {
            const std::string scenario = scenario_.string();
            const std::string file = out.string();
            ::execl(CARTSIM_MPIEXEC, CARTSIM_MPIEXEC, "-n", "4", "--oversubscribe",
                    CARTSIM_MPI_BINARY, "run", scenario.c_str(), "-o", file.c_str(), "--threads",
                    "1", "--quiet", "--days", "6", "--set", "output.checkpoint_every_days=0.25",
                    static_cast<char*>(nullptr));
            std::_Exit(127);
        }
        return pid;
    }

    fs::path reference(double days, std::vector<std::string> sets = {}) const {
        RunOptions o;
        o.scenario_path = scenario_;
        o.output_path = directory_.path() / "one.h5";
        o.threads = 2;
        o.days = days;
        o.sets = std::move(sets);
        o.quiet = true;
        o.force = true;
        const RunResult one = run_simulation(o);
        EXPECT_EQ(one.exit_status, kExitSuccess) << one.error_message;
        return *o.output_path;
    }

    test_support::TempDirectory directory_{"cartsim_mpi_run_file"};
    fs::path scenario_ = directory_.path() / "split.toml";
};

TEST_F(MpiRunFileTest, determinism_two_and_four_mpi_ranks_write_the_one_rank_file) {
    const fs::path one = reference(1.0);
    for (const int ranks : {2, 4}) {
        const fs::path split = directory_.path() / ("ranks" + std::to_string(ranks) + ".h5");
        ASSERT_EQ(
            mpi_cartsim(ranks, "run " + scenario_.string() + " --days 1 -o " + split.string()),
            kExitSuccess);
        EXPECT_GT(test_support::expect_same_run_file(one, split), 100u) << ranks << " ranks";
    }
}

TEST_F(MpiRunFileTest, determinism_half_a_run_on_four_ranks_resumed_on_two_is_the_whole_run) {
    const fs::path one = reference(1.0);
    const fs::path split = directory_.path() / "four_then_two.h5";
    ASSERT_EQ(mpi_cartsim(4, "run " + scenario_.string() + " --days 0.5 -o " + split.string()),
              kExitSuccess);
    ASSERT_EQ(mpi_cartsim(2, "resume " + split.string() + " --days 1"), kExitSuccess);
    EXPECT_GT(test_support::expect_same_run_file(one, split), 100u);
}

// The other direction: a file a one-process run (this process, 2 threads) left at its
// checkpoint is finished by 4 ranks, and is the whole run.
TEST_F(MpiRunFileTest,
       determinism_half_a_run_in_one_process_resumed_on_four_ranks_is_the_whole_run) {
    const fs::path half = directory_.path() / "one_then_four.h5";
    fs::copy_file(reference(0.5), half);
    const fs::path one = reference(1.0);
    ASSERT_EQ(mpi_cartsim(4, "resume " + half.string() + " --days 1"), kExitSuccess);
    EXPECT_GT(test_support::expect_same_run_file(one, half), 100u);
}

// kill -9 of one rank (not rank 0) mid-run: the launcher ends the others; the run file is the
// last published checkpoint, which does not say complete, and resumes on 2 ranks to the
// uninterrupted run.
TEST_F(MpiRunFileTest, determinism_kill_nine_of_one_rank_leaves_a_resumable_checkpoint) {
    const fs::path one = reference(6.0, {"output.checkpoint_every_days=0.25"});
    const fs::path split = directory_.path() / "killed.h5";
    const pid_t pid = start_six_days_on_four_ranks(split);
    // Once a first checkpoint is published, kill the newest rank process the launcher started.
    for (int waited = 0; waited < 1200 && !fs::exists(split); ++waited) {
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ASSERT_TRUE(fs::exists(split)) << "no checkpoint was published";
    pid_t victim = 0;  // the launcher's child of the highest pid (/proc: no procps needed)
    for (const fs::directory_entry& entry : fs::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(entry.path() / "stat");
        std::string line;
        std::getline(stat, line);
        // pid (comm) state ppid ...: comm may hold spaces, so read after its closing ')'.
        const std::size_t close = line.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(line.substr(close + 1));
        std::string state;
        long parent = 0;
        rest >> state >> parent;
        if (parent == pid) victim = std::max(victim, static_cast<pid_t>(std::stol(name)));
    }
    ASSERT_GT(victim, 0) << "no rank process under the launcher";
    ::kill(victim, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    if (WEXITSTATUS(status) == kExitSuccess) GTEST_SKIP() << "the run finished before the kill";
    {
        const io::Hdf5Handle h = test_support::open_run_file_read_only(split);
        EXPECT_EQ(io::read_array_group(h.get(), "", split)
                      .attribute<std::string>(io::layout::kRunStatusAttr),
                  io::run_status::kCheckpoint);
    }
    ASSERT_EQ(mpi_cartsim(2, "resume " + split.string()), kExitSuccess);
    EXPECT_GT(test_support::expect_same_run_file(one, split), 100u);
}

std::string file_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A copy of `run_file` with the last value of one uint64 or uint32 dataset of
// /checkpoint/tissue raised by `raise` (so the damage lies in the last rank's share).
template <class T>
fs::path damaged_copy(const fs::path& run_file, const fs::path& copy, const std::string& dataset,
                      T raise) {
    fs::copy_file(run_file, copy, fs::copy_options::overwrite_existing);
    const io::Hdf5Handle file(H5Fopen(copy.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    EXPECT_TRUE(file.valid());
    const io::ArrayGroup tissue = io::read_array_group(file.get(), "checkpoint/tissue", copy);
    std::vector<T> values = tissue.array(dataset).as<T>("checkpoint/tissue");
    EXPECT_GT(values.size(), 100u);
    values.back() += raise;
    const std::string path = "/checkpoint/tissue/" + dataset;
    const io::Hdf5Handle data(H5Dopen2(file.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
    const hid_t type = sizeof(T) == 8 ? H5T_NATIVE_UINT64 : H5T_NATIVE_UINT32;
    EXPECT_GE(H5Dwrite(data.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
    return copy;
}

// Each rank reads its own share of a checkpoint's agents: a damaged row in the last share only
// (the last tissue id never issued; the last tissue site off the lattice) is found by the last
// rank, and the run is refused with rank 0's one message naming the dataset; every rank stops
// and the file is left as it was.
TEST_F(MpiRunFileTest, ACheckpointDamagedInOneRanksShareIsRefusedAndTheFileKept) {
    const fs::path half = reference(0.5);
    const fs::path errors = directory_.path() / "errors.txt";
    const auto expect_refused = [&](const fs::path& damaged, const std::string& dataset,
                                    const std::string& why) {
        const std::string before = file_bytes(damaged);
        EXPECT_EQ(mpi_cartsim(2, "resume " + damaged.string() + " --days 1", errors),
                  kExitOutputProblem);
        const std::string message = file_bytes(errors);
        EXPECT_NE(message.find("/checkpoint/tissue/" + dataset), std::string::npos) << message;
        EXPECT_NE(message.find(why), std::string::npos) << message;
        // A clean stop: no rank ended the job through MPI_Abort.
        EXPECT_EQ(message.find("MPI_ABORT"), std::string::npos) << message;
        EXPECT_EQ(message.find("ending every rank"), std::string::npos) << message;
        EXPECT_TRUE(file_bytes(damaged) == before);
        EXPECT_FALSE(fs::exists(damaged.string() + ".partial"));
    };
    expect_refused(
        damaged_copy(half, directory_.path() / "ids.h5", "ids", std::uint64_t{1'000'000}), "ids",
        "never issued");
    expect_refused(
        damaged_copy(half, directory_.path() / "sites.h5", "sites", std::uint32_t{100'000'000}),
        "sites", "not on this scenario's lattice");
}

// SIGTERM to mpiexec (which passes it to every rank): rank 0 checkpoints at the step it is at,
// every rank stops there; the run resumed on 2 ranks is the uninterrupted run.
TEST_F(MpiRunFileTest, determinism_sigterm_on_four_ranks_checkpoints_and_two_ranks_finish_it) {
    const fs::path one = reference(6.0, {"output.checkpoint_every_days=0.25"});
    const fs::path split = directory_.path() / "signalled.h5";
    const pid_t pid = start_six_days_on_four_ranks(split);
    // Signal once the run is under way (its .partial exists), not while MPI starts up.
    const fs::path partial = split.string() + ".partial";
    for (int waited = 0; waited < 600 && !fs::exists(partial); ++waited) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    if (WEXITSTATUS(status) == kExitSuccess) GTEST_SKIP() << "the run finished before the signal";
    // Every rank exits 4; OpenMPI's mpiexec, signalled itself, reports 1 whatever its ranks
    // returned. The file says what happened: a checkpoint published on the signal.
    ASSERT_NE(WEXITSTATUS(status), kExitSuccess);
    {
        const io::Hdf5Handle h = test_support::open_run_file_read_only(split);
        EXPECT_EQ(io::read_array_group(h.get(), "", split)
                      .attribute<std::string>(io::layout::kRunStatusAttr),
                  io::run_status::kInterrupted);
    }
    ASSERT_EQ(mpi_cartsim(2, "resume " + split.string()), kExitSuccess);
    EXPECT_GT(test_support::expect_same_run_file(one, split), 100u);
}

// Rank 0's progress lines name the ranks and the worst colour's load balance (engine/
// load_balance.hpp), reduced from every rank's owned agents.
TEST_F(MpiRunFileTest, TheProgressLineReportsTheRanksLoadBalance) {
    const fs::path out = directory_.path() / "progress.h5";
    const fs::path log = directory_.path() / "progress.log";
    const std::string command =
        std::string("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ") +
        CARTSIM_MPIEXEC + " -n 2 --oversubscribe " + CARTSIM_MPI_BINARY + " run " +
        scenario_.string() + " --days 0.5 --threads 1 -o " + out.string() + " > " + log.string() +
        " 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0);
    std::ifstream in(log);
    int lines = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("day ", 0) != 0) continue;
        ++lines;
        const auto at = line.find("2 ranks, work max/mean ");
        ASSERT_NE(at, std::string::npos) << line;
        const double ratio = std::stod(line.substr(at + 23));
        EXPECT_GE(ratio, 1.0) << line;  // the busiest rank holds at least the mean
        EXPECT_LE(ratio, 2.0) << line;  // and at most all of it
    }
    EXPECT_GT(lines, 0);
}

TEST_F(MpiRunFileTest, RankCountsTheLatticeCannotHoldAreRefusedByNameWithoutAFile) {
    // 8 x 8 sites are one tile: no two boxes can be cut from it. Refused before any file exists.
    const fs::path thin = directory_.path() / "thin.toml";
    std::ofstream(thin) << "[scenario]\nname = \"thin\"\n[time]\ndays = 0.1\n[space]\nnx = 8\n"
                           "ny = 8\nnz = 1\n";
    const fs::path out = directory_.path() / "thin.h5";
    EXPECT_EQ(mpi_cartsim(2, "run " + thin.string() + " -o " + out.string()), kExitBadInput);
    EXPECT_FALSE(fs::exists(out));
    EXPECT_FALSE(fs::exists(out.string() + ".partial"));
}

}  // namespace
}  // namespace cartsim::cli
