#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "example_table.hpp"
#include "scenarios/model_parameters.hpp"
#include "scenarios/parameter_table.hpp"
#include "scenarios/scenario_error.hpp"
#include "scenarios/scenario_loader.hpp"

namespace cartsim::scenarios {
namespace {

namespace fs = std::filesystem;

// The shared walker/grid table plus parameters that exercise rendering corner cases.
ParameterTable example_table() {
    ParameterTable table = testing::walker_grid_table();
    // A parameter of [grid] after one of [grid.spacing]: rendering writes the super-table last.
    table.add({.key = "grid.nx",
               .type = ParameterType::integer,
               .unit = "sites",
               .default_value = 64,
               .min = 1,
               .max = 4096,
               .description = "Sites along x",
               .source = "calibrate: test value"});
    table.add({.key = "field.decay_rate_per_day",
               .type = ParameterType::real,
               .unit = "1/day",
               .default_value = 0.1,
               .min = 0.0,
               .description = "Decay rate | of the field",
               .source = "Doe et al. 2020, Table 1"});
    table.add({.key = "field.offset",
               .type = ParameterType::real,
               .default_value = 0.0,
               .description = "Dimensionless offset",
               .source = "calibrate: no offset"});
    return table;
}

/// A fresh directory per test, removed afterwards.
class ScenarioFiles : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        directory_ = fs::temp_directory_path() /
                     ("cartsim-scenarios-" + std::to_string(::getpid()) + "-" + info->name());
        fs::remove_all(directory_);
        fs::create_directories(directory_);
    }
    void TearDown() override { fs::remove_all(directory_); }

    fs::path write(const std::string& relative_path, const std::string& text) const {
        const fs::path path = directory_ / relative_path;
        fs::create_directories(path.parent_path());
        std::ofstream(path) << text;
        return path;
    }

    fs::path directory_;
    ParameterTable table_ = example_table();
};

void expect_contains(const std::string& text, const std::string& part) {
    EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in:\n" << text;
}

/// Runs `load`, expects a ScenarioError and returns it for inspection.
ScenarioError error_of(const std::function<void()>& load) {
    try {
        load();
    } catch (const ScenarioError& error) {
        return error;
    }
    ADD_FAILURE() << "no ScenarioError was thrown";
    return ScenarioError("", "", "");
}

ScenarioError error_loading(const std::string& text, const ParameterTable& table) {
    return error_of([&] { load_scenario_text(text, "scenarios/x.toml", table); });
}

ScenarioError error_setting(const std::string& assignment, const ParameterTable& table) {
    Scenario scenario = load_scenario_text("", "x.toml", table);
    return error_of([&] { apply_override(scenario, assignment, table); });
}

// ---------------------------------------------------------------------------------------------
// Loading

TEST_F(ScenarioFiles, ValidFileLoadsWithTypedValues) {
    const fs::path path = write("valid.toml", R"(
[walker]
speed_um_per_min = 12.5
count = 7
enabled = false
mode = "jump"

[grid.spacing]
x_um = 1.25

[output]
path = "runs/a b.h5"
)");
    const Scenario scenario = load_scenario_file(path, table_);
    EXPECT_EQ(scenario.values.real("walker.speed_um_per_min"), 12.5);
    EXPECT_EQ(scenario.values.integer("walker.count"), 7);
    EXPECT_FALSE(scenario.values.boolean("walker.enabled"));
    EXPECT_EQ(scenario.values.text("walker.mode"), "jump");
    EXPECT_EQ(scenario.values.real("grid.spacing.x_um"), 1.25);
    EXPECT_EQ(scenario.values.text("output.path"), "runs/a b.h5");
    EXPECT_EQ(scenario.path, path.string());
    EXPECT_EQ(scenario.name, "valid");  // the file's stem without [scenario].name
    EXPECT_EQ(scenario.description, "");
    EXPECT_EQ(scenario.files, std::vector<std::string>{path.string()});
    const ParameterEntry& count = scenario.values.entry("walker.count");
    EXPECT_EQ(count.source, ValueSource::scenario_file);
    EXPECT_EQ(count.set_by, path.string());
}

