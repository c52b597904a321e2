// Failures at the start of a run leave nothing behind that blocks the rerun, and are found
// before simulating: a full disk (here a file size limit of one byte) and a scenario name that
// the run file could not store (a NUL character).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cli/run_simulation.hpp"
#include "tests/robustness/cartsim_process.hpp"
#include "tests/support/temp_directory.hpp"

namespace cartsim {
namespace {

namespace fs = std::filesystem;
using test_support::CartsimExit;
using test_support::CartsimLaunch;

class StartFailures : public ::testing::Test {
  protected:
    void write_scenario(const std::string& name_line) {
        std::ofstream(scenario_) << "[scenario]\n"
                                 << name_line
                                 << "\n[time]\ndays = 0.5\n[output]\nsnapshot_every_days = 0.5\n"
                                    "[space]\nnx = 30\nny = 30\nnz = 1\n"
                                    "total_marrow_volume_ml = 10.0\n[car_t]\ndose_cells = 1e9\n";
    }
    const fs::path& dir() const { return temp_.path(); }

    test_support::TempDirectory temp_{"cartsim-start"};
    fs::path scenario_ = temp_.path() / "small.toml";
    fs::path output_ = temp_.path() / "out.h5";
};

TEST_F(StartFailures, DiskFullAtStartLeavesNothingThatBlocksTheRerun) {
    write_scenario("name = \"small\"");
    CartsimLaunch full{{"run", scenario_.string(), "-o", output_.string(), "--quiet"},
                       dir() / "err.txt"};
    full.file_size_limit = 1;
    const CartsimExit failed = test_support::run_cartsim_once(full);
    // (Its message cannot be checked: the limit also cuts its stderr file to one byte.)
    EXPECT_EQ(failed.exit_status, cli::kExitOutputProblem);
    EXPECT_FALSE(fs::exists(output_.string() + ".partial"));
    EXPECT_FALSE(fs::exists(output_));
    const CartsimExit rerun = test_support::run_cartsim_once(
        {{"run", scenario_.string(), "-o", output_.string(), "--quiet"}, dir() / "err.txt"});
    EXPECT_EQ(rerun.exit_status, 0) << rerun.err;
}

TEST_F(StartFailures, NulInTheScenarioNameIsRefusedBeforeSimulating) {
    write_scenario("name = \"one\\u0000two\"");
    const CartsimExit exit = test_support::run_cartsim_once(
        {{"run", scenario_.string(), "-o", output_.string(), "--quiet"}, dir() / "err.txt"});
    EXPECT_EQ(exit.exit_status, cli::kExitBadInput) << exit.err;
    EXPECT_NE(exit.err.find("scenario.name"), std::string::npos) << exit.err;
    EXPECT_NE(exit.err.find("NUL"), std::string::npos) << exit.err;
    EXPECT_FALSE(fs::exists(output_.string() + ".partial"));
    EXPECT_FALSE(fs::exists(output_));
}

}  // namespace
}  // namespace cartsim
