// Robustness: what a batch user must be able to trust. Each case asserts the exit status, the
// message, and that nothing that existed was changed or lost.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "agents/marrow_model.hpp"
#include "agents/numerical_error.hpp"
#include "cli/run_simulation.hpp"
#include "io/hdf5_handle.hpp"
#include "io/run_file_reader.hpp"

namespace cartsim {
namespace {

namespace fs = std::filesystem;

std::string read_bytes(const fs::path& file) {
    std::ifstream stream(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

struct Outcome {
    int exit_status = -1;
    std::string err;
};

// Runs the cartsim binary with `arguments`; `file_size_limit` (bytes, 0 = none) is set as
// RLIMIT_FSIZE in the child, which makes writes beyond it fail as on a full disk.
Outcome run_cartsim(const std::vector<std::string>& arguments, const fs::path& directory,
                    rlim_t file_size_limit = 0) {
    const fs::path err_file = directory / "stderr.txt";
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (file_size_limit > 0) {
            ::signal(SIGXFSZ, SIG_IGN);  // a write beyond the limit then fails with EFBIG
            const rlimit limit{file_size_limit, file_size_limit};
            ::setrlimit(RLIMIT_FSIZE, &limit);
        }
        if (::freopen(err_file.c_str(), "w", stderr) == nullptr) std::_Exit(126);
        if (::freopen("/dev/null", "w", stdout) == nullptr) std::_Exit(126);
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(CARTSIM_BINARY));
        for (const std::string& a : arguments) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(CARTSIM_BINARY, argv.data());
        std::_Exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_bytes(err_file)};
}

class Robustness : public ::testing::Test {
  protected:
    void SetUp() override {
        const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
        directory_ = fs::temp_directory_path() /
                     fmt::format("cartsim_robust_{}_{}", ::getpid(), info->name());
        fs::remove_all(directory_);
        fs::create_directories(directory_);
        scenario_ = directory_ / "small.toml";
        std::ofstream(scenario_) << "[scenario]\nname = \"small\"\n[time]\ndays = 3.0\n"
                                    "[output]\nsnapshot_every_days = 0.25\n"
                                    "checkpoint_every_days = 0.5\n"
                                    "[space]\nnx = 60\nny = 60\nnz = 1\n"
                                    "total_marrow_volume_ml = 10.0\n[car_t]\ndose_cells = 1e9\n";
    }
    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(directory_, ignored);
    }
    std::string path(const std::string& name) const { return (directory_ / name).string(); }