TEST(ScenarioLoader, DefaultsFillUnsetKeys) {
    const ParameterTable table = example_table();
    const Scenario scenario =
        load_scenario_text("walker.count = 3\n", "scenarios/x.toml", table);  // dotted key form
    EXPECT_EQ(scenario.values.integer("walker.count"), 3);
    EXPECT_EQ(scenario.values.real("walker.speed_um_per_min"), 10.0);
    EXPECT_TRUE(scenario.values.boolean("walker.enabled"));
    EXPECT_EQ(scenario.values.text("walker.mode"), "crawl");
    EXPECT_EQ(scenario.values.real("field.decay_rate_per_day"), 0.1);
    EXPECT_EQ(scenario.values.entry("walker.speed_um_per_min").source, ValueSource::table_default);
    EXPECT_EQ(scenario.values.entries().size(), table.size());
}

TEST(ScenarioLoader, ScenarioTableGivesNameAndDescription) {
    const ParameterTable table = example_table();
    const Scenario scenario = load_scenario_text(
        "[scenario]\nname = \"fast walkers\"\ndescription = \"Walkers at top speed\"\n"
        "[walker]\nspeed_um_per_min = 30\n",
        "scenarios/x.toml", table);
    EXPECT_EQ(scenario.name, "fast walkers");
    EXPECT_EQ(scenario.description, "Walkers at top speed");
    EXPECT_EQ(scenario.values.real("walker.speed_um_per_min"), 30.0);  // integer literal for real
}

TEST(ScenarioLoader, ScenarioTableAcceptsOnlyNameAndDescriptionStrings) {
    const ParameterTable table = example_table();
    const ScenarioError unknown = error_loading("[scenario]\nauthor = \"me\"\n", table);
    EXPECT_EQ(unknown.key(), "scenario.author");
    expect_contains(unknown.what(), "scenarios/x.toml: unknown key scenario.author");
    const ScenarioError wrong_type = error_loading("[scenario]\nname = 3\n", table);
    EXPECT_STREQ(wrong_type.what(),
                 "scenarios/x.toml: scenario.name must be a string, got the integer 3");
}

TEST(ScenarioLoader, UnknownKeySuggestsTheClosestKey) {
    const ParameterTable table = example_table();
    const ScenarioError typo = error_loading("[walker]\nsped_um_per_min = 12\n", table);
    EXPECT_STREQ(typo.what(),
                 "scenarios/x.toml: unknown key walker.sped_um_per_min; did you mean "
                 "walker.speed_um_per_min?");
    EXPECT_EQ(typo.origin(), "scenarios/x.toml");
    EXPECT_EQ(typo.key(), "walker.sped_um_per_min");

    const ScenarioError section = error_loading("[walkers]\ncount = 3\n", table);
    EXPECT_STREQ(section.what(),
                 "scenarios/x.toml: unknown key walkers.count; did you mean walker.count?");

    const ScenarioError unrelated = error_loading("[walker]\ncolour = \"red\"\n", table);
    EXPECT_STREQ(unrelated.what(), "scenarios/x.toml: unknown key walker.colour");

    const ScenarioError empty_section = error_loading("[nothing_here]\n", table);
    EXPECT_STREQ(empty_section.what(), "scenarios/x.toml: unknown key nothing_here");

    const ScenarioError top_level = error_loading("speed = 3\n", table);
    EXPECT_EQ(top_level.key(), "speed");
}

// The old name of a renamed key (scenarios/renamed_keys.cpp) is too far from the new one for a
// spelling suggestion, so the loader names the new key itself, in files and in --set.
TEST(ScenarioLoader, RenamedKeyNamesItsNewName) {
    ParameterTable table = example_table();
    table.add({.key = "blasts.antigen_inheritance_log_sd",
               .type = ParameterType::real,
               .default_value = 0.1,
               .min = 0.0,
               .description = "Inheritance jitter",
               .source = "calibrate: test value"});
    const char* message =
        "unknown key blasts.cd19_inheritance_log_sd; it was renamed: did you mean "
        "blasts.antigen_inheritance_log_sd?";

    const ScenarioError in_file = error_loading("[blasts]\ncd19_inheritance_log_sd = 0.2\n", table);
    EXPECT_EQ(std::string(in_file.what()), std::string("scenarios/x.toml: ") + message);
    EXPECT_EQ(in_file.key(), "blasts.cd19_inheritance_log_sd");

    const ScenarioError in_set = error_setting("blasts.cd19_inheritance_log_sd=0.2", table);
    EXPECT_EQ(std::string(in_set.what()), std::string("--set: ") + message);
    EXPECT_EQ(in_set.key(), "blasts.cd19_inheritance_log_sd");
}

