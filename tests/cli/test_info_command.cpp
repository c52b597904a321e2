// Tests of `cartsim info` (cli/info_command.hpp) on run files written with io::RunFileWriter, with
// /snapshots, /checkpoint and run_status added or removed with the HDF5 C API where a test needs
// them. Each test works in its own temporary directory.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/info_command.hpp"
#include "cli/json_text.hpp"
#include "cli/run_simulation.hpp"
#include "io/run_file_writer.hpp"
#include "tests/support/synthetic_snapshots.hpp"
#include "tests/support/temp_directory.hpp"

namespace cartsim::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kSeed = 18446744073709551557ULL;  // above 2^63: printed as uint64
const std::string kScenarioToml =
    "[scenario]\nname = \"name_from_config\"\ndescription = \"info test\"\n\n[run]\nseed = 5\n";

struct RunFileContent {
    bool scenario_name_in_summary = true;
    std::size_t rows = 113;  // days 0 to 28 every 0.25 day
};

// A finished run file: metadata, scenario, two time-series columns, clinical endpoints.
void write_run_file(const fs::path& file, const RunFileContent& content = {}) {
    io::RunFileWriter writer(file, false);
    writer.set_run_metadata({.cartsim_version = "0.1.0-test",
                             .git_commit = "0123456789ab",
                             .seed = kSeed,
                             .created_utc = "2025-01-02T03:04:05Z"});
    writer.set_scenario_toml(kScenarioToml);
    const std::vector<io::TimeseriesColumn> columns = {
        {"blast_fraction", "1", io::ColumnType::float64},
        {"cart_blood_per_ul", "cells/uL", io::ColumnType::float64}};
    writer.declare_timeseries(columns);
    for (std::size_t row = 0; row < content.rows; ++row) {
        const double day = 0.25 * static_cast<double>(row);
        const std::array<double, 2> values = {0.5 / (1.0 + day), 10.0 * day};
        writer.append_row(day, values);
    }
    writer.set_summary("cr_day", 7.25);
    writer.set_summary("mrd_negative_day", std::numeric_limits<double>::quiet_NaN());
    writer.set_summary("cart_peak_per_ul", 123.5);
    writer.set_summary("relapse_cd19_negative_fraction", 0.25);
    writer.set_summary("a_future_endpoint", 3.0);
    if (content.scenario_name_in_summary) {
        writer.set_summary_text("scenario_name", "baseline_cd19_41bb");
        writer.set_summary_text("scenario_file", "scenarios/baseline_cd19_41bb.toml");
    }
    writer.finish();
}

void delete_root_attribute(const fs::path& file, const char* name) {
    const hid_t id = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(id, 0);
    ASSERT_GE(H5Adelete(id, name), 0);
    ASSERT_GE(H5Fclose(id), 0);
}

std::vector<test_support::SyntheticSnapshot> weekly_snapshots(std::size_t count) {
    std::vector<test_support::SyntheticSnapshot> snapshots;
    for (std::size_t i = 0; i < count; ++i) {
        const double day = 7.0 * static_cast<double>(i);
        snapshots.push_back(
            {.step = 288 * 7 * i, .time_days = day, .tissue_rows = 4, .car_t_rows = 2});
    }
    return snapshots;
}

// The printed line that starts with `label` ("" if none).
std::string line_starting_with(const std::string& text, const std::string& label) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(label, 0) == 0) return line;
    }
    return "";
}

constexpr const char* kPython = "/usr/bin/python3";

// Runs `python3 -c script file` and returns its stdout, or nullopt when it fails (a JSON document
// that does not parse fails it).
std::optional<std::string> python_output(const std::string& script, const fs::path& file) {
    const fs::path script_file = file.parent_path() / "check.py";
    std::ofstream(script_file) << script;
    const std::string command =
        std::string(kPython) + " '" + script_file.string() + "' '" + file.string() + "' 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return std::nullopt;
    std::string out;
    std::array<char, 4096> buffer{};
    for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) {
        out.append(buffer.data(), n);
    }
    const int status = ::pclose(pipe);
    if (status != 0) {
        ADD_FAILURE() << "python3 failed on " << file << ":\n" << out;
        return std::nullopt;
    }
    return out;
}

