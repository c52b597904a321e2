// Output names that cannot work are refused before simulating, with exit 3 and nothing written:
// an output whose XDMF sidecar would be the output itself (-o X.xmf), and directories standing
// under the name of the sidecar, the .partial or a temporary.
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

class OutputPaths : public ::testing::Test {
  protected:
    void SetUp() override {
        scenario_ = dir() / "small.toml";
        test_support::write_small_scenario(scenario_);
    }
    const fs::path& dir() const { return temp_.path(); }
    CartsimExit cartsim(std::vector<std::string> arguments) const {
        return test_support::run_cartsim_once(
            CartsimLaunch{std::move(arguments), dir() / "err.txt"});
    }
    static void expect_refused(const CartsimExit& exit, const std::string& named) {
        EXPECT_EQ(exit.exit_status, cli::kExitOutputProblem) << exit.err;
        EXPECT_NE(exit.err.find(named), std::string::npos) << exit.err;
    }

    test_support::TempDirectory temp_{"cartsim-output-paths"};
    fs::path scenario_;
};

TEST_F(OutputPaths, OutputNamedLikeItsSidecarIsRefused) {
    const fs::path output = dir() / "result.xmf";
    expect_refused(cartsim({"run", scenario_.string(), "-o", output.string(), "--quiet"}),
                   "XDMF sidecar");
    EXPECT_FALSE(fs::exists(output));
    EXPECT_FALSE(fs::exists(dir() / "result.xmf.partial"));
}

TEST_F(OutputPaths, DirectoryUnderTheNameOfAFileTheRunWritesIsRefusedBeforeSimulating) {
    for (const std::string in_the_way :
         {"out.xmf", "out.h5.tmp", "out.xmf.tmp", "out.h5.partial"}) {
        fs::create_directory(dir() / in_the_way);
        expect_refused(cartsim({"run", scenario_.string(), "-o", (dir() / "out.h5").string(),
                                "--force", "--quiet"}),
                       in_the_way);
        EXPECT_FALSE(fs::exists(dir() / "out.h5")) << in_the_way;
        EXPECT_TRUE(fs::is_directory(dir() / in_the_way));
        if (in_the_way != "out.h5.partial") {
            EXPECT_FALSE(fs::exists(dir() / "out.h5.partial")) << in_the_way;
        }
        fs::remove(dir() / in_the_way);
    }
}

TEST_F(OutputPaths, ResumeChecksItsOutputPathsBeforeSimulating) {
    const fs::path output = dir() / "job.h5";
    ASSERT_EQ(
        cartsim({"run", scenario_.string(), "-o", output.string(), "--days", "0.5", "--quiet"})
            .exit_status,
        0);
    const std::string before = test_support::read_bytes(output);
    fs::remove(dir() / "job.xmf");
    fs::create_directory(dir() / "job.xmf");
    expect_refused(cartsim({"resume", output.string(), "--days", "1", "--quiet"}), "job.xmf");
    EXPECT_EQ(test_support::read_bytes(output), before);
    EXPECT_FALSE(fs::exists(dir() / "job.h5.partial"));
}

}  // namespace
}  // namespace cartsim