// The model's own table: an old scenario with the key's old name fails with the new one.
TEST(ScenarioLoader, ModelTableNamesTheNewNameOfARenamedKey) {
    const ParameterTable& table = model_parameter_table();
    ASSERT_TRUE(table.contains("blasts.antigen_inheritance_log_sd"));
    ASSERT_FALSE(table.contains("blasts.cd19_inheritance_log_sd"));
    const char* message =
        "unknown key blasts.cd19_inheritance_log_sd; it was renamed: did you mean "
        "blasts.antigen_inheritance_log_sd?";
    EXPECT_EQ(std::string(error_loading("[blasts]\ncd19_inheritance_log_sd = 0.2\n", table).what()),
              std::string("scenarios/x.toml: ") + message);
    EXPECT_EQ(std::string(error_setting("blasts.cd19_inheritance_log_sd=0.2", table).what()),
              std::string("--set: ") + message);
}

TEST(ScenarioLoader, RenamedKeyIsNotSuggestedWhenTheTableLacksItsNewName) {
    const ParameterTable table = example_table();
    EXPECT_STREQ(error_setting("blasts.cd19_inheritance_log_sd=0.2", table).what(),
                 "--set: unknown key blasts.cd19_inheritance_log_sd");
}

// Found by tests/fuzz/fuzz_set_override: a NUL in an unknown key cut what() short, so the
// message lost the rest of the key and the suggestion; a line break split one problem in two.
TEST(ScenarioLoader, ControlCharactersInUnknownKeysAreEscaped) {
    const ParameterTable table = example_table();
    const ScenarioError nul = error_loading("[walker]\n\"co\\u0000unt\" = 3\n", table);
    EXPECT_STREQ(nul.what(),
                 "scenarios/x.toml: unknown key \"walker.co\\u0000unt\"; did you mean "
                 "walker.count?");
    EXPECT_EQ(nul.key(), "\"walker.co\\u0000unt\"");

    const ScenarioError line_break = error_loading("[walker]\n\"speed\\n\" = 3\n", table);
    EXPECT_STREQ(line_break.what(), "scenarios/x.toml: unknown key \"walker.speed\\n\"");

    const ScenarioError in_scenario_table =
        error_loading("[scenario]\n\"na\\u001Bme\" = \"x\"\n", table);
    EXPECT_EQ(in_scenario_table.key(), "\"scenario.na\\u001Bme\"");
    expect_contains(in_scenario_table.what(),
                    "scenarios/x.toml: unknown key \"scenario.na\\u001Bme\"; [scenario] holds");
}

TEST(ScenarioLoader, WrongTypesAreErrors) {
    const ParameterTable table = example_table();
    EXPECT_STREQ(error_loading("[walker]\nspeed_um_per_min = \"fast\"\n", table).what(),
                 "scenarios/x.toml: walker.speed_um_per_min must be a real number, got the "
                 "string \"fast\"");
    // A float is never silently taken as an integer, not even an integral one.
    EXPECT_STREQ(error_loading("[walker]\ncount = 3.0\n", table).what(),
                 "scenarios/x.toml: walker.count must be an integer, got the floating-point "
                 "number 3.0 (write 3 without a decimal point)");
    EXPECT_STREQ(error_loading("[walker]\ncount = 3.5\n", table).what(),
                 "scenarios/x.toml: walker.count must be an integer, got the floating-point "
                 "number 3.5");
    EXPECT_STREQ(error_loading("[walker]\nenabled = 1\n", table).what(),
                 "scenarios/x.toml: walker.enabled must be true or false, got the integer 1");
    EXPECT_STREQ(error_loading("[walker]\nenabled = \"yes\"\n", table).what(),
                 "scenarios/x.toml: walker.enabled must be true or false, got the string "
                 "\"yes\"");
    EXPECT_STREQ(error_loading("[output]\npath = 5\n", table).what(),
                 "scenarios/x.toml: output.path must be a string, got the integer 5");
    EXPECT_STREQ(error_loading("[walker]\nmode = true\n", table).what(),
                 "scenarios/x.toml: walker.mode must be one of \"crawl\", \"jump\", got the "
                 "boolean true");
}

