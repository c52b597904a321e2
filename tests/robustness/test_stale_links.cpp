// Stale symlinks under the names a run creates for itself (OUT.h5.partial, OUT.h5.tmp,
// OUT.xmf.tmp): they are replaced, never written through, so the files they point at survive.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "io/run_file_reader.hpp"
#include "tests/robustness/cartsim_process.hpp"
#include "tests/support/temp_directory.hpp"

namespace cartsim {
namespace {

namespace fs = std::filesystem;
using test_support::CartsimLaunch;
using test_support::read_bytes;

class StaleLinks : public ::testing::Test {
  protected:
    void SetUp() override {
        scenario_ = dir() / "small.toml";
        test_support::write_small_scenario(scenario_);
    }
    const fs::path& dir() const { return temp_.path(); }
    // A precious file and a link `name` to it.
    fs::path precious_behind(const std::string& name) {
        const fs::path precious = dir() / ("precious_" + std::to_string(++count_));
        std::ofstream(precious) << "precious " << name;
        fs::create_symlink(precious, dir() / name);
        return precious;
    }
    int run(std::vector<std::string> arguments) {
        const auto exit =
            test_support::run_cartsim_once(CartsimLaunch{std::move(arguments), dir() / "err.txt"});
        EXPECT_EQ(exit.exit_status, 0) << exit.err;
        return exit.exit_status;
    }
    static void expect_untouched(const fs::path& precious, const std::string& name) {
        EXPECT_EQ(read_bytes(precious), "precious " + name) << "written through the link " << name;
    }

    test_support::TempDirectory temp_{"cartsim-links"};
    fs::path scenario_;
    int count_ = 0;
};

TEST_F(StaleLinks, RunReplacesLinksNamedLikeItsTemporaries) {
    const fs::path tmp = precious_behind("plain.h5.tmp");
    const fs::path sidecar_tmp = precious_behind("plain.xmf.tmp");
    run({"run", scenario_.string(), "-o", (dir() / "plain.h5").string(), "--quiet"});
    expect_untouched(tmp, "plain.h5.tmp");
    expect_untouched(sidecar_tmp, "plain.xmf.tmp");
    EXPECT_EQ(io::RunFileReader(dir() / "plain.h5").root_text_attribute("run_status"), "complete");

    const fs::path partial = precious_behind("forced.h5.partial");
    run({"run", scenario_.string(), "-o", (dir() / "forced.h5").string(), "--force", "--quiet"});
    expect_untouched(partial, "forced.h5.partial");
    EXPECT_FALSE(fs::is_symlink(dir() / "forced.h5"));
}

TEST_F(StaleLinks, ResumeReplacesLinksNamedLikeItsTemporaries) {
    const fs::path output = dir() / "job.h5";
    run({"run", scenario_.string(), "-o", output.string(), "--days", "0.5", "--quiet"});
    const fs::path partial = precious_behind("job.h5.partial");
    const fs::path tmp = precious_behind("job.h5.tmp");
    run({"resume", output.string(), "--days", "1", "--quiet"});
    expect_untouched(partial, "job.h5.partial");
    expect_untouched(tmp, "job.h5.tmp");
    EXPECT_FALSE(fs::is_symlink(output));
    EXPECT_DOUBLE_EQ(io::RunFileReader(output).read_timeseries("time_days").back(), 1.0);
}

}  // namespace
}  // namespace cartsim
