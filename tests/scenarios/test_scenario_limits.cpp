// Limits on what a scenario may ask of the loader: an `inherits` chain deeper than
// kMaxInheritsDepth and keys longer than kMaxKeyLength fail at once with an error naming the
// limit (a 20,000-deep chain overflowed the stack; a huge unknown key took minutes in the
// did-you-mean search).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "example_table.hpp"
#include "scenarios/parameter_table.hpp"
#include "scenarios/scenario_error.hpp"
#include "scenarios/scenario_loader.hpp"
#include "scenarios/sweep_design.hpp"
#include "tests/support/temp_directory.hpp"

namespace cartsim::scenarios {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kHugeKeyLength = 200'000;

// "level_0.toml" inherits "level_1.toml" ... "level_<depth>.toml", which inherits nothing.
fs::path write_chain(const fs::path& dir, std::size_t depth) {
    for (std::size_t level = 0; level <= depth; ++level) {
        std::ofstream file(dir / ("level_" + std::to_string(level) + ".toml"));
        if (level < depth) file << "inherits = \"level_" << level + 1 << ".toml\"\n";
        file << "[walker]\ncount = " << level + 1 << "\n";
    }
    return dir / "level_0.toml";
}

// The error `action` throws, which must come fast.
std::string error_of(const std::function<void()>& action) {
    const Clock::time_point start = Clock::now();
    try {
        action();
    } catch (const ScenarioError& error) {
        EXPECT_LT(Clock::now() - start, std::chrono::seconds(2)) << "the error came late";
        return error.what();
    }
    ADD_FAILURE() << "no ScenarioError";
    return {};
}

TEST(ScenarioLimits, InheritsChainAtTheLimitLoads) {
    const test_support::TempDirectory dir("cartsim-limits");
    const ParameterTable table = testing::walker_grid_table();
    const Scenario scenario = load_scenario_file(write_chain(dir.path(), kMaxInheritsDepth), table);
    EXPECT_EQ(scenario.files.size(), kMaxInheritsDepth + 1);
}

TEST(ScenarioLimits, InheritsChainBeyondTheLimitIsRefusedNamingIt) {
    const test_support::TempDirectory dir("cartsim-limits");
    const ParameterTable table = testing::walker_grid_table();
    const fs::path top = write_chain(dir.path(), 5000);
    const std::string message = error_of([&] { load_scenario_file(top, table); });
    EXPECT_NE(message.find("inherits"), std::string::npos) << message;
    EXPECT_NE(message.find("limit of 64 files"), std::string::npos) << message;
}

TEST(ScenarioLimits, HugeKeysAreRefusedAtOnceNamingTheLimit) {
    const ParameterTable table = testing::walker_grid_table();
    const std::string huge(kHugeKeyLength, 'q');
    const auto expect_limit = [&](const std::string& message) {
        EXPECT_NE(message.find("limit of 256 characters"), std::string::npos)
            << message.substr(0, 300);
        EXPECT_LT(message.size(), 1000u) << "the message repeats the whole key";
    };
    expect_limit(error_of([&] { load_scenario_text(huge + " = 1\n", "huge.toml", table); }));
    expect_limit(
        error_of([&] { load_scenario_text("[walker]\n" + huge + " = 1\n", "huge.toml", table); }));
    expect_limit(error_of([&] {
        Scenario scenario = load_scenario_text("", "empty.toml", table);
        apply_override(scenario, huge + "=1", table);
    }));
    expect_limit(error_of([&] { parse_varied_range(huge + "=1:2", table); }));
    expect_limit(unknown_key_message(huge, table));
}

TEST(ScenarioLimits, KeysAtTheLimitGetTheUsualUnknownKeyMessage) {
    const ParameterTable table = testing::walker_grid_table();
    const std::string message = unknown_key_message(std::string(kMaxKeyLength, 'q'), table);
    EXPECT_EQ(message.find("limit"), std::string::npos) << message;
}

}  // namespace
}  // namespace cartsim::scenarios