TEST(ScenarioLoader, OutOfRangeNamesFileKeyValueRangeAndUnit) {
    const ParameterTable table = example_table();
    const ScenarioError above = error_loading("[walker]\nspeed_um_per_min = 90\n", table);
    EXPECT_STREQ(above.what(),
                 "scenarios/x.toml: walker.speed_um_per_min = 90 is outside the allowed range "
                 "[0, 30] um/min");
    EXPECT_EQ(above.key(), "walker.speed_um_per_min");
    EXPECT_STREQ(error_loading("[walker]\ncount = 0\n", table).what(),
                 "scenarios/x.toml: walker.count = 0 is outside the allowed range [1, inf) "
                 "agents");
    EXPECT_STREQ(error_loading("[field]\ndecay_rate_per_day = -1e-3\n", table).what(),
                 "scenarios/x.toml: field.decay_rate_per_day = -0.001 is outside the allowed "
                 "range [0, inf) 1/day");
    EXPECT_STREQ(error_loading("[grid.spacing]\nx_um = 0.25\n", table).what(),
                 "scenarios/x.toml: grid.spacing.x_um = 0.25 is outside the allowed range "
                 "[0.5, 10] um");
    // Bounds are inclusive.
    EXPECT_NO_THROW(load_scenario_text("[walker]\nspeed_um_per_min = 30.0\n", "x.toml", table));
    EXPECT_NO_THROW(load_scenario_text("[walker]\nspeed_um_per_min = 0\n", "x.toml", table));
}

TEST(ScenarioLoader, NonFiniteRealsAreErrors) {
    const ParameterTable table = example_table();
    EXPECT_STREQ(error_loading("[field]\ndecay_rate_per_day = inf\n", table).what(),
                 "scenarios/x.toml: field.decay_rate_per_day = inf is not a finite number");
    EXPECT_STREQ(error_loading("[field]\noffset = nan\n", table).what(),
                 "scenarios/x.toml: field.offset = nan is not a finite number");
}

TEST(ScenarioLoader, ChoiceNotInTheListNamesTheChoices) {
    const ParameterTable table = example_table();
    EXPECT_STREQ(error_loading("[walker]\nmode = \"fly\"\n", table).what(),
                 "scenarios/x.toml: walker.mode = \"fly\" is not one of the allowed choices: "
                 "\"crawl\", \"jump\"");
    // Choices are case-sensitive.
    EXPECT_EQ(error_loading("[walker]\nmode = \"Crawl\"\n", table).key(), "walker.mode");
}

TEST(ScenarioLoader, SyntaxErrorGivesFileLineAndColumn) {
    const ParameterTable table = example_table();
    const ScenarioError error =
        error_loading("[walker]\ncount = 3\nspeed_um_per_min = = 4\n", table);
    expect_contains(error.what(), "scenarios/x.toml: line 3, column ");
    expect_contains(error.what(), "TOML syntax error");
    EXPECT_EQ(error.key(), "");
    // A key given twice is a TOML error too.
    expect_contains(error_loading("[walker]\ncount = 3\ncount = 4\n", table).what(),
                    "scenarios/x.toml: line 3, column ");
}

TEST(ScenarioLoader, ArraysAndTablesWhereScalarsAreExpectedAreErrors) {
    const ParameterTable table = example_table();
    EXPECT_STREQ(error_loading("[walker]\nspeed_um_per_min = [1, 2]\n", table).what(),
                 "scenarios/x.toml: walker.speed_um_per_min must be a real number, got an "
                 "array");
    EXPECT_STREQ(error_loading("[walker.count]\nvalue = 3\n", table).what(),
                 "scenarios/x.toml: walker.count must be an integer, got a table");
    EXPECT_STREQ(error_loading("walker = 3\n", table).what(),
                 "scenarios/x.toml: walker is a section of parameters, not a value; got the "
                 "integer 3");
    EXPECT_STREQ(error_loading("[[walker]]\ncount = 3\n", table).what(),
                 "scenarios/x.toml: walker is a section of parameters, not a value; got an "
                 "array");
    EXPECT_EQ(error_loading("[walker]\ncount = 1970-01-01\n", table).key(), "walker.count");
}

TEST(ScenarioLoader, ReportsEveryProblemOfAFileInFileOrder) {
    const ParameterTable table = example_table();
    const ScenarioError error =
        error_loading("[walker]\nmode = \"fly\"\ncount = 0\n[grid.spacing]\nx_um = 99\n", table);
    EXPECT_EQ(error.key(), "walker.mode");
    EXPECT_STREQ(error.what(),
                 "scenarios/x.toml: walker.mode = \"fly\" is not one of the allowed choices: "
                 "\"crawl\", \"jump\"\n"
                 "scenarios/x.toml: walker.count = 0 is outside the allowed range [1, inf) "
                 "agents\n"
                 "scenarios/x.toml: grid.spacing.x_um = 99 is outside the allowed range "
                 "[0.5, 10] um");
}

