// The documented job-array flow: every task `cartsim ensemble ... -o DIR --chunk K/N` starts at
// the same moment on a DIR that does not exist yet. All must succeed (one creates DIR and its
// plan, the others find the same plan), and the summary afterwards covers every run.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/robustness/cartsim_process.hpp"
#include "tests/support/temp_directory.hpp"

namespace cartsim {
namespace {

namespace fs = std::filesystem;
using test_support::CartsimExit;
using test_support::CartsimLaunch;

constexpr int kChunks = 4;
constexpr int kRepeats = 4;

TEST(ConcurrentChunks, JobArrayTasksStartingTogetherOnANewDirectoryAllSucceed) {
    const test_support::TempDirectory temp("cartsim-chunks");
    const fs::path scenario = temp.path() / "tiny.toml";
    std::ofstream(scenario) << "[scenario]\nname = \"tiny\"\n[time]\ndays = 0.25\n"
                               "[output]\nsnapshot_every_days = 0\n"
                               "[space]\nnx = 24\nny = 24\nnz = 1\n"
                               "total_marrow_volume_ml = 10.0\n";
    for (int repeat = 0; repeat < kRepeats; ++repeat) {
        const fs::path dir = temp.path() / fmt::format("ensemble_{}", repeat);
        std::vector<CartsimLaunch> tasks;
        for (int k = 1; k <= kChunks; ++k) {
            tasks.push_back(
                {{"ensemble", scenario.string(), "-o", dir.string(), "--replicates",
                  std::to_string(kChunks), "--chunk", fmt::format("{}/{}", k, kChunks), "--quiet"},
                 temp.path() / fmt::format("task_{}.txt", k)});
        }
        const std::vector<CartsimExit> exits = test_support::run_cartsim_together(tasks);
        for (int k = 0; k < kChunks; ++k) {
            EXPECT_EQ(exits[k].exit_status, 0) << "task " << k + 1 << ":\n" << exits[k].err;
        }
        const CartsimExit summary = test_support::run_cartsim_once(
            {{"ensemble", scenario.string(), "-o", dir.string(), "--replicates",
              std::to_string(kChunks), "--summarize-only", "--quiet"},
             temp.path() / "summary.txt"});
        EXPECT_EQ(summary.exit_status, 0) << summary.err;
        EXPECT_TRUE(fs::exists(dir / "summary.csv"));
        // Every lock went with its holder.
        for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir)) {
            EXPECT_NE(entry.path().extension(), ".lock") << entry.path();
        }
    }
}

}  // namespace
}  // namespace cartsim
