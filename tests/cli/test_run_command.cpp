// Tests of `cartsim run` and `cartsim validate`: the library functions of cli/run_simulation.hpp
// on tiny 2-D scenarios, and the built `cartsim` binary for exit statuses and --list-params. Each
// test works in its own temporary directory.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "agents/readouts/clinical_readouts.hpp"
#include "agents/readouts/observables.hpp"
#include "cli/run_simulation.hpp"
#include "io/hdf5_handle.hpp"
#include "io/run_file_reader.hpp"
#include "io/run_file_writer.hpp"
#include "scenarios/model_parameters.hpp"
#include "scenarios/scenario_loader.hpp"

namespace cartsim::cli {
namespace {

namespace fs = std::filesystem;

// The public /timeseries and /summary contract (docs/OUTPUT.md "Layout"); the model may add more.
const std::vector<std::string> kContractColumns = {
    "time_days",     "blast_fraction",    "blasts",        "blasts_cd19_negative", "normal_b_cells",
    "cart_marrow",   "cart_blood_per_ul", "cart_effector", "cart_memory",          "cart_exhausted",
    "il6_pg_per_ml", "ifng_pg_per_ml",    "crs_grade"};
const std::vector<std::string> kContractSummary = {"cr_day",
                                                   "mrd_negative_day",
                                                   "relapse_day",
                                                   "relapse_cd19_negative_fraction",
                                                   "cart_peak_per_ul",
                                                   "cart_peak_day",
                                                   "cart_auc_0_28",
                                                   "b_cell_aplasia_days",
                                                   "il6_peak_pg_per_ml",
                                                   "ifng_peak_pg_per_ml",
                                                   "crs_max_grade",
                                                   "crs_onset_day",
                                                   "icans_max_grade"};

// A tiny 2-D marrow (60 x 60 sites) for a few days: each run takes well under two seconds. The
// dose and the whole-marrow volume are scaled so the lattice's share of the dose is ~360 cells.
std::string tiny_scenario_text(const std::string& extra_lines = "") {
    return "[scenario]\n"
           "name = \"tiny\"\n"
           "description = \"a 60 x 60 x 1 marrow for command tests\"\n"
           "\n"
           "[run]\n"
           "seed = 11\n"
           "\n"
           "[time]\n"
           "days = 2.0\n"
           "record_every_days = 0.25\n"
           "\n"
           "[space]\n"
           "nx = 60\n"
           "ny = 60\n"
           "nz = 1\n"
           "total_marrow_volume_ml = 10.0\n"
           "\n"
           "[car_t]\n"
           "dose_cells = 1e9\n" +
           extra_lines;
}

std::string read_bytes(const fs::path& file) {
    std::ifstream stream(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

std::set<std::string> directory_entries(const fs::path& directory) {
    std::set<std::string> names;
    for (const fs::directory_entry& entry : fs::directory_iterator(directory)) {
        names.insert(entry.path().filename().string());
    }
    return names;
}

bool bitwise_equal(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() &&
           (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

// A path as one shell word (the test directories hold no quotes).
std::string quoted(const fs::path& path) {
    return fmt::format("'{}'", path.string());
}

bool bitwise_equal(double a, double b) {
    return std::memcmp(&a, &b, sizeof(double)) == 0;
}

struct CommandResult {
    int exit_status = -1;
    std::string out;  // stdout
    std::string err;  // stderr
};

// Runs a shell command, capturing stdout and stderr through files in `directory`.
CommandResult run_command(const std::string& command, const fs::path& directory) {
    const fs::path out_file = directory / "command.stdout";
    const fs::path err_file = directory / "command.stderr";
    const std::string line =
        fmt::format("{} >'{}' 2>'{}'", command, out_file.string(), err_file.string());
    const int status = std::system(line.c_str());
    CommandResult result;
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = read_bytes(out_file);
    result.err = read_bytes(err_file);
    fs::remove(out_file);
    fs::remove(err_file);
    return result;
}

class RunCommandTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
        directory_ = fs::temp_directory_path() / fmt::format("cartsim_cli_{}_{}_{}", ::getpid(),
                                                             info->test_suite_name(), info->name());
        fs::remove_all(directory_);
        fs::create_directories(directory_);
    }
    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(directory_, ignored);
    }

    fs::path write_file(const std::string& name, const std::string& text) const {
        const fs::path path = directory_ / name;
        std::ofstream(path) << text;
        return path;
    }

    RunOptions quiet_options(const fs::path& scenario, const std::string& output_name) const {
        RunOptions options;
        options.scenario_path = scenario;
        options.output_path = directory_ / output_name;
        options.threads = 2;
        options.quiet = true;
        return options;
    }

    // Expects a failed run with this status whose message names every `needles`, and that the
    // directory holds exactly `entries_before` (no output, no .partial).
    void expect_rejected(const RunOptions& options, int status,
                         const std::vector<std::string>& needles,
                         const std::set<std::string>& entries_before) const {
        const RunResult result = run_simulation(options);
        EXPECT_EQ(result.exit_status, status) << result.error_message;
        for (const std::string& needle : needles) {
            EXPECT_NE(result.error_message.find(needle), std::string::npos)
                << "'" << needle << "' not in: " << result.error_message;
        }
        EXPECT_EQ(directory_entries(directory_), entries_before);
    }

    fs::path directory_;
};

TEST_F(RunCommandTest, WritesEveryContractColumnSummaryAttributeAndRootAttribute) {
    const fs::path scenario = write_file("tiny.toml", tiny_scenario_text());
    const RunResult result = run_simulation(quiet_options(scenario, "tiny.h5"));
    ASSERT_EQ(result.exit_status, kExitSuccess) << result.error_message;
    ASSERT_TRUE(fs::exists(directory_ / "tiny.h5"));
    EXPECT_FALSE(fs::exists(directory_ / "tiny.h5.partial"));

    const io::RunFileReader reader(directory_ / "tiny.h5");
    std::vector<std::string> names;
    for (const io::TimeseriesColumnInfo& column : reader.timeseries_columns()) {
        names.push_back(column.name);
    }
    for (const std::string& column : kContractColumns) {
        EXPECT_NE(std::find(names.begin(), names.end(), column), names.end()) << column;
    }
    // Every observable of the model, in the order of Observables::for_each, with its unit.
    std::vector<std::string> expected_names;
    std::vector<std::string> expected_units;
    agents::Observables{}.for_each([&](std::string_view name, std::string_view unit, double) {
        expected_names.emplace_back(name);
        expected_units.emplace_back(unit);
    });
    EXPECT_EQ(names, expected_names);
    const std::vector<io::TimeseriesColumnInfo> columns = reader.timeseries_columns();
    for (std::size_t i = 0; i < columns.size() && i < expected_units.size(); ++i) {
        EXPECT_EQ(columns[i].units, expected_units[i]) << columns[i].name;
    }

    const io::RunSummary summary = reader.summary();
    for (const std::string& name : kContractSummary) {
        EXPECT_TRUE(summary.values.contains(name)) << name;
    }
    agents::ClinicalEndpoints{}.for_each([&](std::string_view name, std::string_view, double) {
        EXPECT_TRUE(summary.values.contains(name)) << name;
    });
    ASSERT_TRUE(summary.texts.contains("scenario_name"));
    EXPECT_EQ(summary.texts.at("scenario_name"), "tiny");
    EXPECT_TRUE(summary.texts.contains("scenario_file"));

    const io::RunMetadata metadata = reader.run_metadata();
    EXPECT_EQ(reader.format_version(), io::kFormatVersion);
    EXPECT_FALSE(metadata.cartsim_version.empty());
    EXPECT_FALSE(metadata.git_commit.empty());
    EXPECT_EQ(metadata.seed, 11U);
    EXPECT_EQ(result.seed, 11U);
    EXPECT_EQ(metadata.created_utc.size(), std::string("2024-01-01T00:00:00Z").size());
    EXPECT_NE(reader.scenario_toml().find("nx = 60"), std::string::npos);

    // Provenance, with plausible values (docs/OUTPUT.md "Provenance").
    const io::StoredProvenance provenance = reader.provenance();
    ASSERT_TRUE(provenance.command_line && provenance.host && provenance.threads &&
                provenance.compiler && provenance.build_type && provenance.hdf5_version &&
                provenance.wall_time_s);
    EXPECT_NE(provenance.command_line->find("run_simulation"), std::string::npos)
        << *provenance.command_line;  // a library call says so
    std::array<char, 256> host{};
    ASSERT_EQ(::gethostname(host.data(), host.size() - 1), 0);
    EXPECT_EQ(*provenance.host, std::string(host.data()));
    EXPECT_EQ(*provenance.threads, 2);
    EXPECT_TRUE(provenance.compiler->rfind("gcc ", 0) == 0 ||
                provenance.compiler->rfind("clang ", 0) == 0)
        << *provenance.compiler;
    EXPECT_GT(provenance.compiler->size(), 5U);
    EXPECT_FALSE(provenance.build_type->empty());
    unsigned major = 0, minor = 0, release = 0;
    ASSERT_GE(H5get_libversion(&major, &minor, &release), 0);
    EXPECT_EQ(*provenance.hdf5_version, fmt::format("{}.{}.{}", major, minor, release));
    EXPECT_GT(*provenance.wall_time_s, 0.0);
    EXPECT_LT(*provenance.wall_time_s, 600.0);
}

TEST_F(RunCommandTest, RecordsDayZeroThenEveryRecordIntervalInWholeFineSteps) {
    // 0.3 days is 432 fine steps of 1 min; the run's 1.7 days end between two record times, so
    // the last row is the end of the run.
    const fs::path scenario = write_file("tiny.toml", tiny_scenario_text());
    RunOptions options = quiet_options(scenario, "tiny.h5");
    options.sets = {"time.record_every_days=0.3", "time.days=1.7"};
    const RunResult result = run_simulation(options);
    ASSERT_EQ(result.exit_status, kExitSuccess) << result.error_message;

    const io::RunFileReader reader(directory_ / "tiny.h5");
    const std::vector<double> times = reader.read_timeseries("time_days");
    const double fine_step_days = 1.0 / 1440.0;
    std::vector<double> expected;
    for (int row = 0; row * 432 < 2448; ++row) {
        expected.push_back(static_cast<double>(row * 432) * fine_step_days);
    }
    expected.push_back(2448.0 * fine_step_days);
    ASSERT_EQ(times.size(), expected.size());
    for (std::size_t i = 0; i < times.size(); ++i) {
        EXPECT_DOUBLE_EQ(times[i], expected[i]) << "row " << i;
    }
    EXPECT_EQ(result.timeseries_rows, expected.size());
    EXPECT_EQ(result.fine_steps, 2448U);
    const io::RunSummary summary = reader.summary();
    EXPECT_DOUBLE_EQ(summary.values.at("days_simulated"), times.back());
}

// (g) Determinism: the same scenario at 1 and 4 threads gives the same bits in every dataset.
TEST_F(RunCommandTest, SameOutputBitsAtOneAndFourThreads) {
    const fs::path scenario = write_file("tiny.toml", tiny_scenario_text());
    RunOptions one_thread = quiet_options(scenario, "one.h5");
    one_thread.threads = 1;
    RunOptions four_threads = quiet_options(scenario, "four.h5");
    four_threads.threads = 4;
    const RunResult first = run_simulation(one_thread);
    const RunResult second = run_simulation(four_threads);
    ASSERT_EQ(first.exit_status, kExitSuccess) << first.error_message;
    ASSERT_EQ(second.exit_status, kExitSuccess) << second.error_message;
    EXPECT_EQ(first.final_state_hash, second.final_state_hash);

    const io::RunFileReader a(directory_ / "one.h5");
    const io::RunFileReader b(directory_ / "four.h5");
    EXPECT_EQ(a.scenario_toml(), b.scenario_toml());
    EXPECT_EQ(a.run_metadata().seed, b.run_metadata().seed);
    const std::vector<io::TimeseriesColumnInfo> columns = a.timeseries_columns();
    ASSERT_EQ(columns.size(), b.timeseries_columns().size());
    ASSERT_GT(a.timeseries_rows(), 1U);
    for (const io::TimeseriesColumnInfo& column : columns) {
        EXPECT_TRUE(bitwise_equal(a.read_timeseries(column.name), b.read_timeseries(column.name)))
            << column.name;
    }
    const io::RunSummary summary_a = a.summary();
    const io::RunSummary summary_b = b.summary();
    ASSERT_EQ(summary_a.values.size(), summary_b.values.size());
    for (const auto& [name, value] : summary_a.values) {
        ASSERT_TRUE(summary_b.values.contains(name)) << name;
        EXPECT_TRUE(bitwise_equal(value, summary_b.values.at(name))) << name;
    }
    EXPECT_EQ(summary_a.texts, summary_b.texts);
    // Something happened: CAR-T cells reached the small marrow.
    const std::vector<double> cart = a.read_timeseries("cart_marrow");
    EXPECT_GT(*std::max_element(cart.begin(), cart.end()), 0.0);
}

TEST_F(RunCommandTest, SeedAndDaysOptionsAreOverridesShownInTheResolvedScenario) {
    const fs::path scenario = write_file("tiny.toml", tiny_scenario_text());
    RunOptions options = quiet_options(scenario, "tiny.h5");
    options.sets = {"run.seed=5", "time.days=3"};
    options.seed = 99;   // applied after --set
    options.days = 0.5;  // applied after --set
    const RunResult result = run_simulation(options);
    ASSERT_EQ(result.exit_status, kExitSuccess) << result.error_message;
    const io::RunFileReader reader(directory_ / "tiny.h5");
    EXPECT_EQ(reader.run_metadata().seed, 99U);
    const std::string toml = reader.scenario_toml();
    EXPECT_NE(toml.find("seed = 99"), std::string::npos) << toml;
    EXPECT_NE(toml.find("days = 0.5"), std::string::npos) << toml;
    EXPECT_NE(toml.find("# set by --set"), std::string::npos);
    EXPECT_DOUBLE_EQ(reader.read_timeseries("time_days").back(), 0.5);

    // The resolved scenario loads back to the same values.
    const scenarios::Scenario reloaded =
        scenarios::load_scenario_text(toml, "resolved.toml", scenarios::model_parameter_table());
    EXPECT_EQ(reloaded.values.integer("run.seed"), 99);
    EXPECT_EQ(reloaded.values.real("time.days"), 0.5);
}

TEST_F(RunCommandTest, DefaultOutputIsTheScenarioStemInTheWorkingDirectory) {
    const fs::path scenario = write_file("my_run.toml", tiny_scenario_text());
    const fs::path work = directory_ / "work";
    fs::create_directories(work);
    const fs::path previous = fs::current_path();
    fs::current_path(work);
    RunOptions options = quiet_options(scenario, "unused.h5");
    options.output_path.reset();
    options.days = 0.25;
    const RunResult result = run_simulation(options);
    fs::current_path(previous);
    ASSERT_EQ(result.exit_status, kExitSuccess) << result.error_message;
    EXPECT_EQ(result.output_path, fs::path("my_run.h5"));
    EXPECT_TRUE(fs::exists(work / "my_run.h5"));
}

TEST_F(RunCommandTest, PrintsReadoutsAndProgressUnlessQuiet) {
    const fs::path scenario = write_file("tiny.toml", tiny_scenario_text());
    std::ostringstream report;
    std::ostringstream progress;
    RunOptions options = quiet_options(scenario, "loud.h5");
    options.days = 0.5;
    options.quiet = false;
    options.report = &report;
    options.progress = &progress;
    ASSERT_EQ(run_simulation(options).exit_status, kExitSuccess);
    EXPECT_NE(report.str().find("Clinical readouts of 'tiny'"), std::string::npos);
    EXPECT_NE(report.str().find("complete remission"), std::string::npos);
    // A run shorter than the AUC horizons says what its AUC covers, never "day 0-28".
    EXPECT_NE(report.str().find("CAR-T AUC day 0-0.5:"), std::string::npos) << report.str();
    EXPECT_NE(report.str().find("(the run ends before day 28)"), std::string::npos);
    EXPECT_EQ(report.str().find("AUC day 0-28"), std::string::npos) << report.str();
    EXPECT_EQ(report.str().find("AUC day 0-84"), std::string::npos) << report.str();
    EXPECT_NE(progress.str().find("day 0.50/0.5"), std::string::npos) << progress.str();
    EXPECT_NE(progress.str().find("steps/s"), std::string::npos);

    std::ostringstream quiet_report;
    std::ostringstream quiet_progress;
    options = quiet_options(scenario, "quiet.h5");
    options.days = 0.5;
    options.report = &quiet_report;
    options.progress = &quiet_progress;
    ASSERT_EQ(run_simulation(options).exit_status, kExitSuccess);
    EXPECT_TRUE(quiet_report.str().empty());
    EXPECT_TRUE(quiet_progress.str().empty());
}

TEST_F(RunCommandTest, UnknownKeyExits2NamingFileAndKeyAndWritesNothing) {
    const fs::path scenario =
        write_file("bad_key.toml", tiny_scenario_text("\n[blasts]\nbirth_rate_per_dya = 0.1\n"));
    const std::set<std::string> before = directory_entries(directory_);
    expect_rejected(quiet_options(scenario, "out.h5"), kExitBadInput,
                    {"bad_key.toml", "birth_rate_per_dya"}, before);
}

TEST_F(RunCommandTest, OutOfRangeValueExits2NamingKeyAndRangeAndWritesNothing) {
    // time.days must be > 0.
    const fs::path negative_days =
        write_file("negative_days.toml", "[scenario]\nname = \"negative\"\n[time]\ndays = -3.0\n");
    const std::set<std::string> before = directory_entries(directory_);
    expect_rejected(quiet_options(negative_days, "out.h5"), kExitBadInput,
                    {"negative_days.toml", "time.days", "-3", "range"}, before);
}

TEST_F(RunCommandTest, BadSetExits2NamingTheKeyAndWritesNothing) {
    const fs::path scenario = write_file("tiny.toml", tiny_scenario_text());
    const std::set<std::string> before = directory_entries(directory_);
    RunOptions unknown = quiet_options(scenario, "out.h5");
    unknown.sets = {"time.dayz=3"};
    expect_rejected(unknown, kExitBadInput, {"--set", "time.dayz"}, before);
    RunOptions not_a_number = quiet_options(scenario, "out.h5");
    not_a_number.sets = {"time.days=three"};
    expect_rejected(not_a_number, kExitBadInput, {"--set", "time.days"}, before);
    RunOptions no_equals = quiet_options(scenario, "out.h5");
    no_equals.sets = {"time.days"};
    expect_rejected(no_equals, kExitBadInput, {"--set", "time.days"}, before);
    RunOptions bad_seed = quiet_options(scenario, "out.h5");
    bad_seed.seed = 18446744073709551615ULL;
    expect_rejected(bad_seed, kExitBadInput, {"--seed", "run.seed"}, before);
    RunOptions bad_days = quiet_options(scenario, "out.h5");
    bad_days.days = 0.0;
    expect_rejected(bad_days, kExitBadInput, {"--days"}, before);
    RunOptions bad_threads = quiet_options(scenario, "out.h5");
    bad_threads.threads = -1;
    expect_rejected(bad_threads, kExitBadInput, {"--threads"}, before);
}

TEST_F(RunCommandTest, MissingScenarioFileExits2NamingItAndWritesNothing) {
    const std::set<std::string> before = directory_entries(directory_);
    expect_rejected(quiet_options(directory_ / "missing.toml", "out.h5"), kExitBadInput,
                    {"missing.toml"}, before);
}

TEST_F(RunCommandTest, ExistingOutputWithoutForceExits3AndKeepsItsBytes) {
    const fs::path scenario = write_file("tiny.toml", tiny_scenario_text());
    const fs::path existing = write_file("out.h5", "precious bytes, not even HDF5\n");
    const std::set<std::string> before = directory_entries(directory_);
    expect_rejected(quiet_options(scenario, "out.h5"), kExitOutputProblem, {"out.h5", "--force"},
                    before);
    EXPECT_EQ(read_bytes(existing), "precious bytes, not even HDF5\n");
}

TEST_F(RunCommandTest, ForceReplacesExistingOutput) {
    const fs::path scenario = write_file("tiny.toml", tiny_scenario_text());
    const fs::path existing = write_file("out.h5", "old output\n");
    RunOptions options = quiet_options(scenario, "out.h5");
    options.force = true;
    options.days = 0.5;
    const RunResult result = run_simulation(options);
    ASSERT_EQ(result.exit_status, kExitSuccess) << result.error_message;
    EXPECT_FALSE(fs::exists(directory_ / "out.h5.partial"));
    const io::RunFileReader reader(existing);
    EXPECT_EQ(reader.run_metadata().seed, 11U);
}

TEST_F(RunCommandTest, OutputInAMissingDirectoryExits3) {
    const fs::path scenario = write_file("tiny.toml", tiny_scenario_text());
    const std::set<std::string> before = directory_entries(directory_);
    expect_rejected(quiet_options(scenario, "no_such_directory/out.h5"), kExitOutputProblem,
                    {"no_such_directory"}, before);
}

TEST_F(RunCommandTest, ValidatePrintsASummaryOrExits2) {
    const fs::path scenario = write_file("tiny.toml", tiny_scenario_text());
    std::ostringstream report;
    ValidateOptions options{.scenario_path = scenario, .sets = {"time.days=28"}, .report = &report};
    EXPECT_EQ(validate_scenario(options), kExitSuccess);
    const std::string text = report.str();
    for (const char* needle : {"'tiny'", "is valid", "60 x 60 x 1", "28 days", "CAR-T", "dose"}) {
        EXPECT_NE(text.find(needle), std::string::npos) << needle << " not in: " << text;
    }
    options.sets = {"time.days=-1"};
    EXPECT_EQ(validate_scenario(options), kExitBadInput);
    options.sets.clear();
    options.scenario_path = directory_ / "missing.toml";
    EXPECT_EQ(validate_scenario(options), kExitBadInput);
    EXPECT_EQ(directory_entries(directory_), std::set<std::string>{"tiny.toml"});
}

TEST_F(RunCommandTest, ListParametersNamesEveryKeyInBothFormats) {
    const scenarios::ParameterTable& table = scenarios::model_parameter_table();
    std::ostringstream markdown;
    ASSERT_EQ(list_parameters(ParameterListFormat::markdown, markdown), kExitSuccess);
    std::ostringstream toml;
    ASSERT_EQ(list_parameters(ParameterListFormat::toml, toml), kExitSuccess);
    for (const std::string& key : table.keys()) {
        EXPECT_NE(markdown.str().find(key), std::string::npos) << key;
    }
    // The TOML listing is a scenario file: it loads, and every value is the default.
    const scenarios::Scenario defaults =
        scenarios::load_scenario_text(toml.str(), "defaults.toml", table);
    const scenarios::ParameterSet table_defaults(table);
    for (const scenarios::ParameterEntry& entry : table_defaults.entries()) {
        EXPECT_EQ(defaults.values.entry(entry.key).value, entry.value) << entry.key;
    }
}

// The built binary: exit statuses, messages on stderr, --help and --list-params.
class CartsimBinaryTest : public RunCommandTest {
  protected:
    CommandResult cartsim(const std::string& arguments) const {
        return run_command(fmt::format("'{}' {}", CARTSIM_BINARY, arguments), directory_);
    }
};

TEST_F(CartsimBinaryTest, HelpListsTheCommandsAndExitStatuses) {
    const CommandResult help = cartsim("--help");
    EXPECT_EQ(help.exit_status, 0);
    for (const char* needle : {"run", "validate", "Exit status", "0  success", "2  bad command",
                               "3  output problem", "1  anything else"}) {
        EXPECT_NE(help.out.find(needle), std::string::npos) << needle;
    }
    const CommandResult run_help = cartsim("run --help");
    EXPECT_EQ(run_help.exit_status, 0);
    for (const char* needle :
         {"--threads", "--seed", "--set", "--days", "--force", "--quiet", "--verbose"}) {
        EXPECT_NE(run_help.out.find(needle), std::string::npos) << needle;
    }
    // The exit statuses only under the top-level help; each command's help points there.
    for (const char* command : {"run", "resume", "ensemble", "info", "validate"}) {
        const CommandResult sub = cartsim(std::string(command) + " --help");
        EXPECT_EQ(sub.exit_status, 0) << command;
        EXPECT_EQ(sub.out.find("Exit status"), std::string::npos) << command << sub.out;
        EXPECT_EQ(sub.out.find("0  success"), std::string::npos) << command;
        EXPECT_NE(sub.out.find("cartsim --help"), std::string::npos) << command;
    }
    EXPECT_EQ(help.out.find("Exit status"), help.out.rfind("Exit status"));
    EXPECT_EQ(cartsim("--version").exit_status, 0);
}

TEST_F(CartsimBinaryTest, ExitStatusesOfRun) {
    const fs::path scenario = write_file("tiny.toml", tiny_scenario_text());
    const fs::path output_path = directory_ / "out.h5";
    const std::string output = quoted(output_path);
    const std::string scenario_arg = quoted(scenario);

    const CommandResult ok =
        cartsim(fmt::format("run {} -o {} --days 0.25 --threads 2 --set "
                            "run.seed=3 --set time.record_every_days=0.125",
                            scenario_arg, output));
    EXPECT_EQ(ok.exit_status, 0) << ok.err;
    EXPECT_NE(ok.out.find("Clinical readouts"), std::string::npos) << ok.out;
    // The engine's set-up only with --verbose; the run's own lines always.
    EXPECT_EQ(ok.err.find("scheduler phases"), std::string::npos) << ok.err;
    EXPECT_EQ(ok.err.find("lattice"), std::string::npos) << ok.err;
    EXPECT_EQ(ok.err.find("output cost"), std::string::npos) << ok.err;
    EXPECT_EQ(ok.err.find("time by phase"), std::string::npos) << ok.err;
    EXPECT_NE(ok.err.find("scenario 'tiny'"), std::string::npos) << ok.err;
    EXPECT_NE(ok.err.find("seed 3; 2 threads"), std::string::npos) << ok.err;
    EXPECT_EQ(io::RunFileReader(output_path).run_metadata().seed, 3U);
    EXPECT_EQ(io::RunFileReader(output_path).timeseries_rows(), 3U);
    // The provenance records the command as typed and the threads it ran with.
    const io::StoredProvenance provenance = io::RunFileReader(output_path).provenance();
    ASSERT_TRUE(provenance.command_line);
    EXPECT_EQ(*provenance.command_line,
              fmt::format("cartsim run {} -o {} --days 0.25 --threads 2 --set run.seed=3 --set "
                          "time.record_every_days=0.125",
                          scenario.string(), output_path.string()));
    EXPECT_EQ(provenance.threads, 2);
    const CommandResult verbose =
        cartsim(fmt::format("run {} -o {} --set 'time.days = 0.25' --threads 2 --force --verbose",
                            scenario_arg, output));
    EXPECT_EQ(verbose.exit_status, 0) << verbose.err;
    // An argument with spaces is recorded as one shell word.
    EXPECT_NE(io::RunFileReader(output_path)
                  .provenance()
                  .command_line->find(" --set 'time.days = 0.25' --threads 2"),
              std::string::npos);
    for (const char* needle :
         {"scheduler phases", "lattice", "fine steps", "output cost", "time by phase: blood ",
          ", car-t ", ", tissue ", "outside the phases"}) {
        EXPECT_NE(verbose.err.find(needle), std::string::npos) << needle << verbose.err;
    }
    EXPECT_EQ(cartsim(fmt::format("run {} -o {} --force --quiet --verbose", scenario_arg, output))
                  .exit_status,
              2);

    const CommandResult exists = cartsim(fmt::format("run {} -o {} --quiet", scenario_arg, output));
    EXPECT_EQ(exists.exit_status, 3);
    EXPECT_EQ(exists.err.rfind("cartsim: error: ", 0), 0U) << exists.err;
    EXPECT_TRUE(exists.out.empty());

    const CommandResult forced =
        cartsim(fmt::format("run {} -o {} --quiet --force --days 0.25", scenario_arg, output));
    EXPECT_EQ(forced.exit_status, 0) << forced.err;
    EXPECT_TRUE(forced.out.empty());
    EXPECT_TRUE(forced.err.empty()) << forced.err;

    const CommandResult bad_set = cartsim(
        fmt::format("run {} -o {} --set time.dayz=2", scenario_arg, quoted(directory_ / "x.h5")));
    EXPECT_EQ(bad_set.exit_status, 2);
    EXPECT_NE(bad_set.err.find("cartsim: error: --set"), std::string::npos) << bad_set.err;
    EXPECT_NE(bad_set.err.find("time.dayz"), std::string::npos) << bad_set.err;

    const CommandResult missing = cartsim("run " + quoted(directory_ / "missing.toml"));
    EXPECT_EQ(missing.exit_status, 2);
    EXPECT_NE(missing.err.find("missing.toml"), std::string::npos) << missing.err;

    EXPECT_EQ(cartsim("run " + scenario_arg + " --threads 0").exit_status, 2);
    EXPECT_EQ(cartsim("run " + scenario_arg + " --days 0").exit_status, 2);
    EXPECT_EQ(cartsim("run " + scenario_arg + " --days -1").exit_status, 2);
    EXPECT_EQ(cartsim("run " + scenario_arg + " --no-such-option").exit_status, 2);
    EXPECT_EQ(cartsim("run").exit_status, 2);
    EXPECT_EQ(cartsim("").exit_status, 2);
    EXPECT_EQ(cartsim("frobnicate").exit_status, 2);
    EXPECT_FALSE(fs::exists(directory_ / "x.h5"));
    EXPECT_FALSE(fs::exists(directory_ / "tiny.h5"));
}

TEST_F(CartsimBinaryTest, ValidateAndListParams) {
    const fs::path scenario = write_file("tiny.toml", tiny_scenario_text());
    const CommandResult valid = cartsim("validate " + quoted(scenario));
    EXPECT_EQ(valid.exit_status, 0) << valid.err;
    EXPECT_NE(valid.out.find("is valid"), std::string::npos);
    const CommandResult invalid = cartsim("validate " + quoted(scenario) + " --set time.days=-1");
    EXPECT_EQ(invalid.exit_status, 2);
    EXPECT_NE(invalid.err.find("time.days"), std::string::npos) << invalid.err;
    EXPECT_EQ(cartsim("validate").exit_status, 2);
    EXPECT_EQ(cartsim("validate --list-params --format yaml").exit_status, 2);

    const scenarios::ParameterTable& table = scenarios::model_parameter_table();
    for (const char* format : {"", " --format markdown", " --format toml", " --format json"}) {
        const CommandResult listing = cartsim(std::string("validate --list-params") + format);
        EXPECT_EQ(listing.exit_status, 0) << listing.err;
        for (const std::string& key : table.keys()) {
            // The TOML form writes the last component under its [section].
            const std::string name = key.substr(key.rfind('.') + 1);
            EXPECT_NE(listing.out.find(std::strcmp(format, " --format toml") == 0 ? name : key),
                      std::string::npos)
                << key << " missing from --list-params" << format;
        }
    }
    // The default is the markdown reference.
    EXPECT_EQ(cartsim("validate --list-params").out,
              cartsim("validate --list-params --format markdown").out);
}

// `cartsim validate --list-params --format json` parses (Python's json module) and holds every
// key of the parameter table with its type, unit, default, min, max and allowed values.
TEST_F(CartsimBinaryTest, ListParamsJsonParsesAndHoldsEveryKeyWithItsRange) {
    if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "/usr/bin/python3 is not installed";
    const fs::path script = write_file("check.py", R"(
import json, sys
document = json.load(sys.stdin)
assert isinstance(document["cartsim_version"], str)
for p in document["parameters"]:
    assert set(p) == {"key", "type", "unit", "default", "min", "max", "allowed", "description",
                      "source"}, sorted(p)
    assert p["description"] and p["source"]
    allowed = "-" if p["allowed"] is None else "|".join(json.dumps(v) for v in p["allowed"])
    print("	".join([p["key"], p["type"], p["unit"], json.dumps(p["default"]), repr(p["min"]),
                     repr(p["max"]), allowed]))
)");
    const CommandResult parsed =
        run_command(fmt::format("'{}' validate --list-params --format json | /usr/bin/python3 '{}'",
                                CARTSIM_BINARY, script.string()),
                    directory_);
    ASSERT_EQ(parsed.exit_status, 0) << parsed.err;
    const scenarios::ParameterTable& table = scenarios::model_parameter_table();
    std::istringstream lines(parsed.out);
    std::size_t count = 0;
    const auto bound = [](const std::string& text, double expected) {
        if (text == "None") return std::isinf(expected);
        return std::stod(text) == expected;
    };
    for (std::string line; std::getline(lines, line); ++count) {
        std::vector<std::string> f;
        std::istringstream fields(line);
        for (std::string field; std::getline(fields, field, '\t');) f.push_back(field);
        ASSERT_EQ(f.size(), 7U) << line;
        ASSERT_LT(count, table.size()) << line;
        const scenarios::ParameterSpec& spec = table.specs()[count];  // registration order
        EXPECT_EQ(f[0], spec.key);
        EXPECT_EQ(f[1], scenarios::type_name(spec.type)) << spec.key;
        EXPECT_EQ(f[2], spec.unit) << spec.key;
        const bool number = spec.type == scenarios::ParameterType::real ||
                            spec.type == scenarios::ParameterType::integer;
        if (number) {
            EXPECT_TRUE(bound(f[4], spec.min)) << spec.key << " min " << f[4];
            EXPECT_TRUE(bound(f[5], spec.max)) << spec.key << " max " << f[5];
            const double value = std::visit(
                [](const auto& v) -> double {
                    using V = std::decay_t<decltype(v)>;
                    if constexpr (std::is_same_v<V, double> || std::is_same_v<V, std::int64_t>) {
                        return static_cast<double>(v);
                    } else {
                        return std::nan("");
                    }
                },
                spec.default_value);
            EXPECT_EQ(std::stod(f[3]), value) << spec.key;
            EXPECT_EQ(f[6], "-") << spec.key;
        } else {
            EXPECT_EQ(f[4], "None") << spec.key;
            EXPECT_EQ(f[5], "None") << spec.key;
        }
        if (spec.type == scenarios::ParameterType::choice) {
            std::string expected;
            for (const std::string& choice : spec.choices) {
                expected += (expected.empty() ? "\"" : "|\"") + choice + "\"";
            }
            EXPECT_EQ(f[6], expected) << spec.key;
            EXPECT_EQ(f[3], "\"" + std::get<std::string>(spec.default_value) + "\"") << spec.key;
        }
        if (spec.type == scenarios::ParameterType::boolean) {
            EXPECT_EQ(f[6], "true|false") << spec.key;
            EXPECT_EQ(f[3], std::get<bool>(spec.default_value) ? "true" : "false") << spec.key;
        }
    }
    EXPECT_EQ(count, table.size());
}

}  // namespace
}  // namespace cartsim::cli