TEST_F(ScenarioFiles, MissingFileIsAnError) {
    const std::string path = (directory_ / "nope.toml").string();
    const ScenarioError error = error_of([&] { load_scenario_file(path, table_); });
    EXPECT_EQ(std::string(error.what()), path + ": the scenario file does not exist");
}

// Found while checking the fuzz seeds (tests/fuzz): an empty file was "cannot be read", although
// the same empty text loads as all defaults.
TEST_F(ScenarioFiles, EmptyFileGivesTheDefaults) {
    const fs::path path = write("empty.toml", "");
    const Scenario scenario = load_scenario_file(path, table_);
    EXPECT_EQ(scenario.name, "empty");
    EXPECT_EQ(scenario.files, std::vector<std::string>{path.string()});
    for (const ParameterEntry& entry : scenario.values.entries()) {
        EXPECT_EQ(entry.source, ValueSource::table_default) << entry.key;
        EXPECT_EQ(entry.value, table_.at(entry.key).default_value) << entry.key;
    }

    write("child.toml", "inherits = \"empty.toml\"\n[walker]\ncount = 5\n");
    const Scenario child = load_scenario_file(directory_ / "child.toml", table_);
    EXPECT_EQ(child.values.integer("walker.count"), 5);
    EXPECT_EQ(child.files.size(), 2U);
}

// ---------------------------------------------------------------------------------------------
// Inheritance

TEST_F(ScenarioFiles, InheritsChainAppliesEachFileOverItsBase) {
    write("base/root.toml",
          "[walker]\nspeed_um_per_min = 5\ncount = 50\nmode = \"jump\"\n"
          "[scenario]\nname = \"root\"\ndescription = \"the root\"\n");
    write("base/middle.toml", "inherits = \"root.toml\"\n[walker]\ncount = 60\n");
    const fs::path top =
        write("runs/top.toml", "inherits = \"../base/middle.toml\"\n[walker]\nenabled = false\n");
    const Scenario scenario = load_scenario_file(top, table_);
    EXPECT_EQ(scenario.values.real("walker.speed_um_per_min"), 5.0);  // from root
    EXPECT_EQ(scenario.values.integer("walker.count"), 60);           // middle over root
    EXPECT_FALSE(scenario.values.boolean("walker.enabled"));          // top
    EXPECT_EQ(scenario.values.text("walker.mode"), "jump");
    EXPECT_EQ(scenario.values.real("grid.spacing.x_um"), 2.5);  // default
    // Name and description belong to the loaded file, not its bases.
    EXPECT_EQ(scenario.name, "top");
    EXPECT_EQ(scenario.description, "");

    const std::string root = (directory_ / "base/root.toml").lexically_normal().string();
    const std::string middle = (directory_ / "base/middle.toml").lexically_normal().string();
    EXPECT_EQ(scenario.files, (std::vector<std::string>{root, middle, top.string()}));
    EXPECT_EQ(scenario.values.entry("walker.speed_um_per_min").set_by, root);
    EXPECT_EQ(scenario.values.entry("walker.count").set_by, middle);
    EXPECT_EQ(scenario.values.entry("walker.enabled").set_by, top.string());
}

TEST_F(ScenarioFiles, ErrorsInAnInheritedFileNameThatFile) {
    write("base.toml", "[walker]\ncount = -4\n");
    const fs::path top = write("top.toml", "inherits = \"base.toml\"\n");
    const ScenarioError error = error_of([&] { load_scenario_file(top, table_); });
    EXPECT_EQ(error.origin(), (directory_ / "base.toml").string());
    EXPECT_EQ(std::string(error.what()),
              (directory_ / "base.toml").string() +
                  ": walker.count = -4 is outside the allowed range [1, inf) agents");
}

