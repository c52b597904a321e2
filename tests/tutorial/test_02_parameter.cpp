// Tutorial 02 (docs/tutorial/02_add_a_parameter.md): a parameter's way from a scenario file to
// the number a rule reads, shown on blasts.birth_rate_per_day, and the checks that guard it:
// its row in the table (unit, range, source), its range enforced with the key named, and its
// conversion into a chance per tissue step.

#include <gtest/gtest.h>

#include <string>

#include "agents/chance.hpp"
#include "agents/tissue/constants.hpp"
#include "scenarios/model_parameters.hpp"
#include "scenarios/scenario_loader.hpp"

namespace cartsim::tutorial {
namespace {

using scenarios::model_parameter_table;

TEST(Tutorial02, TheTableDocumentsTheParameter) {
    const scenarios::ParameterSpec* spec =
        model_parameter_table().find("blasts.birth_rate_per_day");
    ASSERT_NE(spec, nullptr);
    EXPECT_EQ(spec->unit, "1/day");
    EXPECT_FALSE(spec->source.empty());
    EXPECT_FALSE(spec->description.empty());
}

TEST(Tutorial02, AValueFromTheFileReachesTheRuleAsAChancePerStep) {
    const scenarios::Scenario scenario = scenarios::load_scenario_text(
        "[blasts]\nbirth_rate_per_day = 0.2\n[time]\ntissue_period_steps = 30\n", "tutorial.toml",
        model_parameter_table());
    const agents::Parameters parameters = scenarios::to_model_parameters(scenario);
    EXPECT_EQ(parameters.blasts.birth_rate_per_day, 0.2);
    const double tissue_step_days = 30 * parameters.time.fine_step_min / 1440.0;
    const agents::TissueConstants constants =
        agents::TissueConstants::from(parameters, tissue_step_days);
    EXPECT_DOUBLE_EQ(constants.blast_division, agents::chance(0.2, tissue_step_days));
}

TEST(Tutorial02, AValueOutOfRangeIsRefusedNamingFileKeyAndRange) {
    try {
        scenarios::load_scenario_text("[blasts]\nbirth_rate_per_day = 99\n", "tutorial.toml",
                                      model_parameter_table());
        FAIL() << "an out-of-range birth rate was accepted";
    } catch (const scenarios::ScenarioError& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("tutorial.toml"), std::string::npos) << message;
        EXPECT_NE(message.find("blasts.birth_rate_per_day"), std::string::npos) << message;
        EXPECT_NE(message.find("[0, 5]"), std::string::npos) << message;
    }
}

}  // namespace
}  // namespace cartsim::tutorial
