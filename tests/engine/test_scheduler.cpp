#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/scheduler.hpp"

namespace cartsim::engine {
namespace {

TEST(Scheduler, PhasesRunInOrderOnTheirOwnClocks) {
    Scheduler scheduler(1.0);
    std::vector<std::string> log;
    scheduler.add({"fast", "", 1, 0, [&](Step s) { log.push_back("fast" + std::to_string(s)); }});
    scheduler.add({"slow", "", 3, 1, [&](Step s) { log.push_back("slow" + std::to_string(s)); }});
    scheduler.add({"after", "", 1, 0, [&](Step s) { log.push_back("after" + std::to_string(s)); }});
    for (Step s = 0; s < 5; ++s) scheduler.run_step(s);
    const std::vector<std::string> expected{"fast0",  "after0", "fast1",  "slow1",
                                            "after1", "fast2",  "after2", "fast3",
                                            "after3", "fast4",  "slow4",  "after4"};
    EXPECT_EQ(log, expected);
}

TEST(Scheduler, DescribeListsEveryPhaseWithItsClock) {
    Scheduler scheduler(1.0);
    scheduler.add({"t-cells", "move and kill", 1, 0, [](Step) {}});
    scheduler.add({"tissue", "divide and die", 60, 0, [](Step) {}});
    const std::string text = scheduler.describe();
    EXPECT_NE(text.find("1. t-cells"), std::string::npos) << text;
    EXPECT_NE(text.find("2. tissue"), std::string::npos) << text;
    EXPECT_NE(text.find("every 60 steps (60 min)"), std::string::npos) << text;
    EXPECT_NE(text.find("divide and die"), std::string::npos) << text;
}

// Time is charged to the phase that spent it, only on steps where it ran.
TEST(Scheduler, PhaseSecondsChargeEachPhaseItsOwnTime) {
    using Clock = std::chrono::steady_clock;
    const auto busy = [](std::chrono::milliseconds length) {
        const auto until = Clock::now() + length;
        while (Clock::now() < until) {
        }
    };
    Scheduler scheduler(1.0);
    scheduler.add({"busy", "", 2, 0, [&](Step) { busy(std::chrono::milliseconds(15)); }});
    scheduler.add({"idle", "", 1, 0, [](Step) {}});
    ASSERT_EQ(scheduler.phase_seconds().size(), 2U);
    for (Step s = 0; s < 4; ++s) scheduler.run_step(s);  // busy runs on steps 0 and 2
    const std::vector<double> seconds = scheduler.phase_seconds();
    EXPECT_GE(seconds[0], 0.030);
    EXPECT_LT(seconds[1], seconds[0]);
    const std::string line = scheduler.describe_time(2.0 * seconds[0]);
    EXPECT_NE(line.find("busy "), std::string::npos) << line;
    EXPECT_NE(line.find("(50%)"), std::string::npos) << line;
    EXPECT_NE(line.find("outside the phases"), std::string::npos) << line;
    scheduler.reset_phase_seconds();
    EXPECT_EQ(scheduler.phase_seconds()[0], 0.0);
}

TEST(Scheduler, RejectsBadClocksAndDuplicates) {
    Scheduler scheduler(1.0);
    EXPECT_THROW(scheduler.add({"zero", "", 0, 0, [](Step) {}}), std::invalid_argument);
    EXPECT_THROW(scheduler.add({"late", "", 4, 4, [](Step) {}}), std::invalid_argument);
    scheduler.add({"a", "", 1, 0, [](Step) {}});
    EXPECT_THROW(scheduler.add({"a", "", 2, 0, [](Step) {}}), std::invalid_argument);
}

}  // namespace
}  // namespace cartsim::engine