TEST_F(ScenarioFiles, InheritsCycleIsAnError) {
    write("a.toml", "inherits = \"b.toml\"\n");
    write("b.toml", "inherits = \"c.toml\"\n");
    write("c.toml", "inherits = \"./a.toml\"\n");
    const fs::path a = directory_ / "a.toml";
    const ScenarioError error = error_of([&] { load_scenario_file(a, table_); });
    const std::string b = (directory_ / "b.toml").string();
    const std::string c = (directory_ / "c.toml").string();
    EXPECT_EQ(error.origin(), c);
    EXPECT_EQ(error.key(), "inherits");
    EXPECT_EQ(std::string(error.what()),
              c + ": inherits = \"./a.toml\" makes a cycle: " + a.string() + " -> " + b + " -> " +
                  c + " -> " + a.string());

    const fs::path self = write("self.toml", "inherits = \"self.toml\"\n");
    expect_contains(error_of([&] { load_scenario_file(self, table_); }).what(), "makes a cycle");
}

TEST_F(ScenarioFiles, MissingInheritedFileIsAnError) {
    const fs::path top = write("top.toml", "inherits = \"missing.toml\"\n");
    const ScenarioError error = error_of([&] { load_scenario_file(top, table_); });
    EXPECT_EQ(error.key(), "inherits");
    EXPECT_EQ(std::string(error.what()), top.string() + ": inherits = \"missing.toml\": the file " +
                                             (directory_ / "missing.toml").string() +
                                             " does not exist");
}

TEST(ScenarioLoader, InheritsMustBeAString) {
    const ParameterTable table = example_table();
    EXPECT_STREQ(error_loading("inherits = [\"a.toml\"]\n", table).what(),
                 "scenarios/x.toml: inherits must be a string (a path relative to this file), "
                 "got an array");
}

// ---------------------------------------------------------------------------------------------
// --set

TEST(ApplyOverride, ParsesEveryType) {
    const ParameterTable table = example_table();
    Scenario scenario = load_scenario_text("[walker]\ncount = 3\n", "x.toml", table);
    apply_override(scenario, "walker.speed_um_per_min=12.5", table);
    apply_override(scenario, " walker.count = 42 ", table);
    apply_override(scenario, "walker.enabled=false", table);
    apply_override(scenario, "walker.mode=jump", table);
    apply_override(scenario, "output.path=\"dir/with = sign.h5\"", table);
    apply_override(scenario, "grid.spacing.x_um=+1e0", table);
    apply_override(scenario, "field.offset=-3", table);  // an integer for a real
    EXPECT_EQ(scenario.values.real("walker.speed_um_per_min"), 12.5);
    EXPECT_EQ(scenario.values.integer("walker.count"), 42);
    EXPECT_FALSE(scenario.values.boolean("walker.enabled"));
    EXPECT_EQ(scenario.values.text("walker.mode"), "jump");
    EXPECT_EQ(scenario.values.text("output.path"), "dir/with = sign.h5");
    EXPECT_EQ(scenario.values.real("grid.spacing.x_um"), 1.0);
    EXPECT_EQ(scenario.values.real("field.offset"), -3.0);
    EXPECT_EQ(scenario.values.entry("walker.count").source, ValueSource::set_option);
    EXPECT_EQ(scenario.values.entry("walker.count").set_by, "--set");

    apply_override(scenario, "walker.mode='crawl'", table);
    EXPECT_EQ(scenario.values.text("walker.mode"), "crawl");
    apply_override(scenario, "output.path=", table);  // an empty text is a value
    EXPECT_EQ(scenario.values.text("output.path"), "");
    apply_override(scenario, "walker.enabled=true", table);
    EXPECT_TRUE(scenario.values.boolean("walker.enabled"));
}

TEST(ApplyOverride, BadValuesAreErrorsNamingTheKey) {
    const ParameterTable table = example_table();
    EXPECT_STREQ(error_setting("walker.speed_um_per_min=fast", table).what(),
                 "--set: walker.speed_um_per_min must be a real number, got \"fast\"");
    EXPECT_STREQ(error_setting("walker.speed_um_per_min=", table).what(),
                 "--set: walker.speed_um_per_min must be a real number, got \"\"");
    EXPECT_STREQ(error_setting("walker.speed_um_per_min=1.5.2", table).what(),
                 "--set: walker.speed_um_per_min must be a real number, got \"1.5.2\"");
    EXPECT_STREQ(error_setting("walker.count=3.5", table).what(),
                 "--set: walker.count must be an integer, got \"3.5\"");
    EXPECT_STREQ(error_setting("walker.count=3.0", table).what(),
                 "--set: walker.count must be an integer, got \"3.0\"");
    EXPECT_STREQ(error_setting("walker.count=99999999999999999999", table).what(),
                 "--set: walker.count must be an integer, got \"99999999999999999999\"");
    EXPECT_STREQ(error_setting("walker.enabled=yes", table).what(),
                 "--set: walker.enabled must be true or false, got \"yes\"");
    EXPECT_STREQ(error_setting("walker.speed_um_per_min=90", table).what(),
                 "--set: walker.speed_um_per_min = 90 is outside the allowed range [0, 30] "
                 "um/min");
    EXPECT_STREQ(error_setting("walker.speed_um_per_min=nan", table).what(),
                 "--set: walker.speed_um_per_min = nan is not a finite number");
    EXPECT_STREQ(error_setting("walker.mode=fly", table).what(),
                 "--set: walker.mode = \"fly\" is not one of the allowed choices: \"crawl\", "
                 "\"jump\"");
    const ScenarioError range = error_setting("walker.count=0", table);
    EXPECT_EQ(range.origin(), "--set");
    EXPECT_EQ(range.key(), "walker.count");
}

