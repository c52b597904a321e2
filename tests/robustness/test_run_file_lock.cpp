// One process per run file: two `cartsim resume` of one file (a duplicated batch job) or two
// `cartsim run` into one output, started at the same moment: one does the run, the other exits 3
// naming the holder and writes nothing, and the published file is the uninterrupted result.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/run_simulation.hpp"
#include "io/run_file_reader.hpp"
#include "tests/robustness/cartsim_process.hpp"
#include "tests/support/temp_directory.hpp"

namespace cartsim {
namespace {

namespace fs = std::filesystem;
using test_support::CartsimExit;
using test_support::CartsimLaunch;
using test_support::run_cartsim_together;

constexpr int kRepeats = 3;

class RunFileLock : public ::testing::Test {
  protected:
    void SetUp() override {
        scenario_ = dir() / "small.toml";
        test_support::write_small_scenario(
            scenario_, {.days = 2.0, .checkpoint_every_days = 0.25, .edge_sites = 60});
    }
    const fs::path& dir() const { return temp_.path(); }
    CartsimLaunch launch(std::vector<std::string> arguments, const std::string& name) const {
        return {std::move(arguments), dir() / name};
    }
    void expect_same_timeseries(const fs::path& expected, const fs::path& actual) const {
        const io::RunFileReader a(expected);
        const io::RunFileReader b(actual);
        for (const auto& column : a.timeseries_columns()) {
            EXPECT_EQ(a.read_timeseries(column.name), b.read_timeseries(column.name))
                << column.name;
        }
    }
    // Of two processes on one run file, exactly one exits `winner_status`, the other 3 with a
    // message naming the lock's holder.
    static void expect_one_refused(const std::vector<CartsimExit>& exits, int winner_status) {
        ASSERT_EQ(exits.size(), 2u);
        const bool first_refused = exits[0].exit_status == cli::kExitOutputProblem;
        const CartsimExit& refused = first_refused ? exits[0] : exits[1];
        const CartsimExit& winner = first_refused ? exits[1] : exits[0];
        EXPECT_EQ(winner.exit_status, winner_status) << winner.err;
        ASSERT_EQ(refused.exit_status, cli::kExitOutputProblem) << refused.err;
        EXPECT_NE(refused.err.find("in use by another cartsim process"), std::string::npos)
            << refused.err;
        EXPECT_NE(refused.err.find("pid "), std::string::npos) << refused.err;
        EXPECT_NE(refused.err.find("on host "), std::string::npos) << refused.err;
    }

    test_support::TempDirectory temp_{"cartsim-run-lock"};
    fs::path scenario_;
};

TEST_F(RunFileLock, DuplicatedResumeJobsNeverShareTheRunFile) {
    const fs::path reference = dir() / "reference.h5";
    const fs::path start = dir() / "start.h5";
    ASSERT_EQ(test_support::run_cartsim_once(
                  launch({"run", scenario_.string(), "-o", reference.string(), "--quiet"}, "r"))
                  .exit_status,
              0);
    ASSERT_EQ(test_support::run_cartsim_once(launch({"run", scenario_.string(), "-o",
                                                     start.string(), "--days", "0.25", "--quiet"},
                                                    "s"))
                  .exit_status,
              0);
    const fs::path run_file = dir() / "job.h5";
    for (int repeat = 0; repeat < kRepeats; ++repeat) {
        fs::copy_file(start, run_file, fs::copy_options::overwrite_existing);
        const std::vector<std::string> resume = {
            "resume", run_file.string(), "--days", "2", "--threads", "1", "--quiet"};
        const std::vector<CartsimExit> exits =
            run_cartsim_together({launch(resume, "a.txt"), launch(resume, "b.txt")});
        expect_one_refused(exits, 0);
        expect_same_timeseries(reference, run_file);
        EXPECT_FALSE(fs::exists(dir() / "job.h5.partial"));
        EXPECT_FALSE(fs::exists(dir() / "job.h5.tmp"));
        EXPECT_FALSE(fs::exists(dir() / "job.h5.lock"));
    }
}

TEST_F(RunFileLock, TwoRunsIntoOneOutputNeverShareIt) {
    const fs::path reference = dir() / "reference.h5";
    ASSERT_EQ(test_support::run_cartsim_once(
                  launch({"run", scenario_.string(), "-o", reference.string(), "--quiet"}, "r"))
                  .exit_status,
              0);
    const fs::path output = dir() / "out.h5";
    for (int repeat = 0; repeat < kRepeats; ++repeat) {
        fs::remove(output);
        const std::vector<std::string> run = {"run",           scenario_.string(), "-o",
                                              output.string(), "--threads",        "1",
                                              "--force",       "--quiet"};
        expect_one_refused(run_cartsim_together({launch(run, "a.txt"), launch(run, "b.txt")}), 0);
        expect_same_timeseries(reference, output);
        EXPECT_FALSE(fs::exists(dir() / "out.h5.partial"));
        EXPECT_FALSE(fs::exists(dir() / "out.h5.lock"));
    }
}

}  // namespace
}  // namespace cartsim
