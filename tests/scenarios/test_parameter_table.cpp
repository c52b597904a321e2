#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "example_table.hpp"
#include "scenarios/parameter_table.hpp"
#include "scenarios/scenario_error.hpp"

namespace cartsim::scenarios {
namespace {

// A small generic table (walkers on a grid); no biology.
ParameterTable example_table() {
    return testing::walker_grid_table();
}

ParameterSpec valid_real(std::string key) {
    return {.key = std::move(key),
            .type = ParameterType::real,
            .unit = "1/day",
            .default_value = 1.0,
            .min = 0.0,
            .max = 2.0,
            .description = "A rate",
            .source = "calibrate: test value"};
}

[[maybe_unused]] void expect_contains(const std::string& text, const std::string& part) {
    EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in:\n" << text;
}

TEST(ParameterTable, KeepsRegistrationOrderAndFindsByKey) {
    const ParameterTable table = example_table();
    const std::vector<std::string> expected{"walker.speed_um_per_min", "walker.count",
                                            "walker.enabled",          "walker.mode",
                                            "grid.spacing.x_um",       "output.path"};
    EXPECT_EQ(table.keys(), expected);
    EXPECT_EQ(table.size(), 6u);
    ASSERT_NE(table.find("walker.count"), nullptr);
    EXPECT_EQ(table.find("walker.count")->unit, "agents");
    EXPECT_EQ(table.find("walker.nope"), nullptr);
    EXPECT_EQ(table.at("grid.spacing.x_um").min, 0.5);
    EXPECT_THROW(table.at("walker.nope"), std::logic_error);
    EXPECT_TRUE(table.is_section("walker"));
    EXPECT_TRUE(table.is_section("grid"));
    EXPECT_TRUE(table.is_section("grid.spacing"));
    EXPECT_FALSE(table.is_section("walker.count"));
    EXPECT_FALSE(table.is_section("walk"));
}

TEST(ParameterTable, IntegerDefaultOfARealBecomesADouble) {
    ParameterTable table;
    ParameterSpec spec = valid_real("a.rate_per_day");
    spec.default_value = std::int64_t{1};
    table.add(spec);
    EXPECT_TRUE(std::holds_alternative<double>(table.at("a.rate_per_day").default_value));
}

TEST(ParameterTable, RejectsDuplicateAndMalformedKeys) {
    ParameterTable table;
    table.add(valid_real("a.rate_per_day"));
    EXPECT_THROW(table.add(valid_real("a.rate_per_day")), std::invalid_argument);
    EXPECT_THROW(table.add(valid_real("no_section")), std::invalid_argument);
    EXPECT_THROW(table.add(valid_real("a..b")), std::invalid_argument);
    EXPECT_THROW(table.add(valid_real("a.b c")), std::invalid_argument);
    EXPECT_THROW(table.add(valid_real("a.")), std::invalid_argument);
    EXPECT_THROW(table.add(valid_real("scenario.rate")), std::invalid_argument);
    EXPECT_EQ(table.size(), 1u);
}

TEST(ParameterTable, RejectsKeysThatCollideWithSections) {
    ParameterTable table;
    table.add(valid_real("a.b.c"));
    // "a.b" is a section, so it cannot also be a value, and "a.b.c" cannot become a section.
    EXPECT_THROW(table.add(valid_real("a.b")), std::invalid_argument);
    EXPECT_THROW(table.add(valid_real("a.b.c.d")), std::invalid_argument);
    table.add(valid_real("a.d"));
    EXPECT_EQ(table.size(), 2u);
}

TEST(ParameterTable, RejectsInconsistentSpecs) {
    ParameterTable table;
    ParameterSpec outside = valid_real("a.outside");
    outside.default_value = 3.0;
    EXPECT_THROW(table.add(outside), std::invalid_argument);

    ParameterSpec wrong_type = valid_real("a.wrong_type");
    wrong_type.default_value = "text";
    EXPECT_THROW(table.add(wrong_type), std::invalid_argument);

    ParameterSpec inverted = valid_real("a.inverted");
    inverted.min = 3.0;
    EXPECT_THROW(table.add(inverted), std::invalid_argument);

    ParameterSpec no_source = valid_real("a.no_source");
    no_source.source = "";
    EXPECT_THROW(table.add(no_source), std::invalid_argument);

    ParameterSpec no_description = valid_real("a.no_description");
    no_description.description = "";
    EXPECT_THROW(table.add(no_description), std::invalid_argument);

    ParameterSpec two_lines = valid_real("a.two_lines");
    two_lines.description = "first\nsecond";
    EXPECT_THROW(table.add(two_lines), std::invalid_argument);

    ParameterSpec float_integer = valid_real("a.float_integer");
    float_integer.type = ParameterType::integer;
    EXPECT_THROW(table.add(float_integer), std::invalid_argument);

    EXPECT_THROW(table.add({.key = "a.bad_choice",
                            .type = ParameterType::choice,
                            .default_value = "c",
                            .choices = {"a", "b"},
                            .description = "d",
                            .source = "s"}),
                 std::invalid_argument);
    EXPECT_THROW(table.add({.key = "a.repeated_choice",
                            .type = ParameterType::choice,
                            .default_value = "a",
                            .choices = {"a", "a"},
                            .description = "d",
                            .source = "s"}),
                 std::invalid_argument);
    EXPECT_THROW(table.add({.key = "a.ranged_flag",
                            .type = ParameterType::boolean,
                            .default_value = true,
                            .max = 1.0,
                            .description = "d",
                            .source = "s"}),
                 std::invalid_argument);
    EXPECT_EQ(table.size(), 0u);
}

TEST(ParameterTable, ClosestKeyCatchesCommonSlips) {
    const ParameterTable table = example_table();
    EXPECT_EQ(table.closest_key("walker.sped_um_per_min"), "walker.speed_um_per_min");
    EXPECT_EQ(table.closest_key("walker.spede_um_per_min"), "walker.speed_um_per_min");
    EXPECT_EQ(table.closest_key("walkre.count"), "walker.count");
    EXPECT_EQ(table.closest_key("Walker.Count"), "walker.count");
    EXPECT_EQ(table.closest_key("agent.count"), "walker.count");  // right name, wrong section
    EXPECT_EQ(table.closest_key("walker.speed"), "walker.speed_um_per_min");  // no unit suffix
    EXPECT_EQ(table.closest_key("grid.spacing.x"), "grid.spacing.x_um");
    EXPECT_EQ(table.closest_key("walker_count"), "walker.count");  // across the dot
    EXPECT_EQ(table.closest_key("totally.unrelated"), std::nullopt);
    EXPECT_EQ(table.closest_key("walker.colour"), std::nullopt);
    EXPECT_EQ(table.closest_key("walker.color"), std::nullopt);
    EXPECT_EQ(table.closest_key("q"), std::nullopt);
}

TEST(ParameterSet, StartsAtDefaultsWithTypedGetters) {
    const ParameterTable table = example_table();
    const ParameterSet values(table);
    EXPECT_EQ(values.real("walker.speed_um_per_min"), 10.0);
    EXPECT_EQ(values.integer("walker.count"), 100);
    EXPECT_TRUE(values.boolean("walker.enabled"));
    EXPECT_EQ(values.text("walker.mode"), "crawl");  // text() serves choices too
    EXPECT_EQ(values.text("output.path"), "out.h5");
    EXPECT_EQ(values.entries().size(), table.size());
    for (const ParameterEntry& entry : values.entries()) {
        EXPECT_EQ(entry.source, ValueSource::table_default) << entry.key;
        EXPECT_EQ(entry.set_by, "") << entry.key;
    }
}

TEST(ParameterSet, GettersRejectUnknownKeysAndWrongTypes) {
    const ParameterSet values(example_table());
    EXPECT_THROW(values.real("walker.nope"), std::logic_error);
    EXPECT_THROW(values.real("walker.count"), std::logic_error);
    EXPECT_THROW(values.integer("walker.speed_um_per_min"), std::logic_error);
    EXPECT_THROW(values.boolean("walker.mode"), std::logic_error);
    EXPECT_THROW(values.text("walker.enabled"), std::logic_error);
    EXPECT_THROW(values.entry("walker"), std::logic_error);
}

TEST(ParameterSet, AssignValidatesAndRecordsWhereTheValueCameFrom) {
    const ParameterTable table = example_table();
    ParameterSet values(table);
    const ParameterSpec& speed = table.at("walker.speed_um_per_min");
    values.assign(speed, std::int64_t{12}, ValueSource::scenario_file, "x.toml");
    EXPECT_EQ(values.real("walker.speed_um_per_min"), 12.0);
    EXPECT_EQ(values.entry("walker.speed_um_per_min").source, ValueSource::scenario_file);
    EXPECT_EQ(values.entry("walker.speed_um_per_min").set_by, "x.toml");

    try {
        values.assign(speed, 90.0, ValueSource::set_option, "--set");
        FAIL() << "no error for a value outside the range";
    } catch (const ScenarioError& error) {
        EXPECT_STREQ(error.what(),
                     "--set: walker.speed_um_per_min = 90 is outside the allowed range [0, 30] "
                     "um/min");
        EXPECT_EQ(error.origin(), "--set");
        EXPECT_EQ(error.key(), "walker.speed_um_per_min");
    }
    EXPECT_EQ(values.real("walker.speed_um_per_min"), 12.0);  // unchanged by the failed assign
    EXPECT_THROW(values.assign(speed, std::string("fast"), ValueSource::set_option, "--set"),
                 std::logic_error);
}

TEST(ValueProblem, NamesKeyValueRangeAndUnit) {
    const ParameterTable table = example_table();
    EXPECT_EQ(value_problem(table.at("walker.speed_um_per_min"), 30.0), std::nullopt);
    EXPECT_EQ(value_problem(table.at("walker.speed_um_per_min"), 0.0), std::nullopt);
    EXPECT_EQ(value_problem(table.at("walker.speed_um_per_min"), -0.5),
              "walker.speed_um_per_min = -0.5 is outside the allowed range [0, 30] um/min");
    EXPECT_EQ(value_problem(table.at("walker.count"), std::int64_t{0}),
              "walker.count = 0 is outside the allowed range [1, inf) agents");
    EXPECT_EQ(value_problem(table.at("walker.mode"), std::string("fly")),
              "walker.mode = \"fly\" is not one of the allowed choices: \"crawl\", \"jump\"");
    EXPECT_EQ(value_problem(table.at("walker.speed_um_per_min"), unbounded),
              "walker.speed_um_per_min = inf is not a finite number");
}

TEST(FormatValue, RealsUseShortestRoundTripText) {
    EXPECT_EQ(format_value(90.0), "90");
    EXPECT_EQ(toml_literal(90.0), "90.0");
    EXPECT_EQ(toml_literal(0.1), "0.1");
    EXPECT_EQ(toml_literal(1.0 / 3.0), "0.3333333333333333");
    EXPECT_EQ(toml_literal(1e-300), "1e-300");
    EXPECT_EQ(toml_literal(std::int64_t{-7}), "-7");
    EXPECT_EQ(toml_literal(false), "false");
    EXPECT_EQ(toml_literal(std::string("a \"b\"\\\n")), "\"a \\\"b\\\"\\\\\\n\"");
}

TEST(FormatAllowed, SpellsRangesAndChoices) {
    const ParameterTable table = example_table();
    EXPECT_EQ(format_allowed(table.at("walker.speed_um_per_min")), "[0, 30]");
    EXPECT_EQ(format_allowed(table.at("walker.count")), "[1, inf)");
    EXPECT_EQ(format_allowed(table.at("walker.mode")), "\"crawl\", \"jump\"");
    EXPECT_EQ(format_allowed(table.at("walker.enabled")), "");
}

TEST(ScenarioError, AlwaysNamesOriginAndKey) {
    const ScenarioError with_key("x.toml", "a.b", "a.b = 3 needs a.c > 3");
    EXPECT_STREQ(with_key.what(), "x.toml: a.b = 3 needs a.c > 3");
    const ScenarioError without_key("x.toml", "a.b", "must exceed a.c");
    EXPECT_STREQ(without_key.what(), "x.toml: a.b: must exceed a.c");
    EXPECT_EQ(without_key.detail(), "must exceed a.c");
    const ScenarioError whole_file("x.toml", "", "the scenario file does not exist");
    EXPECT_STREQ(whole_file.what(), "x.toml: the scenario file does not exist");
    // Derives from std::runtime_error so generic handlers print it.
    const std::runtime_error& base = with_key;
    EXPECT_STREQ(base.what(), "x.toml: a.b = 3 needs a.c > 3");
}

}  // namespace
}  // namespace cartsim::scenarios