TEST(ApplyOverride, UnknownKeysAndMalformedAssignmentsAreErrors) {
    const ParameterTable table = example_table();
    const ScenarioError unknown = error_setting("walker.cout=3", table);
    EXPECT_STREQ(unknown.what(), "--set: unknown key walker.cout; did you mean walker.count?");
    EXPECT_EQ(unknown.key(), "walker.cout");
    EXPECT_STREQ(error_setting("walker=3", table).what(),
                 "--set: walker is a section of parameters, not a parameter");
    EXPECT_STREQ(error_setting("walker.count", table).what(),
                 "--set: expected key=value, got \"walker.count\"");
    EXPECT_STREQ(error_setting("=3", table).what(),
                 "--set: expected key=value, got \"=3\" with no key");
}

// Found by tests/fuzz/fuzz_set_override (see ControlCharactersInUnknownKeysAreEscaped).
TEST(ApplyOverride, ControlCharactersInUnknownKeysAreEscaped) {
    const ParameterTable table = example_table();
    using namespace std::string_literals;
    const ScenarioError nul = error_setting("walker.co\0unt=3"s, table);
    EXPECT_STREQ(nul.what(),
                 "--set: unknown key \"walker.co\\u0000unt\"; did you mean walker.count?");
    EXPECT_EQ(nul.key(), "\"walker.co\\u0000unt\"");
    const ScenarioError escape = error_setting("walker.\x1b[2Jcount=3", table);
    EXPECT_STREQ(escape.what(), "--set: unknown key \"walker.\\u001B[2Jcount\"");
}

TEST(ApplyOverride, FailedOverrideLeavesTheValueAlone) {
    const ParameterTable table = example_table();
    Scenario scenario = load_scenario_text("[walker]\ncount = 3\n", "x.toml", table);
    EXPECT_THROW(apply_override(scenario, "walker.count=0", table), ScenarioError);
    EXPECT_EQ(scenario.values.integer("walker.count"), 3);
    EXPECT_EQ(scenario.values.entry("walker.count").source, ValueSource::scenario_file);
}

// ---------------------------------------------------------------------------------------------
// Rendering

void expect_same_values(const ParameterSet& expected, const ParameterSet& actual) {
    ASSERT_EQ(expected.entries().size(), actual.entries().size());
    for (const ParameterEntry& entry : expected.entries()) {
        // Variant equality compares doubles with ==, i.e. bit for bit for finite values.
        EXPECT_EQ(entry.value, actual.entry(entry.key).value) << entry.key;
    }
}

TEST(RenderResolvedToml, RoundTripsEveryValueExactly) {
    const ParameterTable table = example_table();
    Scenario scenario = load_scenario_text(
        "[scenario]\nname = \"trip\"\ndescription = \"a \\\"quoted\\\" description\"\n"
        "[walker]\nspeed_um_per_min = 0.1\ncount = 9007199254740993\nmode = \"jump\"\n"
        "[grid.spacing]\nx_um = 3.3333333333333335\n",
        "scenarios/trip.toml", table);
    apply_override(scenario, "field.decay_rate_per_day=6.02214076e23", table);
    apply_override(scenario, "field.offset=-1e-300", table);
    apply_override(scenario, "output.path=dir\\sub/\"odd\" name \xc3\xa9.h5", table);
    apply_override(scenario, "walker.enabled=false", table);
    apply_override(scenario, "grid.nx=128", table);

    const std::string rendered = render_resolved_toml(scenario, table);
    const Scenario reloaded = load_scenario_text(rendered, "resolved.toml", table);
    expect_same_values(scenario.values, reloaded.values);
    EXPECT_EQ(reloaded.name, "trip");
    EXPECT_EQ(reloaded.description, "a \"quoted\" description");
    EXPECT_EQ(reloaded.values.text("output.path"), "dir\\sub/\"odd\" name \xc3\xa9.h5");
    EXPECT_EQ(reloaded.values.integer("walker.count"), 9007199254740993);
    EXPECT_EQ(reloaded.values.integer("grid.nx"), 128);

    // And rendering the reloaded scenario reproduces the values once more.
    const Scenario twice =
        load_scenario_text(render_resolved_toml(reloaded, table), "twice.toml", table);
    expect_same_values(scenario.values, twice.values);
}

