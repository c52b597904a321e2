// Tests of checkpoints and `cartsim resume`: a run interrupted (by the test hook, SIGTERM, or
// kill -9) and resumed, possibly at another thread count, gives the same file as an
// uninterrupted run, dataset by dataset and attribute by attribute (only created_utc and the
// per-process provenance differ: command line, host, threads, wall time);
// a complete run can be extended; bad resumes fail cleanly. Each test has its own directory.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "cli/run_simulation.hpp"
#include "io/array_group.hpp"
#include "io/hdf5_handle.hpp"
#include "io/run_file_reader.hpp"
#include "io/run_file_writer.hpp"
#include "tests/support/same_run_file.hpp"

namespace cartsim::cli {
namespace {

namespace fs = std::filesystem;

// 60 x 60 x 1 sites, 3 days; snapshots every half day, checkpoints every day.
std::string scenario_text() {
    return "[scenario]\n"
           "name = \"resumable\"\n"
           "[run]\n"
           "seed = 7\n"
           "[time]\n"
           "days = 3.0\n"
           "[output]\n"
           "snapshot_every_days = 0.5\n"
           "checkpoint_every_days = 1.0\n"
           "[space]\n"
           "nx = 60\n"
           "ny = 60\n"
           "nz = 1\n"
           "total_marrow_volume_ml = 10.0\n"
           "[car_t]\n"
           "dose_cells = 1e9\n";
}

std::string read_bytes(const fs::path& file) {
    std::ifstream stream(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

io::Hdf5Handle open_read_only(const fs::path& file) {
    return test_support::open_run_file_read_only(file);
}

// Every group, dataset (bitwise) and attribute of `expected_file` is in `actual_file` and
// equal, and nothing else is, except the per-process root attributes (created_utc, provenance).
void expect_same_file(const fs::path& expected_file, const fs::path& actual_file) {
    // Snapshots, time series, checkpoint: a real file was compared.
    EXPECT_GT(test_support::expect_same_run_file(expected_file, actual_file), 100u);
}

std::string root_status(const fs::path& file) {
    const io::Hdf5Handle h = open_read_only(file);
    return io::read_array_group(h.get(), "", file)
        .attribute<std::string>(io::layout::kRunStatusAttr);
}

class ResumeCommandTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
        directory_ = fs::temp_directory_path() /
                     fmt::format("cartsim_resume_{}_{}", ::getpid(), info->name());
        fs::remove_all(directory_);
        fs::create_directories(directory_);
        scenario_ = directory_ / "resumable.toml";
        std::ofstream(scenario_) << scenario_text();
    }
    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(directory_, ignored);
    }

    RunOptions run_options(const std::string& output, int threads) const {
        RunOptions options;
        options.scenario_path = scenario_;
        options.output_path = directory_ / output;
        options.threads = threads;
        options.quiet = true;
        return options;
    }
    ResumeOptions resume_options(const std::string& output, int threads) const {
        ResumeOptions options;
        options.run_file = directory_ / output;
        options.threads = threads;
        options.quiet = true;
        return options;
    }

