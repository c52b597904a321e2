// A hostile process environment: cartsim started with its standard descriptors closed, or with
// its log piped into a reader that has exited. Neither may corrupt the run file or lose the run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "io/run_file_reader.hpp"
#include "tests/robustness/cartsim_process.hpp"
#include "tests/support/temp_directory.hpp"

namespace cartsim {
namespace {

namespace fs = std::filesystem;
using test_support::CartsimExit;
using test_support::CartsimLaunch;

class ProcessHygiene : public ::testing::Test {
  protected:
    void SetUp() override {
        scenario_ = dir() / "small.toml";
        test_support::write_small_scenario(scenario_);
    }
    const fs::path& dir() const { return temp_.path(); }
    // The run file is complete, every time series reaches the last day, and no log text is in it.
    static void expect_complete_run_file(const fs::path& output) {
        ASSERT_TRUE(fs::exists(output));
        EXPECT_EQ(test_support::read_bytes(output).find("cartsim: "), std::string::npos)
            << "log text in the run file";
        const io::RunFileReader reader(output);
        EXPECT_EQ(reader.root_text_attribute("run_status").value_or(""), "complete");
        EXPECT_DOUBLE_EQ(reader.read_timeseries("time_days").back(), 1.0);
    }

    test_support::TempDirectory temp_{"cartsim-hygiene"};
    fs::path scenario_;
};

TEST_F(ProcessHygiene, ClosedStandardStreamsNeverBecomeTheRunFile) {
    const fs::path output = dir() / "closed.h5";
    CartsimLaunch launch;
    launch.arguments = {"run", scenario_.string(), "-o", output.string(), "--threads", "1"};
    launch.close_stdout_and_stderr = true;
    const CartsimExit exit = test_support::run_cartsim_once(launch);
    EXPECT_EQ(exit.exit_status, 0);
    expect_complete_run_file(output);
}

TEST_F(ProcessHygiene, BrokenLogPipeDoesNotStopTheRun) {
    int log_pipe[2];
    ASSERT_EQ(::pipe(log_pipe), 0);
    ::close(log_pipe[0]);  // the reader is gone before the run writes its first log line
    const fs::path output = dir() / "piped.h5";
    CartsimLaunch launch;
    launch.arguments = {"run", scenario_.string(), "-o", output.string(), "--threads", "1"};
    launch.stderr_fd = log_pipe[1];
    const CartsimExit exit = test_support::run_cartsim_once(launch);
    ::close(log_pipe[1]);
    EXPECT_EQ(exit.signal, 0) << "killed by signal " << exit.signal;
    EXPECT_EQ(exit.exit_status, 0);
    expect_complete_run_file(output);
}

}  // namespace
}  // namespace cartsim
