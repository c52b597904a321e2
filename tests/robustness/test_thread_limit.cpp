// Thread counts beyond kThreadsPerHardwareThread x the hardware are refused with exit 2 and an
// error naming the limit, before any thread or file is created (--threads 65536 used to start
// one thread per count on a shared node).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/run_simulation.hpp"
#include "cli/thread_limit.hpp"
#include "tests/robustness/cartsim_process.hpp"
#include "tests/support/temp_directory.hpp"

namespace cartsim {
namespace {

namespace fs = std::filesystem;

TEST(ThreadLimit, CountsBeyondTheLimitExit2NamingItAndWriteNothing) {
    const test_support::TempDirectory temp("cartsim-threads");
    const fs::path scenario = temp.path() / "small.toml";
    std::ofstream(scenario) << "[time]\ndays = 0.1\n[space]\nnx = 20\nny = 20\nnz = 1\n";
    const std::string too_many = std::to_string(cli::max_threads() + 1);
    const std::string out = (temp.path() / "out.h5").string();
    const std::vector<std::vector<std::string>> cases = {
        {"run", scenario.string(), "-o", out, "--threads", too_many},
        {"run", scenario.string(), "-o", out, "--threads", "65536"},
        {"resume", out, "--threads", too_many},
        {"ensemble", scenario.string(), "-o", (temp.path() / "e").string(), "--threads-per-run",
         too_many},
        {"ensemble", scenario.string(), "-o", (temp.path() / "e").string(), "--jobs", too_many},
    };
    for (const auto& arguments : cases) {
        const test_support::CartsimExit exit =
            test_support::run_cartsim_once({arguments, temp.path() / "err.txt"});
        EXPECT_EQ(exit.exit_status, cli::kExitBadInput)
            << fmt::format("{}", fmt::join(arguments, " "));
        EXPECT_NE(exit.err.find(fmt::format("limit of {}", cli::max_threads())), std::string::npos)
            << exit.err;
        EXPECT_FALSE(fs::exists(out));
        EXPECT_FALSE(fs::exists(temp.path() / "e"));
    }
}

// In-process: starting max_threads() threads would be heavy on a large CI machine.
TEST(ThreadLimit, CountsUpToTheLimitAreAccepted) {
    EXPECT_GE(cli::max_threads(), cli::kThreadsPerHardwareThread);
    EXPECT_NO_THROW(cli::check_thread_count("--threads", 1));
    EXPECT_NO_THROW(cli::check_thread_count("--threads", cli::max_threads()));
    EXPECT_THROW(cli::check_thread_count("--threads", cli::max_threads() + 1), cli::UsageError);
    EXPECT_THROW(cli::check_thread_count("--threads", 0), cli::UsageError);
}

}  // namespace
}  // namespace cartsim