class InfoCommand : public ::testing::Test {
  protected:
    void SetUp() override {
        // Errors are logged; capture them to check they name the file.
        previous_logger_ = spdlog::default_logger();
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
        auto logger = std::make_shared<spdlog::logger>("info-test", sink);
        logger->set_pattern("%l: %v");
        spdlog::set_default_logger(logger);
    }
    void TearDown() override { spdlog::set_default_logger(previous_logger_); }

    test_support::TempDirectory temp_{"cartsim-info-test"};
    const fs::path directory_ = temp_.path();
    std::ostringstream log_;
    std::shared_ptr<spdlog::logger> previous_logger_;
};

TEST_F(InfoCommand, PrintsScenarioSeedDaysSnapshotsCheckpointAndEndpoints) {
    const fs::path file = directory_ / "run.h5";
    write_run_file(file);
    test_support::add_synthetic_snapshots(file, weekly_snapshots(5));
    test_support::add_synthetic_checkpoint(file, 8064, 28.0);
    test_support::set_root_string_attribute(file, "run_status", "interrupted");

    std::ostringstream out;
    ASSERT_EQ(show_run_info(file, out), kExitSuccess) << log_.str();
    const std::string text = out.str();
    EXPECT_EQ(line_starting_with(text, "file:"), "file:             " + file.string());
    EXPECT_EQ(line_starting_with(text, "format_version:"),
              "format_version:   " + std::to_string(io::kFormatVersion));
    EXPECT_EQ(line_starting_with(text, "cartsim_version:"), "cartsim_version:  0.1.0-test");
    EXPECT_EQ(line_starting_with(text, "git_commit:"), "git_commit:       0123456789ab");
    EXPECT_EQ(line_starting_with(text, "created_utc:"), "created_utc:      2025-01-02T03:04:05Z");
    EXPECT_EQ(line_starting_with(text, "run_status:"), "run_status:       interrupted");
    EXPECT_EQ(line_starting_with(text, "scenario:"),
              "scenario:         baseline_cd19_41bb (scenarios/baseline_cd19_41bb.toml)");
    EXPECT_EQ(line_starting_with(text, "seed:"), "seed:             18446744073709551557");
    EXPECT_EQ(line_starting_with(text, "days simulated:"),
              "days simulated:   28 (113 time-series rows)");
    EXPECT_EQ(line_starting_with(text, "snapshots:"),
              "snapshots:        5 (days 0, 7, 14, 21, 28)");
    EXPECT_EQ(line_starting_with(text, "checkpoint:"), "checkpoint:       step 8064, day 28");
    // Contract order first (cr_day before mrd_negative_day before ...), unknown names last.
    EXPECT_NE(text.find("endpoints:\n"
                        "  cr_day                         = 7.25 day\n"
                        "  mrd_negative_day               = never\n"
                        "  relapse_cd19_negative_fraction = 0.25\n"
                        "  cart_peak_per_ul               = 123.5 cells/uL\n"
                        "  a_future_endpoint              = 3\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(log_.str(), "");
}

TEST_F(InfoCommand, OlderOrUnfinishedContentsAreReportedAsMissing) {
    // No run_status (format_version 1 files), no scenario_name in /summary, no snapshots, no
    // checkpoint.
    const fs::path file = directory_ / "run.h5";
    write_run_file(file, {.scenario_name_in_summary = false});
    delete_root_attribute(file, "run_status");

    std::ostringstream out;
    ASSERT_EQ(show_run_info(file, out), kExitSuccess) << log_.str();
    const std::string text = out.str();
    EXPECT_EQ(line_starting_with(text, "run_status:"), "run_status:       unknown");
    EXPECT_EQ(line_starting_with(text, "scenario:"), "scenario:         name_from_config");
    EXPECT_EQ(line_starting_with(text, "snapshots:"), "snapshots:        none");
    EXPECT_EQ(line_starting_with(text, "checkpoint:"), "checkpoint:       none");
}

TEST_F(InfoCommand, APartialOfARunThatNeverFinishedHasNoEndpoints) {
    const fs::path file = directory_ / "run.h5";
    {
        io::RunFileWriter writer(file, false);
        writer.set_run_metadata({.cartsim_version = "0.1.0-test",
                                 .git_commit = "0123456789ab",
                                 .seed = 3,
                                 .created_utc = "2025-01-02T03:04:05Z"});
        writer.set_scenario_toml(kScenarioToml);
        const std::vector<io::TimeseriesColumn> columns = {
            {"blast_fraction", "1", io::ColumnType::float64}};
        writer.declare_timeseries(columns);
        for (const double day : {0.0, 0.5, 1.5}) writer.append_row(day, std::array<double, 1>{0.1});
    }  // destroyed without finish(): only run.h5.partial
    const fs::path partial = io::RunFileWriter::partial_path_for(file);
    ASSERT_TRUE(fs::exists(partial));

    std::ostringstream out;
    ASSERT_EQ(show_run_info(partial, out), kExitSuccess) << log_.str();
    const std::string text = out.str();
    EXPECT_EQ(line_starting_with(text, "scenario:"), "scenario:         name_from_config");
    EXPECT_EQ(line_starting_with(text, "days simulated:"),
              "days simulated:   1.5 (3 time-series rows)");
    EXPECT_NE(line_starting_with(text, "endpoints:").find("none"), std::string::npos) << text;
}

TEST_F(InfoCommand, ManySnapshotDaysAreElidedInTheMiddle) {
    const fs::path file = directory_ / "run.h5";
    write_run_file(file);
    test_support::add_synthetic_snapshots(file, weekly_snapshots(20));

    std::ostringstream out;
    ASSERT_EQ(show_run_info(file, out), kExitSuccess) << log_.str();
    EXPECT_EQ(line_starting_with(out.str(), "snapshots:"),
              "snapshots:        20 (days 0, 7, 14, 21, 28, ..., 105, 112, 119, 126, 133)");
}

TEST_F(InfoCommand, MissingFileReturnsOutputProblemAndPrintsNothing) {
    const fs::path missing = directory_ / "missing.h5";
    std::ostringstream out;
    EXPECT_EQ(show_run_info(missing, out), kExitOutputProblem);
    EXPECT_EQ(out.str(), "");
    EXPECT_NE(log_.str().find("error: "), std::string::npos) << log_.str();
    EXPECT_NE(log_.str().find(missing.string()), std::string::npos) << log_.str();
}

TEST_F(InfoCommand, HdfFileNotWrittenByCartsimReturnsOutputProblemAndPrintsNothing) {
    const fs::path foreign = directory_ / "foreign.h5";
    test_support::create_empty_hdf5_file(foreign);
    const fs::path text_file = directory_ / "notes.h5";
    std::ofstream(text_file) << "not HDF5\n";
    for (const fs::path& file : {foreign, text_file}) {
        std::ostringstream out;
        EXPECT_EQ(show_run_info(file, out), kExitOutputProblem) << file;
        EXPECT_EQ(out.str(), "") << file;
        EXPECT_NE(log_.str().find(file.string()), std::string::npos) << log_.str();
    }
    EXPECT_NE(log_.str().find("not a cartsim run file"), std::string::npos) << log_.str();
}

// The provenance attributes as `cartsim info` shows them; a file without them (written before
// cartsim recorded them) shows "not recorded".
TEST_F(InfoCommand, ShowsTheProvenanceOrNotRecordedForOlderFiles) {
    const fs::path file = directory_ / "run.h5";
    {
        io::RunFileWriter writer(file, false);
        writer.set_run_metadata({.cartsim_version = "0.1.0-test",
                                 .git_commit = "0123456789ab",
                                 .seed = 3,
                                 .created_utc = "2025-01-02T03:04:05Z"});
        io::RunProvenance provenance;
        provenance.command_line = "cartsim run s.toml -o run.h5\ncartsim resume run.h5";
        provenance.host = "node07";
        provenance.threads = 6;
        provenance.compiler = "gcc 12.2.0";
        provenance.build_type = "RelWithDebInfo";
        provenance.hdf5_version = "1.10.8";
        provenance.earlier_wall_seconds = 100.0;
        writer.set_provenance(provenance);
        writer.set_scenario_toml(kScenarioToml);
        writer.declare_timeseries({});
        writer.append_row(0.0, {});
        writer.finish();
    }
    std::ostringstream out;
    ASSERT_EQ(show_run_info(file, out), kExitSuccess) << log_.str();
    const std::string text = out.str();
    EXPECT_NE(text.find("command_line:     cartsim run s.toml -o run.h5\n"
                        "                  cartsim resume run.h5\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(line_starting_with(text, "host:"), "host:             node07");
    EXPECT_EQ(line_starting_with(text, "threads:"), "threads:          6");
    EXPECT_EQ(line_starting_with(text, "compiler:"), "compiler:         gcc 12.2.0");
    EXPECT_EQ(line_starting_with(text, "build_type:"), "build_type:       RelWithDebInfo");
    EXPECT_EQ(line_starting_with(text, "hdf5_version:"), "hdf5_version:     1.10.8");
    // The earlier legs' 100 s plus this writer's few milliseconds.
    const std::string wall = line_starting_with(text, "wall_time:");
    EXPECT_EQ(wall.rfind("wall_time:        100.", 0), 0U) << wall;

    const fs::path old = directory_ / "old.h5";
    write_run_file(old);
    std::ostringstream old_out;
    ASSERT_EQ(show_run_info(old, old_out), kExitSuccess) << log_.str();
    for (const char* label : {"command_line:", "host:", "threads:", "compiler:", "build_type:",
                              "hdf5_version:", "wall_time:"}) {
        EXPECT_NE(line_starting_with(old_out.str(), label).find("not recorded"), std::string::npos)
            << label << "\n"
            << old_out.str();
    }
}

// An AUC whose horizon lies beyond the run's end says which days it covers.
TEST_F(InfoCommand, AnAucOfARunShorterThanItsHorizonIsMarked) {
    const fs::path file = directory_ / "run.h5";
    {
        io::RunFileWriter writer(file, false);
        writer.set_run_metadata(
            {.cartsim_version = "t", .git_commit = "c", .seed = 1, .created_utc = ""});
        writer.set_scenario_toml(kScenarioToml);
        writer.declare_timeseries({});
        writer.append_row(0.0, {});
        writer.set_summary("cart_auc_0_28", 12.5);
        writer.set_summary("cart_auc_0_84", 12.5);
        writer.set_summary("days_simulated", 3.0);
        writer.finish();
    }
    std::ostringstream out;
    ASSERT_EQ(show_run_info(file, out), kExitSuccess) << log_.str();
    EXPECT_NE(out.str().find("  cart_auc_0_28  = 12.5 cells/uL*day (AUC day 0-3 only: the run ends "
                             "before day 28)\n"),
              std::string::npos)
        << out.str();
    EXPECT_NE(out.str().find("(AUC day 0-3 only: the run ends before day 84)"), std::string::npos);
    EXPECT_EQ(truncated_horizon_note(28.0, 28.0), "");
    EXPECT_EQ(truncated_horizon_note(84.0, 40.5),
              "AUC day 0-40.5 only: the run ends before day 84");
    EXPECT_EQ(endpoint_horizon_days("cart_auc_0_28"), 28.0);
    EXPECT_EQ(endpoint_horizon_days("cart_peak_day"), std::nullopt);
}

// `cartsim info --json` holds what the text shows and parses as JSON (Python's json module).
TEST_F(InfoCommand, JsonHoldsTheSameInformationAndParses) {
    if (!fs::exists(kPython)) GTEST_SKIP() << kPython << " is not installed";
    const fs::path file = directory_ / "run.h5";
    write_run_file(file);
    test_support::add_synthetic_snapshots(file, weekly_snapshots(3));
    test_support::add_synthetic_checkpoint(file, 8064, 28.0);
    std::ostringstream out;
    ASSERT_EQ(show_run_info(file, out, InfoFormat::json), kExitSuccess) << log_.str();
    const fs::path json_file = directory_ / "info.json";
    std::ofstream(json_file) << out.str();
    const std::optional<std::string> fields = python_output(R"(
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
e = d["endpoints"]
print(d["file"]); print(d["format_version"]); print(d["cartsim_version"]); print(d["git_commit"])
print(d["created_utc"]); print(d["run_status"]); print(d["seed"]); print(d["days_simulated"])
print(d["timeseries_rows"]); print(d["scenario"]["name"]); print(d["scenario"]["file"])
print([s["day"] for s in d["snapshots"]]); print(d["checkpoint"]["step"], d["checkpoint"]["day"])
print(e["cr_day"]["value"], e["cr_day"]["unit"], e["mrd_negative_day"]["value"],
      e["mrd_negative_day"]["text"], e["a_future_endpoint"]["value"])
print(list(e)[:3]); print(d["provenance"]["host"], d["provenance"]["wall_time_s"])
)",
                                                            json_file);
    ASSERT_TRUE(fields);
    EXPECT_EQ(*fields, file.string() + "\n" + std::to_string(io::kFormatVersion) +
                           "\n0.1.0-test\n0123456789ab\n2025-01-02T03:04:05Z\ncomplete\n"
                           "18446744073709551557\n28\n113\nbaseline_cd19_41bb\n"
                           "scenarios/baseline_cd19_41bb.toml\n[0, 7, 14]\n8064 28\n"
                           "7.25 day None never 3\n"
                           "['cr_day', 'mrd_negative_day', 'relapse_cd19_negative_fraction']\n"
                           "None None\n");
    // A file that cannot be read prints nothing, as in text.
    std::ostringstream missing;
    EXPECT_EQ(show_run_info(directory_ / "missing.h5", missing, InfoFormat::json),
              kExitOutputProblem);
    EXPECT_EQ(missing.str(), "");
}

// json_string escapes what JSON requires and keeps valid UTF-8; Python reads back the original.
TEST(JsonText, StringsAreEscapedAndRoundTripThroughPython) {
    using json::json_string;
    EXPECT_EQ(json_string("plain"), "\"plain\"");
    EXPECT_EQ(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(json_string("line\nnext\ttab\r\b\f"), "\"line\\nnext\\ttab\\r\\b\\f\"");
    EXPECT_EQ(json_string(std::string("nul\0x\x01\x1f\x7f", 8)),
              "\"nul\\u0000x\\u0001\\u001f\\u007f\"");
    EXPECT_EQ(json_string("\xC2\xB5m and \xE2\x89\xA5 and \xF0\x9F\x92\x89"),
              "\"\xC2\xB5m and \xE2\x89\xA5 and \xF0\x9F\x92\x89\"");
    // Invalid UTF-8: a stray continuation byte, a truncated sequence, an overlong form, a
    // surrogate; each bad byte becomes U+FFFD.
    EXPECT_EQ(json_string("a\x80z"), "\"a\\ufffdz\"");
    EXPECT_EQ(json_string("a\xE2\x89"), "\"a\\ufffd\\ufffd\"");
    EXPECT_EQ(json_string("\xC0\xAF"), "\"\\ufffd\\ufffd\"");
    EXPECT_EQ(json_string("\xED\xA0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
    EXPECT_EQ(json::json_number(0.1), "0.1");
    EXPECT_EQ(json::json_number(std::numeric_limits<double>::infinity()), "null");
    EXPECT_EQ(json::json_number(std::numeric_limits<double>::quiet_NaN()), "null");
    EXPECT_EQ(json::json_number(std::uint64_t{18446744073709551557ULL}), "18446744073709551557");

    if (!fs::exists(kPython)) GTEST_SKIP() << kPython << " is not installed";
    test_support::TempDirectory temp{"cartsim-json-test"};
    std::string tricky;
    for (int c = 1; c < 128; ++c) tricky += static_cast<char>(c);
    tricky += "\xC2\xB5 \xE2\x89\xA5 \xF0\x9F\x92\x89";
    const fs::path file = temp.path() / "s.json";
    std::ofstream(file) << "[" << json_string(tricky) << ", " << json::json_number(1e300) << ", "
                        << json::json_number(-2.5e-310) << "]";
    const std::optional<std::string> back = python_output(R"(
import json, sys
s, big, tiny = json.load(open(sys.argv[1], encoding="utf-8"))
sys.stdout.buffer.write(s.encode("utf-8") + b"|" + repr(big).encode() + b"|" + repr(tiny).encode())
)",
                                                          file);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, tricky + "|1e+300|-2.5e-310");
}

}  // namespace
}  // namespace cartsim::cli
