// `cartsim run --virtual-ranks K` writes the run file of one rank: every dataset and attribute
// equal (time series, snapshots, checkpoint, summary), only the per-process provenance differs.

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <variant>

#include "cli/run_simulation.hpp"
#include "tests/support/same_run_file.hpp"
#include "tests/support/split_run_scenario.hpp"
#include "tests/support/temp_directory.hpp"

namespace cartsim::cli {
namespace {

namespace fs = std::filesystem;

class VirtualRankRunFileTest : public ::testing::Test {
  protected:
    VirtualRankRunFileTest() { std::ofstream(scenario_) << test_support::kSplitRunScenario; }

    RunOptions options(const std::string& output, int virtual_ranks) const {
        RunOptions o;
        o.scenario_path = scenario_;
        o.output_path = directory_.path() / output;
        o.threads = 2;
        o.virtual_ranks = virtual_ranks;
        o.quiet = true;
        return o;
    }

    test_support::TempDirectory directory_{"cartsim_virtual_ranks"};
    fs::path scenario_ = directory_.path() / "split.toml";
};

TEST_F(VirtualRankRunFileTest, determinism_two_virtual_ranks_write_the_one_rank_file) {
    const RunResult one = run_simulation(options("one.h5", 1));
    ASSERT_EQ(one.exit_status, kExitSuccess) << one.error_message;
    const RunResult two = run_simulation(options("two.h5", 2));
    ASSERT_EQ(two.exit_status, kExitSuccess) << two.error_message;
    EXPECT_EQ(two.final_state_hash, one.final_state_hash);
    const std::size_t datasets = test_support::expect_same_run_file(directory_.path() / "one.h5",
                                                                    directory_.path() / "two.h5");
    EXPECT_GT(datasets, 100u);  // snapshots, time series, checkpoint: a real file was compared
    // CAR-T cells were in the window at the end.
    const fs::path file = directory_.path() / "one.h5";
    const io::Hdf5Handle h = test_support::open_run_file_read_only(file);
    const io::ArrayGroup car_t = io::read_array_group(h.get(), "checkpoint/car_t", file);
    EXPECT_GT(std::visit([](const auto& v) { return v.size(); }, car_t.array("ids").values), 10u);
}

// A run interrupted on 4 virtual ranks and resumed on 1, and one interrupted on 1 and resumed on
// 4 or on 2, write the file of an uninterrupted run on one rank.
TEST_F(VirtualRankRunFileTest, determinism_interrupted_and_resumed_at_other_rank_counts) {
    const RunResult one = run_simulation(options("one.h5", 1));
    ASSERT_EQ(one.exit_status, kExitSuccess) << one.error_message;
    for (const auto& [name, first_ranks, then_ranks] :
         {std::tuple{"four_then_one.h5", 4, 1}, std::tuple{"one_then_four.h5", 1, 4},
          std::tuple{"one_then_two.h5", 1, 2}}) {
        RunOptions first_leg = options(name, first_ranks);
        first_leg.interrupt_after_step = 517;  // off the record, snapshot and checkpoint grids
        ASSERT_EQ(run_simulation(first_leg).exit_status, kExitInterrupted) << name;
        ResumeOptions second_leg;
        second_leg.run_file = directory_.path() / name;
        second_leg.threads = 2;
        second_leg.virtual_ranks = then_ranks;
        second_leg.quiet = true;
        const RunResult finished = resume_run(second_leg);
        ASSERT_EQ(finished.exit_status, kExitSuccess) << name << ": " << finished.error_message;
        EXPECT_EQ(finished.final_state_hash, one.final_state_hash) << name;
        EXPECT_GT(test_support::expect_same_run_file(directory_.path() / "one.h5",
                                                     directory_.path() / name),
                  100u)
            << name;
    }
}

TEST_F(VirtualRankRunFileTest, WellMixedModeRefusesSeveralVirtualRanksBeforeWritingAnything) {
    RunOptions o = options("mixed.h5", 2);
    o.sets = {"run.well_mixed=true"};
    const RunResult result = run_simulation(o);
    EXPECT_EQ(result.exit_status, kExitBadInput);
    EXPECT_NE(result.error_message.find("--virtual-ranks 2"), std::string::npos)
        << result.error_message;
    EXPECT_NE(result.error_message.find("run.well_mixed"), std::string::npos)
        << result.error_message;
    EXPECT_FALSE(fs::exists(o.output_path->string()));
    EXPECT_FALSE(fs::exists(o.output_path->string() + ".partial"));
}

TEST_F(VirtualRankRunFileTest, RankCountsTheLatticeCannotHoldAreRefusedByName) {
    for (const int ranks : {0, 64}) {  // 64 boxes of a 6 x 6 tile grid
        const RunResult result = run_simulation(options("refused.h5", ranks));
        EXPECT_EQ(result.exit_status, kExitBadInput) << ranks;
        EXPECT_NE(result.error_message.find("--virtual-ranks"), std::string::npos)
            << result.error_message;
    }
}

// 48 sites in 8-site tiles are 6 tiles an axis: 2 ranks split them 2:4, so even a uniform marrow
// is shared unevenly, which the run says, naming a tile edge that would even it; with 4-site
// tiles (12 an axis) it says nothing.
TEST_F(VirtualRankRunFileTest, AnOddShareOfTheColoursIsWarnedOfWithTileEdgesThatEvenIt) {
    const auto previous = spdlog::default_logger();
    std::ostringstream log;
    auto logger = std::make_shared<spdlog::logger>(
        "ranks-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
    spdlog::set_default_logger(logger);
    RunOptions uneven = options("uneven.h5", 2);
    uneven.days = 0.01;
    const RunResult uneven_result = run_simulation(uneven);
    const std::string uneven_log = log.str();
    log.str("");
    RunOptions even = options("even.h5", 2);
    even.days = 0.01;
    even.sets = {"space.tile_edge_sites=4"};
    const RunResult even_result = run_simulation(even);
    const std::string even_log = log.str();
    spdlog::set_default_logger(previous);
    EXPECT_EQ(uneven_result.exit_status, kExitSuccess) << uneven_result.error_message;
    EXPECT_EQ(even_result.exit_status, kExitSuccess) << even_result.error_message;
    EXPECT_NE(uneven_log.find("space.tile_edge_sites = 8"), std::string::npos) << uneven_log;
    EXPECT_NE(uneven_log.find("max/mean 1.33"), std::string::npos) << uneven_log;
    EXPECT_NE(uneven_log.find("Tile edges that would"), std::string::npos) << uneven_log;
    EXPECT_NE(uneven_log.find(" 4 (1.00)"), std::string::npos) << uneven_log;
    EXPECT_EQ(even_log.find("tile_edge_sites"), std::string::npos) << even_log;
}

}  // namespace
}  // namespace cartsim::cli
