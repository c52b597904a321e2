// Tests of the HDF5 run file: RunFileWriter and RunFileReader, plus h5py and h5dump reading what
// the writer wrote. Each test works in its own temporary directory.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "io/run_file_reader.hpp"
#include "io/run_file_writer.hpp"
#include "tests/support/temp_directory.hpp"

namespace cartsim::io {
namespace {

namespace fs = std::filesystem;

// The flush test needs a reader in another process: a reader in the writer's own process would
// share HDF5's in-memory state of the open file and prove nothing about what is on disk. When this
// variable names a file, the test binary is that reader: it prints "rows=<n> last_time=<t>" and
// exits before GoogleTest starts.
constexpr const char* kReaderChildVariable = "CARTSIM_IO_TEST_READER_CHILD";

[[maybe_unused]] const bool kIsReaderChild = [] {
    const char* file = std::getenv(kReaderChildVariable);
    if (file == nullptr) {
        return false;
    }
    int status = 0;
    try {
        const RunFileReader reader(file);
        const std::vector<double> times = reader.read_timeseries(layout::kTimeColumn);
        std::printf("rows=%zu last_time=%.17g\n", times.size(),
                    times.empty() ? -1.0 : times.back());
    } catch (const std::exception& error) {
        std::printf("error=%s\n", error.what());
        status = 1;
    }
    std::fflush(stdout);
    std::_Exit(status);
}();

struct CommandResult {
    int exit_status = -1;
    std::string output;  // stdout and stderr
};

CommandResult run_command(const std::string& command) {
    CommandResult result;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) {
        return result;
    }
    std::array<char, 4096> buffer{};
    std::size_t count = 0;
    while ((count = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
        result.output.append(buffer.data(), count);
    }
    const int status = ::pclose(pipe);
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

bool command_available(const std::string& probe) {
    return run_command(probe + " >/dev/null").exit_status == 0;
}

std::string read_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& file, const std::string& bytes) {
    std::ofstream out(file, std::ios::binary);
    out << bytes;
}

// Runs `action`, expects an IoError whose message contains every one of `fragments`.
void expect_io_error(const std::function<void()>& action,
                     const std::vector<std::string>& fragments) {
    try {
        action();
        ADD_FAILURE() << "expected an IoError";
    } catch (const IoError& error) {
        const std::string message = error.what();
        for (const std::string& fragment : fragments) {
            EXPECT_NE(message.find(fragment), std::string::npos)
                << "message: " << message << "\nmissing: " << fragment;
        }
    }
}

RunMetadata test_metadata() {
    RunMetadata metadata;
    metadata.cartsim_version = "0.1.0-test";
    metadata.git_commit = "0123456789ab";
    metadata.seed = 18446744073709551557ULL;  // above 2^63: must survive as uint64
    metadata.created_utc = "2025-01-02T03:04:05Z";
    return metadata;
}

// Quotes, newlines and a non-ASCII character, to check the string survives as UTF-8 text.
const std::string kScenarioText =
    "[lattice]\nsize = [64, 64, 1]\n\n[car_t]\ndose = 1.0e6  # cells\n"
    "name = \"CD19 \\\"fast\\\" binder\"\nkd_nM = 0.5\nunit = \"\xC2\xB5m\"\n";

const std::vector<TimeseriesColumn> kColumns = {
    {"tumor_cells", "cell", ColumnType::int64},
    {"car_t_per_uL", "cell/uL", ColumnType::float64},
    {"cd19_fraction", "1", ColumnType::float64},
};

// Row i of the test data: exactly representable, so every reader must give back the same bits.
double time_of_row(std::size_t i) {
    return static_cast<double>(i) * 0.0625;
}
std::array<double, 3> values_of_row(std::size_t i) {
    const double x = static_cast<double>(i);
    return {x * x + 7.0, x * 0.5 - 1000.25, 1.0 / (x + 1.0)};
}

void append_rows(RunFileWriter& writer, std::size_t first, std::size_t end) {
    for (std::size_t i = first; i < end; ++i) {
        writer.append_row(time_of_row(i), values_of_row(i));
    }
}

// A complete run file with `rows` rows; flushes once at an offset that is not a chunk boundary.
void write_complete_file(const fs::path& file, std::size_t rows, bool force = false) {
    RunFileWriter writer(file, force);
    writer.set_run_metadata(test_metadata());
    writer.set_scenario_toml(kScenarioText);
    writer.declare_timeseries(kColumns);
    const std::size_t flush_row = std::min<std::size_t>(1500, rows);
    append_rows(writer, 0, flush_row);
    writer.flush();
    append_rows(writer, flush_row, rows);
    writer.set_summary("complete_remission_day", 28.5);
    writer.set_summary("relapse_day", std::numeric_limits<double>::quiet_NaN());
    writer.set_summary_text("outcome", "complete remission");
    writer.finish();
}

bool deflate_available() {
    return H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0;
}

class RunFile : public ::testing::Test {
  protected:
    // Removed with owner permissions restored: a test makes it read-only.
    test_support::TempDirectory temp_{"cartsim-io-test"};
    const fs::path directory_ = temp_.path();
};

TEST_F(RunFile, ThreeColumnsAndFiveThousandRowsRoundTripExactly) {
    const fs::path file = directory_ / "run.h5";
    write_complete_file(file, 5000);
    EXPECT_TRUE(fs::exists(file));
    EXPECT_FALSE(fs::exists(RunFileWriter::partial_path_for(file)));

    const RunFileReader reader(file);
    EXPECT_EQ(reader.format_version(), kFormatVersion);
    const RunMetadata metadata = reader.run_metadata();
    EXPECT_EQ(metadata.cartsim_version, test_metadata().cartsim_version);
    EXPECT_EQ(metadata.git_commit, test_metadata().git_commit);
    EXPECT_EQ(metadata.seed, test_metadata().seed);
    EXPECT_EQ(metadata.created_utc, test_metadata().created_utc);
    EXPECT_EQ(reader.scenario_toml(), kScenarioText);

    const std::vector<TimeseriesColumnInfo> columns = reader.timeseries_columns();
    ASSERT_EQ(columns.size(), 4u);
    EXPECT_EQ(columns[0].name, "time_days");
    EXPECT_EQ(columns[0].units, "day");
    EXPECT_EQ(columns[0].type, ColumnType::float64);
    for (std::size_t c = 0; c < kColumns.size(); ++c) {
        EXPECT_EQ(columns[c + 1].name, kColumns[c].name);
        EXPECT_EQ(columns[c + 1].units, kColumns[c].units);
        EXPECT_EQ(columns[c + 1].type, kColumns[c].type);
    }

    EXPECT_EQ(reader.timeseries_rows(), 5000u);
    std::vector<double> expected_time;
    std::array<std::vector<double>, 3> expected_values;
    for (std::size_t i = 0; i < 5000; ++i) {
        expected_time.push_back(time_of_row(i));
        for (std::size_t c = 0; c < 3; ++c) {
            expected_values[c].push_back(values_of_row(i)[c]);
        }
    }
    EXPECT_EQ(reader.read_timeseries("time_days"), expected_time);
    for (std::size_t c = 0; c < 3; ++c) {
        EXPECT_EQ(reader.read_timeseries(kColumns[c].name), expected_values[c]) << kColumns[c].name;
    }

    const RunSummary summary = reader.summary();
    EXPECT_EQ(summary.values.at("complete_remission_day"), 28.5);
    EXPECT_EQ(summary.texts.at("outcome"), "complete remission");
    expect_io_error([&] { (void)reader.read_timeseries("no_such_column"); },
                    {"no_such_column", file.string()});
}

TEST_F(RunFile, PythonH5pyReadsTheFileAsWritten) {
    if (!command_available("/usr/bin/python3 -c 'import h5py, numpy'")) {
        GTEST_SKIP() << "/usr/bin/python3 with h5py and numpy is not installed";
    }
    const fs::path file = directory_ / "run.h5";
    write_complete_file(file, 5000);
    const fs::path expected_scenario = directory_ / "expected.toml";
    write_bytes(expected_scenario, kScenarioText);
    const fs::path script = directory_ / "check.py";
    write_bytes(script,
                fmt::format(R"(
import sys
import h5py
import numpy as np

f = h5py.File(sys.argv[1], "r")
root = f.attrs
assert root["format_version"] == {format_version} and root["format_version"].dtype == np.int32
assert root["seed"] == np.uint64({seed}) and root["seed"].dtype == np.uint64
for name in ("cartsim_version", "git_commit", "created_utc"):
    assert isinstance(root[name], str), (name, type(root[name]))
assert root["git_commit"] == "0123456789ab"
scenario = f["config"].attrs["scenario_toml"]
assert isinstance(scenario, str), type(scenario)
assert scenario == open(sys.argv[2], encoding="utf-8").read()

ts = f["timeseries"]
assert set(ts.keys()) == {{"time_days", "tumor_cells", "car_t_per_uL", "cd19_fraction"}}
i = np.arange(5000, dtype=np.float64)
assert np.array_equal(ts["time_days"][:], i * 0.0625)
assert ts["tumor_cells"].dtype == np.int64
assert np.array_equal(ts["tumor_cells"][:], (i * i + 7).astype(np.int64))
assert np.array_equal(ts["car_t_per_uL"][:], i * 0.5 - 1000.25)
assert np.array_equal(ts["cd19_fraction"][:], 1.0 / (i + 1.0))
for name, dataset in ts.items():
    assert dataset.shape == (5000,) and dataset.maxshape == (None,), name
    assert dataset.chunks == (1024,), (name, dataset.chunks)
    if {compressed}:
        assert dataset.compression == "gzip" and dataset.compression_opts == 4, name
        assert dataset.shuffle, name
    assert isinstance(dataset.attrs["units"], str), name
assert ts["time_days"].attrs["units"] == "day"

summary = f["summary"].attrs
assert np.isnan(summary["relapse_day"])
assert summary["complete_remission_day"] == 28.5
assert summary["outcome"] == "complete remission"
print("h5py ok")
)",
                            fmt::arg("seed", test_metadata().seed),
                            fmt::arg("format_version", kFormatVersion),
                            fmt::arg("compressed", deflate_available() ? "True" : "False")));
    const CommandResult result =
        run_command(fmt::format("/usr/bin/python3 '{}' '{}' '{}'", script.string(), file.string(),
                                expected_scenario.string()));
    EXPECT_EQ(result.exit_status, 0) << result.output;
    EXPECT_NE(result.output.find("h5py ok"), std::string::npos) << result.output;
}

TEST_F(RunFile, H5dumpShowsTheLayout) {
    if (!command_available("command -v h5dump")) {
        GTEST_SKIP() << "h5dump (Debian hdf5-tools) is not installed";
    }
    const fs::path file = directory_ / "run.h5";
    write_complete_file(file, 5000);
    const CommandResult result = run_command(fmt::format("h5dump -H -p '{}'", file.string()));
    ASSERT_EQ(result.exit_status, 0) << result.output;
    for (const std::string fragment :
         {"ATTRIBUTE \"format_version\"", "ATTRIBUTE \"cartsim_version\"",
          "ATTRIBUTE \"git_commit\"", "ATTRIBUTE \"seed\"", "ATTRIBUTE \"created_utc\"",
          "GROUP \"config\"", "ATTRIBUTE \"scenario_toml\"", "GROUP \"timeseries\"",
          "DATASET \"time_days\"", "DATASET \"tumor_cells\"", "DATASET \"car_t_per_uL\"",
          "DATASET \"cd19_fraction\"", "( 5000 ) / ( H5S_UNLIMITED )", "CHUNKED ( 1024 )",
          "GROUP \"summary\"", "ATTRIBUTE \"relapse_day\""}) {
        EXPECT_NE(result.output.find(fragment), std::string::npos) << "missing: " << fragment;
    }
    if (deflate_available()) {
        EXPECT_NE(result.output.find("COMPRESSION DEFLATE { LEVEL 4 }"), std::string::npos);
        EXPECT_NE(result.output.find("PREPROCESSING SHUFFLE"), std::string::npos);
    }
}

// Provenance: written by set_provenance (wall_time_s at publication, kept in place when written
// again), read back by provenance(); a file without it (an older cartsim's) reads as before.
TEST_F(RunFile, ProvenanceRoundTripsAndFilesWithoutItStillRead) {
    const fs::path old_file = directory_ / "old.h5";
    write_complete_file(old_file, 10);
    const RunFileReader old_reader(old_file);
    EXPECT_EQ(old_reader.run_metadata().seed, test_metadata().seed);
    EXPECT_EQ(old_reader.timeseries_rows(), 10U);
    const StoredProvenance none = old_reader.provenance();
    EXPECT_FALSE(none.command_line || none.host || none.threads || none.compiler ||
                 none.build_type || none.hdf5_version || none.wall_time_s);

    const fs::path file = directory_ / "new.h5";
    RunFileWriter writer(file, false);
    writer.set_run_metadata(test_metadata());
    RunProvenance provenance;
    provenance.command_line = "cartsim run 'a b.toml' -o new.h5";
    provenance.host = "node-\xC2\xB5";
    provenance.threads = 8;
    provenance.compiler = "gcc 12.2.0";
    provenance.build_type = "Release";
    provenance.hdf5_version = hdf5_library_version();
    provenance.earlier_wall_seconds = 3600.0;
    writer.set_provenance(provenance);
    provenance.threads = 4;  // a second call replaces the values
    writer.set_provenance(provenance);
    writer.set_scenario_toml(kScenarioText);
    writer.declare_timeseries(kColumns);
    append_rows(writer, 0, 3);
    writer.flush();
    writer.finish();
    const StoredProvenance read = RunFileReader(file).provenance();
    EXPECT_EQ(read.command_line, provenance.command_line);
    EXPECT_EQ(read.host, provenance.host);
    EXPECT_EQ(read.threads, 4);
    EXPECT_EQ(read.compiler, "gcc 12.2.0");
    EXPECT_EQ(read.build_type, "Release");
    ASSERT_TRUE(read.hdf5_version);
    EXPECT_EQ(read.hdf5_version->rfind("1.", 0), 0U) << *read.hdf5_version;
    ASSERT_TRUE(read.wall_time_s);
    EXPECT_GE(*read.wall_time_s, 3600.0);
    EXPECT_LT(*read.wall_time_s, 3600.0 + 600.0);
    EXPECT_EQ(RunFileReader(file).run_metadata().created_utc, test_metadata().created_utc);

    // A .partial that was never published has the provenance but no wall time yet.
    const fs::path unpublished = directory_ / "unpublished.h5";
    {
        RunFileWriter abandoned(unpublished, false);
        abandoned.set_run_metadata(test_metadata());
        abandoned.set_provenance(provenance);
    }
    const StoredProvenance partial =
        RunFileReader(RunFileWriter::partial_path_for(unpublished)).provenance();
    EXPECT_EQ(partial.host, provenance.host);
    EXPECT_FALSE(partial.wall_time_s);
}

TEST_F(RunFile, NanSummaryRoundTripsAsNan) {
    const fs::path file = directory_ / "run.h5";
    {
        RunFileWriter writer(file, false);
        writer.set_run_metadata(test_metadata());
        writer.set_scenario_toml(kScenarioText);
        writer.set_summary("relapse_day", std::numeric_limits<double>::quiet_NaN());
        writer.set_summary("peak_car_t_day", 11.25);
        writer.set_summary("peak_car_t_day", 12.5);  // a second set replaces the first
        // More than HDF5's 8 compact attributes, so the group switches to dense storage.
        for (int k = 0; k < 20; ++k) {
            writer.set_summary(fmt::format("endpoint_{:02}", k), k * 1.5);
        }
        writer.set_summary_text("outcome", "no response");
        writer.finish();
    }
    const RunSummary summary = RunFileReader(file).summary();
    ASSERT_EQ(summary.values.count("relapse_day"), 1u);
    EXPECT_TRUE(std::isnan(summary.values.at("relapse_day")));
    EXPECT_EQ(summary.values.at("peak_car_t_day"), 12.5);
    for (int k = 0; k < 20; ++k) {
        EXPECT_EQ(summary.values.at(fmt::format("endpoint_{:02}", k)), k * 1.5);
    }
    EXPECT_EQ(summary.values.size(), 22u);
    EXPECT_EQ(summary.texts.size(), 1u);
    EXPECT_EQ(summary.texts.at("outcome"), "no response");
}

TEST_F(RunFile, ExistingOutputWithoutForceIsRefusedAndLeftUnchanged) {
    const fs::path file = directory_ / "run.h5";
    const std::string precious = "results of an earlier run\n\x01\x02\x03";
    write_bytes(file, precious);
    expect_io_error([&] { RunFileWriter writer(file, false); },
                    {file.string(), "already exists", "force"});
    EXPECT_EQ(read_bytes(file), precious);
    EXPECT_FALSE(fs::exists(RunFileWriter::partial_path_for(file)));
}

TEST_F(RunFile, ForceReplacesTheExistingOutputAtFinish) {
    const fs::path file = directory_ / "run.h5";
    const std::string precious = "results of an earlier run\n";
    write_bytes(file, precious);
    {
        RunFileWriter writer(file, true);
        writer.set_run_metadata(test_metadata());
        writer.set_scenario_toml(kScenarioText);
        writer.declare_timeseries(kColumns);
        append_rows(writer, 0, 3000);
        writer.flush();
        // Until finish() the old output is still there: a run that dies keeps it.
        EXPECT_EQ(read_bytes(file), precious);
        writer.finish();
    }
    EXPECT_FALSE(fs::exists(RunFileWriter::partial_path_for(file)));
    const RunFileReader reader(file);
    EXPECT_EQ(reader.timeseries_rows(), 3000u);
    EXPECT_EQ(reader.read_timeseries("cd19_fraction").back(), values_of_row(2999)[2]);
}

TEST_F(RunFile, DestroyedWithoutFinishLeavesOnlyThePartial) {
    const fs::path file = directory_ / "run.h5";
    const fs::path partial = RunFileWriter::partial_path_for(file);
    EXPECT_EQ(partial, directory_ / "run.h5.partial");
    try {
        RunFileWriter writer(file, false);
        writer.set_run_metadata(test_metadata());
        writer.declare_timeseries(kColumns);
        append_rows(writer, 0, 1030);  // one full batch written, six rows still buffered
        throw std::runtime_error("the run failed");
    } catch (const std::runtime_error& error) {
        EXPECT_STREQ(error.what(), "the run failed");
    }
    EXPECT_FALSE(fs::exists(file));
    ASSERT_TRUE(fs::exists(partial));
    // Nothing lost: the destructor wrote the buffered rows too.
    const RunFileReader reader(partial);
    EXPECT_EQ(reader.format_version(), kFormatVersion);
    EXPECT_EQ(reader.timeseries_rows(), 1030u);
    EXPECT_EQ(reader.read_timeseries("time_days").back(), time_of_row(1029));
}

TEST_F(RunFile, LeftoverPartialIsReplacedOnlyWithForce) {
    const fs::path file = directory_ / "run.h5";
    const fs::path partial = RunFileWriter::partial_path_for(file);
    { RunFileWriter abandoned(file, false); }
    ASSERT_TRUE(fs::exists(partial));
    const std::string leftover = read_bytes(partial);
    expect_io_error([&] { RunFileWriter writer(file, false); },
                    {partial.string(), "did not finish", "force"});
    EXPECT_EQ(read_bytes(partial), leftover);
    EXPECT_FALSE(fs::exists(file));

    write_complete_file(file, 10, true);
    EXPECT_FALSE(fs::exists(partial));
    EXPECT_EQ(RunFileReader(file).timeseries_rows(), 10u);
}

TEST_F(RunFile, ReaderRejectsAFileThatIsNotHdf5) {
    const fs::path text_file = directory_ / "notes.h5";
    write_bytes(text_file, "this is not HDF5\n");
    expect_io_error([&] { RunFileReader reader(text_file); },
                    {text_file.string(), "not an HDF5 file"});
    const fs::path missing = directory_ / "missing.h5";
    expect_io_error([&] { RunFileReader reader(missing); }, {missing.string(), "no such file"});
}

TEST_F(RunFile, ReaderRejectsAnHdf5FileNotWrittenByCartsim) {
    const fs::path foreign = directory_ / "foreign.h5";
    const fs::path future = directory_ / "future.h5";
    for (const fs::path& file : {foreign, future}) {
        const hid_t id = H5Fcreate(file.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
        ASSERT_GE(id, 0);
        const hid_t group = H5Gcreate2(id, "timeseries", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        ASSERT_GE(group, 0);
        H5Gclose(group);
        if (file == future) {
            const hid_t space = H5Screate(H5S_SCALAR);
            const hid_t attribute =
                H5Acreate2(id, "format_version", H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT);
            const int version = 99;
            ASSERT_GE(H5Awrite(attribute, H5T_NATIVE_INT, &version), 0);
            H5Aclose(attribute);
            H5Sclose(space);
        }
        ASSERT_GE(H5Fclose(id), 0);
    }
    expect_io_error([&] { RunFileReader reader(foreign); },
                    {foreign.string(), "not a cartsim run file", "format_version"});
    expect_io_error([&] { RunFileReader reader(future); }, {future.string(), "format_version 99"});
}

TEST_F(RunFile, FlushMakesRowsVisibleToAReaderInAnotherProcess) {
    const fs::path file = directory_ / "run.h5";
    const fs::path partial = RunFileWriter::partial_path_for(file);
    const fs::path self = fs::read_symlink("/proc/self/exe");
    const auto read_in_other_process = [&] {
        return run_command(
            fmt::format("{}='{}' '{}'", kReaderChildVariable, partial.string(), self.string()));
    };

    RunFileWriter writer(file, false);
    writer.set_run_metadata(test_metadata());
    writer.set_scenario_toml(kScenarioText);
    writer.declare_timeseries(kColumns);
    append_rows(writer, 0, 1500);
    writer.flush();
    CommandResult result = read_in_other_process();
    EXPECT_EQ(result.exit_status, 0) << result.output;
    EXPECT_EQ(result.output, fmt::format("rows=1500 last_time={:.17g}\n", time_of_row(1499)));

    append_rows(writer, 1500, 1600);
    writer.flush();
    result = read_in_other_process();
    EXPECT_EQ(result.exit_status, 0) << result.output;
    EXPECT_EQ(result.output, fmt::format("rows=1600 last_time={:.17g}\n", time_of_row(1599)));

    if (command_available("command -v h5dump")) {
        // Other tools can open the running file without HDF5_USE_FILE_LOCKING=FALSE.
        const CommandResult dump = run_command(fmt::format("h5dump -H '{}'", partial.string()));
        EXPECT_EQ(dump.exit_status, 0) << dump.output;
        EXPECT_NE(dump.output.find("( 1600 ) / ( H5S_UNLIMITED )"), std::string::npos)
            << dump.output;
    }
    writer.finish();
    EXPECT_EQ(RunFileReader(file).timeseries_rows(), 1600u);
}

TEST_F(RunFile, MissingDirectoryOrDirectoryAsOutputIsReported) {
    const fs::path missing = directory_ / "no" / "such" / "dir" / "run.h5";
    expect_io_error([&] { RunFileWriter writer(missing, false); },
                    {missing.string(), "does not exist"});

    const fs::path is_directory = directory_ / "already_a_directory.h5";
    fs::create_directory(is_directory);
    expect_io_error([&] { RunFileWriter writer(is_directory, true); },
                    {is_directory.string(), "is a directory"});
    EXPECT_FALSE(fs::exists(RunFileWriter::partial_path_for(is_directory)));
}

TEST_F(RunFile, UnwritableDirectoryIsReported) {
    if (::geteuid() == 0) {
        // Root passes permission checks; verified by running this binary as an unprivileged user.
        GTEST_SKIP() << "running as root, which may write into read-only directories";
    }
    const fs::path read_only = directory_ / "read_only";
    fs::create_directory(read_only);
    fs::permissions(read_only, fs::perms::owner_read | fs::perms::owner_exec);
    expect_io_error([&] { RunFileWriter writer(read_only / "run.h5", false); },
                    {(read_only / "run.h5").string(), "not writable"});
    fs::permissions(read_only, fs::perms::owner_all);
    EXPECT_TRUE(fs::is_empty(read_only));
}

TEST_F(RunFile, MisuseIsReportedAsIoError) {
    const fs::path file = directory_ / "run.h5";
    RunFileWriter writer(file, false);
    const std::array<double, 3> row = {1.0, 2.0, 3.0};
    expect_io_error([&] { writer.append_row(0.0, row); }, {"declare_timeseries() first"});
    expect_io_error([&] { writer.finish(); }, {"set_run_metadata() was never called"});

    const std::vector<TimeseriesColumn> duplicate = {{"a", "1"}, {"a", "1"}};
    expect_io_error([&] { writer.declare_timeseries(duplicate); }, {"'a'", "declared twice"});
    const std::vector<TimeseriesColumn> reserved = {{"time_days", "day"}};
    expect_io_error([&] { writer.declare_timeseries(reserved); }, {"time_days"});
    const std::vector<TimeseriesColumn> slash = {{"a/b", "1"}};
    expect_io_error([&] { writer.declare_timeseries(slash); }, {"'a/b'"});

    writer.declare_timeseries(kColumns);
    expect_io_error([&] { writer.declare_timeseries(kColumns); }, {"twice"});
    const std::array<double, 2> short_row = {1.0, 2.0};
    expect_io_error([&] { writer.append_row(0.0, short_row); }, {"2 values for 3"});
    const std::array<double, 3> fractional_count = {1.5, 2.0, 3.0};
    expect_io_error([&] { writer.append_row(0.0, fractional_count); },
                    {"'tumor_cells' stores integers"});
    EXPECT_EQ(writer.timeseries_rows(), 0u);

    writer.append_row(0.0, row);
    writer.set_run_metadata(test_metadata());
    expect_io_error([&] { writer.finish(); }, {"set_scenario_toml() was never called"});
    writer.set_scenario_toml("");
    writer.finish();
    EXPECT_TRUE(writer.finished());
    expect_io_error([&] { writer.append_row(1.0, row); }, {"already finished"});
    expect_io_error([&] { writer.flush(); }, {"already finished"});
    EXPECT_EQ(RunFileReader(file).scenario_toml(), "");
}

TEST_F(RunFile, ScenarioTextBeyondTheCompactAttributeLimitRoundTrips) {
    const fs::path file = directory_ / "run.h5";
    std::string long_scenario;
    for (int k = 0; long_scenario.size() < 200 * 1024; ++k) {
        long_scenario += fmt::format("parameter_{} = {}  # with a comment\n", k, k * 0.001);
    }
    {
        RunFileWriter writer(file, false);
        writer.set_run_metadata(test_metadata());
        writer.set_scenario_toml(long_scenario);
        writer.finish();
    }
    const RunFileReader reader(file);
    EXPECT_EQ(reader.scenario_toml(), long_scenario);
    EXPECT_TRUE(reader.timeseries_columns().empty());  // a run without a time series is valid
    EXPECT_EQ(reader.timeseries_rows(), 0u);
}

// Determinism contract: the same content gives the same bytes (created_utc aside, which the test
// fixes). HDF5 would otherwise stamp object headers with times; the pause makes them differ.
TEST_F(RunFile, SameContentGivesByteIdenticalFiles) {
    const fs::path first = directory_ / "first.h5";
    const fs::path second = directory_ / "second.h5";
    write_complete_file(first, 5000);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    write_complete_file(second, 5000);
    EXPECT_TRUE(read_bytes(first) == read_bytes(second));
}

TEST_F(RunFile, MovedWriterKeepsWriting) {
    const fs::path file = directory_ / "run.h5";
    RunFileWriter first(file, false);
    first.set_run_metadata(test_metadata());
    first.set_scenario_toml(kScenarioText);
    first.declare_timeseries(kColumns);
    append_rows(first, 0, 10);
    RunFileWriter second = std::move(first);
    append_rows(second, 10, 20);
    second.finish();
    EXPECT_EQ(RunFileReader(file).timeseries_rows(), 20u);
    expect_io_error([&] { first.flush(); }, {"moved from"});  // NOLINT(bugprone-use-after-move)
}

}  // namespace
}  // namespace cartsim::io