TEST(RenderResolvedToml, RoundTripsDefaults) {
    const ParameterTable table = example_table();
    const Scenario scenario = load_scenario_text("", "empty.toml", table);
    const Scenario reloaded =
        load_scenario_text(render_resolved_toml(scenario, table), "resolved.toml", table);
    expect_same_values(scenario.values, reloaded.values);
}

TEST(RenderResolvedToml, CommentsEachParameterAndWhereItWasSet) {
    const ParameterTable table = example_table();
    Scenario scenario = load_scenario_text("[walker]\ncount = 5\n", "scenarios/x.toml", table);
    apply_override(scenario, "walker.mode=jump", table);
    const std::string text = render_resolved_toml(scenario, table);
    expect_contains(text,
                    "[walker]\n# Walking speed [um/min] range [0, 30]; default 10.0; "
                    "source: calibrate: test value\nspeed_um_per_min = 10.0\n");
    expect_contains(text,
                    "# Initial number of walkers [agents] range [1, inf); default 100; "
                    "source: calibrate: test value\ncount = 5  # set in file "
                    "scenarios/x.toml\n");
    expect_contains(text,
                    "# How walkers move; one of \"crawl\", \"jump\"; default \"crawl\"; "
                    "source: calibrate: test value\nmode = \"jump\"  # set by --set\n");
    expect_contains(text,
                    "# Whether walkers move; default true; source: calibrate: test "
                    "value\nenabled = true\n");
    expect_contains(text, "[grid.spacing]\n# Site spacing along x [um] range [0.5, 10];");
    expect_contains(text, "# Dimensionless offset [dimensionless] range (-inf, inf);");
    expect_contains(text,
                    "[output]\n# Output file; default \"out.h5\"; source: calibrate: "
                    "test value\npath = \"out.h5\"\n");
    expect_contains(text, "[scenario]\nname = \"x\"\n");
}

TEST(RenderMarkdownReference, ListsEveryKeyUnderItsSection) {
    const ParameterTable table = example_table();
    const std::string markdown = render_markdown_reference(table);
    for (const ParameterSpec& spec : table.specs()) {
        expect_contains(markdown, "| `" + spec.key + "` | ");
    }
    for (const std::string section : {"walker", "grid.spacing", "grid", "field", "output"}) {
        expect_contains(markdown, "## `" + section +
                                      "`\n\n| key | type | unit | default | "
                                      "allowed | description | source |\n|---|");
    }
    expect_contains(markdown,
                    "| `walker.speed_um_per_min` | real | um/min | 10.0 | [0, 30] | "
                    "Walking speed | calibrate: test value |\n");
    expect_contains(markdown, "| `walker.mode` | choice |  | \"crawl\" | \"crawl\", \"jump\" |");
    // A '|' inside a cell is escaped so the table keeps its columns.
    expect_contains(markdown, "| Decay rate \\| of the field | Doe et al. 2020, Table 1 |");
}

TEST(ScenarioError, CallerChecksCanThrowIt) {
    const ParameterTable table = example_table();
    const Scenario scenario = load_scenario_text("", "scenarios/x.toml", table);
    // The shape of a cross-parameter check the model adds after loading.
    const auto check = [&] {
        if (scenario.values.integer("walker.count") > 50) {
            throw ScenarioError(scenario.path, "walker.count",
                                "walker.count = 100 needs walker.enabled = false");
        }
    };
    const ScenarioError error = error_of(check);
    EXPECT_STREQ(error.what(), "scenarios/x.toml: walker.count = 100 needs walker.enabled = false");
}

}  // namespace
}  // namespace cartsim::scenarios
