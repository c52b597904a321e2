#include <gtest/gtest.h>

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

TEST(Scheduler, RejectsBadClocksAndDuplicates) {
    Scheduler scheduler(1.0);
    EXPECT_THROW(scheduler.add({"zero", "", 0, 0, [](Step) {}}), std::invalid_argument);
    EXPECT_THROW(scheduler.add({"late", "", 4, 4, [](Step) {}}), std::invalid_argument);
    scheduler.add({"a", "", 1, 0, [](Step) {}});
    EXPECT_THROW(scheduler.add({"a", "", 2, 0, [](Step) {}}), std::invalid_argument);
}

}  // namespace
}  // namespace cartsim::engine
