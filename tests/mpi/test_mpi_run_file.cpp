// `mpiexec -n K cartsim run` (the mpi preset's cartsim) writes the run file of one rank: every
// dataset and attribute equal (time series, snapshots, checkpoint, summary), only the
// per-process provenance differs; and a run checkpointed on K ranks resumes on another count.
// The one-rank reference runs in this process (not under mpiexec: the serial path).

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli/run_simulation.hpp"
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
    int mpi_cartsim(int ranks, const std::string& arguments) const {
        const std::string command =
            std::string("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ") +
            CARTSIM_MPIEXEC + " -n " + std::to_string(ranks) + " --oversubscribe " +
            CARTSIM_MPI_BINARY + " " + arguments + " --threads 1 --quiet";
        const int status = std::system(command.c_str());
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    fs::path reference(double days) const {
        RunOptions o;
        o.scenario_path = scenario_;
        o.output_path = directory_.path() / "one.h5";
        o.threads = 2;
        o.days = days;
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