    fs::path directory_;
    fs::path scenario_;
};

TEST_F(ResumeCommandTest,
       determinism_interrupted_and_resumed_at_other_threads_equals_uninterrupted) {
    const RunResult reference = run_simulation(run_options("reference.h5", 1));
    ASSERT_EQ(reference.exit_status, kExitSuccess) << reference.error_message;
    EXPECT_EQ(root_status(directory_ / "reference.h5"), io::run_status::kComplete);

    // Interrupted mid-way between two checkpoints and off the record and snapshot grids.
    RunOptions first_leg = run_options("resumed.h5", 2);
    first_leg.interrupt_after_step = 1440 + 517;
    const RunResult interrupted = run_simulation(first_leg);
    ASSERT_EQ(interrupted.exit_status, kExitInterrupted) << interrupted.error_message;
    EXPECT_TRUE(interrupted.interrupted);
    EXPECT_EQ(interrupted.fine_steps, 1440u + 517u);
    EXPECT_EQ(root_status(directory_ / "resumed.h5"), io::run_status::kInterrupted);
    EXPECT_FALSE(fs::exists(directory_ / "resumed.h5.partial"));
    EXPECT_TRUE(fs::exists(directory_ / "resumed.xmf"));

    // Interrupted again after the next checkpoint, then finished at a third thread count.
    ResumeOptions second_leg = resume_options("resumed.h5", 4);
    second_leg.interrupt_after_step = 2 * 1440 + 60;
    ASSERT_EQ(resume_run(second_leg).exit_status, kExitInterrupted);
    const RunResult finished = resume_run(resume_options("resumed.h5", 3));
    ASSERT_EQ(finished.exit_status, kExitSuccess) << finished.error_message;
    EXPECT_EQ(finished.final_state_hash, reference.final_state_hash);
    expect_same_file(directory_ / "reference.h5", directory_ / "resumed.h5");
    // The provenance of the resumed file: the command of each leg, one a line; the threads of
    // the last; the wall time of all three legs.
    const io::StoredProvenance provenance =
        io::RunFileReader(directory_ / "resumed.h5").provenance();
    ASSERT_TRUE(provenance.command_line && provenance.threads && provenance.wall_time_s);
    EXPECT_EQ(std::count(provenance.command_line->begin(), provenance.command_line->end(), '\n'), 2)
        << *provenance.command_line;
    EXPECT_EQ(provenance.command_line->rfind("(library call) run_simulation", 0), 0U);
    EXPECT_NE(provenance.command_line->find("\n(library call) resume_run"), std::string::npos);
    EXPECT_EQ(*provenance.threads, 3);
    EXPECT_GT(*provenance.wall_time_s, 0.0);
}

TEST_F(ResumeCommandTest, determinism_complete_run_extended_with_days_equals_longer_run) {
    RunOptions longer = run_options("longer.h5", 1);
    longer.days = 4.0;
    ASSERT_EQ(run_simulation(longer).exit_status, kExitSuccess);
    RunOptions shorter = run_options("extended.h5", 2);
    shorter.days = 2.2;  // ends off the record, snapshot and checkpoint grids
    ASSERT_EQ(run_simulation(shorter).exit_status, kExitSuccess);
    ResumeOptions extend = resume_options("extended.h5", 1);
    extend.days = 4.0;
    const RunResult extended = resume_run(extend);
    ASSERT_EQ(extended.exit_status, kExitSuccess) << extended.error_message;
    expect_same_file(directory_ / "longer.h5", directory_ / "extended.h5");
    // Resuming a run that already reached its end changes nothing.
    const std::string bytes = read_bytes(directory_ / "extended.h5");
    EXPECT_EQ(resume_run(resume_options("extended.h5", 1)).exit_status, kExitSuccess);
    EXPECT_EQ(read_bytes(directory_ / "extended.h5"), bytes);
}

TEST_F(ResumeCommandTest, BadResumesFailCleanlyAndChangeNothing) {
    // Missing file.
    RunResult result = resume_run(resume_options("missing.h5", 1));
    EXPECT_EQ(result.exit_status, kExitOutputProblem);
    EXPECT_NE(result.error_message.find("missing.h5"), std::string::npos) << result.error_message;
    // Not HDF5 at all.
    std::ofstream(directory_ / "text.h5") << "not an HDF5 file\n";
    result = resume_run(resume_options("text.h5", 1));
    EXPECT_EQ(result.exit_status, kExitOutputProblem);
    EXPECT_NE(result.error_message.find("text.h5"), std::string::npos) << result.error_message;
    // An HDF5 file that cartsim did not write.
    {
        const io::Hdf5Handle h(
            H5Fcreate((directory_ / "foreign.h5").c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT),
            H5Fclose);
    }
    result = resume_run(resume_options("foreign.h5", 1));
    EXPECT_EQ(result.exit_status, kExitOutputProblem);
    EXPECT_NE(result.error_message.find("format_version"), std::string::npos)
        << result.error_message;
    // --days before the checkpoint: exit 2, the file keeps its bytes, no .partial.
    ASSERT_EQ(run_simulation(run_options("done.h5", 2)).exit_status, kExitSuccess);
    const std::string bytes = read_bytes(directory_ / "done.h5");
    ResumeOptions early = resume_options("done.h5", 1);
    early.days = 1.0;
    result = resume_run(early);
    EXPECT_EQ(result.exit_status, kExitBadInput);
    EXPECT_NE(result.error_message.find("--days"), std::string::npos) << result.error_message;
    EXPECT_EQ(read_bytes(directory_ / "done.h5"), bytes);
    EXPECT_FALSE(fs::exists(directory_ / "done.h5.partial"));
    // A run file whose checkpoint is gone.
    {
        const io::Hdf5Handle h(H5Fopen((directory_ / "done.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT),
                               H5Fclose);
        ASSERT_GE(H5Ldelete(h.get(), "/checkpoint", H5P_DEFAULT), 0);
    }
    result = resume_run(resume_options("done.h5", 1));
    EXPECT_EQ(result.exit_status, kExitOutputProblem);
    EXPECT_NE(result.error_message.find("checkpoint"), std::string::npos) << result.error_message;
}

// The binary: SIGTERM gives exit 4 and a resumable file; kill -9 at any moment leaves either no
// file or a complete one under the final name (h5dump opens it) that resumes to the same result.
class CartsimProcessTest : public ResumeCommandTest {
  protected:
    pid_t start(const std::string& output) const {
        const pid_t pid = ::fork();
        if (pid == 0) {
            const std::string out = (directory_ / output).string();
            const std::string scenario = scenario_.string();
            ::execl(CARTSIM_BINARY, CARTSIM_BINARY, "run", scenario.c_str(), "-o", out.c_str(),
                    "--threads", "2", "--quiet", "--days", "20", "--set",
                    "output.checkpoint_every_days=0.25", static_cast<char*>(nullptr));
            std::_Exit(127);
        }
        return pid;
    }
    static int wait_for(pid_t pid) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        return status;
    }
};

TEST_F(CartsimProcessTest, SigtermWritesCheckpointExits4AndResumeFinishesIdentically) {
    RunOptions reference = run_options("reference.h5", 1);
    reference.days = 20.0;
    reference.sets = {"output.checkpoint_every_days=0.25"};
    ASSERT_EQ(run_simulation(reference).exit_status, kExitSuccess);

    const pid_t pid = start("signalled.h5");
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    ::kill(pid, SIGTERM);
    const int status = wait_for(pid);
    ASSERT_TRUE(WIFEXITED(status));
    if (WEXITSTATUS(status) == kExitSuccess) GTEST_SKIP() << "the run finished before the signal";
    ASSERT_EQ(WEXITSTATUS(status), kExitInterrupted);
    EXPECT_EQ(root_status(directory_ / "signalled.h5"), io::run_status::kInterrupted);
    ResumeOptions resume = resume_options("signalled.h5", 2);
    ASSERT_EQ(resume_run(resume).exit_status, kExitSuccess);
    expect_same_file(directory_ / "reference.h5", directory_ / "signalled.h5");
}

TEST_F(CartsimProcessTest, KillNineAtAnyMomentLeavesNoFileOrACompleteResumableOne) {
    RunOptions reference = run_options("reference.h5", 1);
    reference.days = 20.0;
    reference.sets = {"output.checkpoint_every_days=0.25"};
    ASSERT_EQ(run_simulation(reference).exit_status, kExitSuccess);
    int resumed = 0;
    for (const int delay_ms : {40, 300, 700, 1200, 1800}) {
        const std::string name = fmt::format("killed_{}.h5", delay_ms);
        const pid_t pid = start(name);
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        ::kill(pid, SIGKILL);
        wait_for(pid);
        const fs::path file = directory_ / name;
        if (!fs::exists(file)) continue;  // killed before the first checkpoint: nothing published
        const int dump =
            std::system(fmt::format("h5dump -H '{}' > /dev/null 2>&1", file.string()).c_str());
        EXPECT_EQ(dump, 0) << name << " does not open in h5dump";
        const std::string status = root_status(file);
        EXPECT_TRUE(status == io::run_status::kCheckpoint || status == io::run_status::kComplete)
            << status;
        ASSERT_EQ(resume_run(resume_options(name, 2)).exit_status, kExitSuccess) << name;
        expect_same_file(directory_ / "reference.h5", file);
        ++resumed;
    }
    EXPECT_GT(resumed, 0) << "no kill fell after a checkpoint: the test proved nothing";
}

}  // namespace
}  // namespace cartsim::cli