    fs::path directory_;
    fs::path scenario_;
};

TEST_F(Robustness, LatticeTooLargeForMemoryIsRefusedBeforeAllocating) {
    const Outcome o =
        run_cartsim({"run", scenario_.string(), "-o", path("huge.h5"), "--set", "space.nx=2000",
                     "--set", "space.ny=2000", "--set", "space.nz=1000", "--quiet"},
                    directory_);
    EXPECT_EQ(o.exit_status, cli::kExitBadInput) << o.err;
    EXPECT_NE(o.err.find("space.nx"), std::string::npos) << o.err;
    EXPECT_NE(o.err.find("GiB"), std::string::npos) << o.err;
    EXPECT_FALSE(fs::exists(path("huge.h5")));
    EXPECT_FALSE(fs::exists(path("huge.h5.partial")));
}

TEST_F(Robustness, BadCommandLinesExit2AndWriteNothing) {
    const std::vector<std::vector<std::string>> cases = {
        {"run", scenario_.string(), "-o", path("a.h5"), "--threads", "0"},
        {"run", scenario_.string(), "-o", path("a.h5"), "--threads", "-2"},
        {"run", scenario_.string(), "-o", path("a.h5"), "--days", "0"},
        {"run", scenario_.string(), "-o", path("a.h5"), "--days", "-1"},
        {"run", scenario_.string(), "-o", path("a.h5"), "--days", "nan"},
        {"run", scenario_.string(), "-o", path("a.h5"), "--set", "space.nq=3"},
        {"run", scenario_.string(), "-o", path("a.h5"), "--set", "space.nx=-3"},
        {"run", scenario_.string(), "-o", path("a.h5"), "--set", "space.nx"},
        {"run", path("missing.toml"), "-o", path("a.h5")},
        {"resume", path("a.h5"), "--days", "0"},
        {"resume", path("a.h5"), "--threads", "0"},
    };
    for (const auto& arguments : cases) {
        const Outcome o = run_cartsim(arguments, directory_);
        EXPECT_EQ(o.exit_status, cli::kExitBadInput)
            << fmt::format("{}", fmt::join(arguments, " ")) << "\n"
            << o.err;
        EXPECT_NE(o.err.find("cartsim: error:"), std::string::npos) << o.err;
        EXPECT_FALSE(fs::exists(path("a.h5")));
        EXPECT_FALSE(fs::exists(path("a.h5.partial")));
    }
}

TEST_F(Robustness, ExistingOutputAndItsPartialAreNeverReplacedWithoutForce) {
    std::ofstream(path("taken.h5")) << "precious";
    Outcome o =
        run_cartsim({"run", scenario_.string(), "-o", path("taken.h5"), "--quiet"}, directory_);
    EXPECT_EQ(o.exit_status, cli::kExitOutputProblem);
    EXPECT_NE(o.err.find("--force"), std::string::npos) << o.err;
    EXPECT_EQ(read_bytes(path("taken.h5")), "precious");
    std::ofstream(path("left.h5.partial")) << "earlier run";
    o = run_cartsim({"run", scenario_.string(), "-o", path("left.h5"), "--quiet"}, directory_);
    EXPECT_EQ(o.exit_status, cli::kExitOutputProblem);
    EXPECT_EQ(read_bytes(path("left.h5.partial")), "earlier run");
    EXPECT_FALSE(fs::exists(path("left.h5")));
    o = run_cartsim({"run", scenario_.string(), "-o", path("no/such/dir/x.h5"), "--quiet"},
                    directory_);
    EXPECT_EQ(o.exit_status, cli::kExitOutputProblem);
    EXPECT_NE(o.err.find("does not exist"), std::string::npos) << o.err;
}

// A full disk (here: a file size limit) mid-run: a clear error, exit 3, and the last published
// checkpoint stays complete and resumes to the same result as an uninterrupted run.
TEST_F(Robustness, DiskFullDuringRunKeepsLastCheckpointUsable) {
    const Outcome reference =
        run_cartsim({"run", scenario_.string(), "-o", path("reference.h5"), "--quiet"}, directory_);
    ASSERT_EQ(reference.exit_status, 0) << reference.err;
    const auto full_size = static_cast<rlim_t>(fs::file_size(path("reference.h5")));
    const Outcome o = run_cartsim({"run", scenario_.string(), "-o", path("full.h5"), "--quiet"},
                                  directory_, full_size / 2);
    EXPECT_EQ(o.exit_status, cli::kExitOutputProblem) << o.err;
    EXPECT_NE(o.err.find("full.h5"), std::string::npos) << o.err;
    ASSERT_TRUE(fs::exists(path("full.h5"))) << "no checkpoint was published before the limit";
    EXPECT_EQ(std::system(fmt::format("h5dump -H '{}' > /dev/null 2>&1", path("full.h5")).c_str()),
              0);
    const io::RunFileReader published(path("full.h5"));
    EXPECT_LT(published.read_timeseries("time_days").back(), 3.0);
    const Outcome resumed = run_cartsim({"resume", path("full.h5"), "--quiet"}, directory_);
    ASSERT_EQ(resumed.exit_status, 0) << resumed.err;
    const io::RunFileReader a(path("reference.h5"));
    const io::RunFileReader b(path("full.h5"));
    for (const auto& column : a.timeseries_columns()) {
        EXPECT_EQ(a.read_timeseries(column.name), b.read_timeseries(column.name)) << column.name;
    }
}

TEST_F(Robustness, ResumeOfTruncatedForeignOrNewerFilesFailsClearly) {
    ASSERT_EQ(run_cartsim({"run", scenario_.string(), "-o", path("good.h5"), "--quiet"}, directory_)
                  .exit_status,
              0);
    const std::string bytes = read_bytes(path("good.h5"));
    std::ofstream(path("truncated.h5"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    Outcome o = run_cartsim({"resume", path("truncated.h5"), "--quiet"}, directory_);
    EXPECT_EQ(o.exit_status, cli::kExitOutputProblem) << o.err;
    EXPECT_NE(o.err.find("truncated.h5"), std::string::npos) << o.err;
    EXPECT_EQ(read_bytes(path("truncated.h5")).size(), bytes.size() / 2);

    fs::copy_file(path("good.h5"), path("newer.h5"));
    {
        const io::Hdf5Handle file(H5Fopen(path("newer.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT),
                                  H5Fclose);
        const io::Hdf5Handle attribute(H5Aopen(file.get(), "format_version", H5P_DEFAULT),
                                       H5Aclose);
        const int future = 99;
        ASSERT_GE(H5Awrite(attribute.get(), H5T_NATIVE_INT, &future), 0);
    }
    o = run_cartsim({"resume", path("newer.h5"), "--quiet"}, directory_);
    EXPECT_EQ(o.exit_status, cli::kExitOutputProblem) << o.err;
    EXPECT_NE(o.err.find("format_version 99"), std::string::npos) << o.err;

    {
        const io::Hdf5Handle file(
            H5Fcreate(path("foreign.h5").c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT),
            H5Fclose);
    }
    o = run_cartsim({"resume", path("foreign.h5"), "--quiet"}, directory_);
    EXPECT_EQ(o.exit_status, cli::kExitOutputProblem) << o.err;
    EXPECT_NE(o.err.find("not a cartsim run file"), std::string::npos) << o.err;
    o = run_cartsim({"info", path("truncated.h5")}, directory_);
    EXPECT_EQ(o.exit_status, cli::kExitOutputProblem) << o.err;
}

TEST_F(Robustness, NanInAFieldStopsTheModelNamingQuantityAndStep) {
    agents::Parameters p;
    p.space.nx = p.space.ny = 40;
    p.space.nz = 1;
    // A source that puts a NaN into the IL-6 field right before its first update (step 29),
    // as a numerical failure inside the model would.
    agents::ModelExtensions poison;
    poison.cytokine_sources.push_back(
        {"poison", [](const agents::CytokineSourceInputs&, agents::CytokineTable& table) {
             table["il6"].field_mutable().values_mutable()[3] =
                 std::numeric_limits<double>::quiet_NaN();
         }});
    agents::MarrowModel model(p, std::move(poison));
    try {
        for (int k = 0; k < p.time.field_period_steps; ++k) model.step();
        FAIL() << "a NaN in the IL-6 field went unnoticed";
    } catch (const agents::NumericalError& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("IL-6"), std::string::npos) << message;
        EXPECT_NE(message.find("step 29"), std::string::npos) << message;
    }
}

TEST_F(Robustness, NanInARestoredFieldIsRefusedNamingIt) {
    agents::Parameters p;
    p.space.nx = p.space.ny = 40;
    p.space.nz = 1;
    agents::MarrowModel model(p);
    for (int k = 0; k < 10; ++k) model.step();
    engine::SavedState state = model.save_state();
    state.values<double>("cytokines", "il6")[3] = std::numeric_limits<double>::quiet_NaN();
    try {
        model.restore_state(std::move(state));
        FAIL() << "a NaN in a restored IL-6 field was accepted";
    } catch (const std::invalid_argument& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("cytokines/il6"), std::string::npos) << message;
        EXPECT_NE(message.find("field cell 3"), std::string::npos) << message;
    }
}

}  // namespace
}  // namespace cartsim
