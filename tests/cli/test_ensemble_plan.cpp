// The plan of `cartsim ensemble`: seed derivation (distinct, stable, independent of how the
// ensemble is executed), run order (point, patient, replicate), plan text comparison.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "cli/ensemble_plan.hpp"
#include "cli/run_simulation.hpp"
#include "scenarios/scenario_error.hpp"

namespace cartsim::cli {
namespace {

namespace fs = std::filesystem;

TEST(EnsemblePlan, RunSeedsAreDistinctStableAndInRange) {
    std::set<std::uint64_t> seen;
    for (std::uint64_t i = 0; i < 100000; ++i) {
        const std::uint64_t seed = derive_run_seed(1, i);
        EXPECT_LT(seed, std::uint64_t{1} << 63);
        seen.insert(seed);
    }
    EXPECT_EQ(seen.size(), 100000U);
    EXPECT_EQ(derive_run_seed(1, 7), derive_run_seed(1, 7));
    EXPECT_NE(derive_run_seed(1, 7), derive_run_seed(2, 7));
    // The values are part of the public behaviour: a rerun on another machine must agree.
    EXPECT_EQ(derive_run_seed(1, 0), 406922368161725647ULL);
}

class EnsemblePlanFiles : public ::testing::Test {
  protected:
    void SetUp() override {
        directory_ =
            fs::temp_directory_path() /
            ("cartsim_plan_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(directory_);
        fs::create_directories(directory_);
        scenario_ = directory_ / "s.toml";
        std::ofstream(scenario_) << "[run]\nseed = 9\n[space]\nnx = 32\nny = 32\nnz = 1\n"
                                    "total_marrow_volume_ml = 10.0\n"
                                    "[cohort]\npatients = 3\n[cohort.car_t.product_fitness]\n"
                                    "distribution = \"uniform\"\nmin = 0.5\nmax = 2\n";
    }
    void TearDown() override { fs::remove_all(directory_); }
    fs::path directory_;
    fs::path scenario_;
};

TEST_F(EnsemblePlanFiles, RunsAreOrderedByPointThenPatientThenReplicate) {
    EnsembleDefinition definition;
    definition.scenario_path = scenario_;
    definition.replicates = 2;
    definition.vary = {"car_t.speed_um_per_min=2:6"};
    definition.samples = 2;
    const EnsemblePlan plan = make_plan(definition);
    ASSERT_EQ(plan.runs.size(), 2U * 3U * 2U);
    EXPECT_EQ(plan.base_seed, 9U);
    EXPECT_EQ(plan.input_keys,
              (std::vector<std::string>{"car_t.speed_um_per_min", "car_t.product_fitness"}));
    for (const PlannedRun& run : plan.runs) {
        EXPECT_EQ(run.index,
                  static_cast<std::size_t>((run.point * 3 + run.patient) * 2 + run.replicate));
        EXPECT_EQ(run.seed, derive_run_seed(9, run.index));
        EXPECT_EQ(run.inputs[0], scenarios::ParameterValue(run.point == 0 ? 2.0 : 6.0));
    }
    // A patient is the same at every point and replicate, and patients differ.
    EXPECT_EQ(plan.runs[0].inputs[1], plan.runs[1].inputs[1]);
    EXPECT_EQ(plan.runs[0].inputs[1], plan.runs[6].inputs[1]);
    EXPECT_NE(plan.runs[0].inputs[1], plan.runs[2].inputs[1]);
    EXPECT_EQ(run_set_arguments(plan, plan.runs[6])[0], "car_t.speed_um_per_min=6");
    // The same definition gives the same plan text; another replicates count does not.
    const std::string text = plan_text(plan, definition, "cartsim ensemble A --jobs 1");
    EXPECT_FALSE(plan_difference(
        text, plan_text(make_plan(definition), definition, "cartsim ensemble A --jobs 2")));
    EnsembleDefinition other = definition;
    other.replicates = 3;
    const auto difference = plan_difference(text, plan_text(make_plan(other), other, ""));
    ASSERT_TRUE(difference);
    EXPECT_NE(difference->find("replicates = 2' is now 'replicates = 3"), std::string::npos)
        << *difference;
}

// "The same patients with another value of one sampled key": a --set on a key the cohort samples
// fixes it for every patient and leaves each patient's other sampled values as they were.
TEST_F(EnsemblePlanFiles, ASetFixesASampledKeyAndKeepsThePatients) {
    std::ofstream(scenario_, std::ios::app) << "[cohort.car_t.speed_um_per_min]\n"
                                               "distribution = \"uniform\"\nmin = 2\nmax = 8\n";
    EnsembleDefinition definition;
    definition.scenario_path = scenario_;
    const EnsemblePlan sampled = make_plan(definition);
    ASSERT_EQ(sampled.input_keys,
              (std::vector<std::string>{"car_t.product_fitness", "car_t.speed_um_per_min"}));
    EXPECT_TRUE(sampled.fixed_cohort_keys.empty());
    definition.sets = {" car_t.product_fitness = 1.5"};
    const EnsemblePlan fixed = make_plan(definition);
    EXPECT_EQ(fixed.input_keys, std::vector<std::string>{"car_t.speed_um_per_min"});
    EXPECT_EQ(fixed.fixed_cohort_keys, std::vector<std::string>{"car_t.product_fitness"});
    ASSERT_EQ(fixed.runs.size(), sampled.runs.size());
    for (std::size_t i = 0; i < fixed.runs.size(); ++i) {
        ASSERT_EQ(fixed.runs[i].inputs.size(), 1U);
        EXPECT_EQ(fixed.runs[i].inputs[0], sampled.runs[i].inputs[1]) << "patient " << i;
        EXPECT_EQ(fixed.runs[i].seed, sampled.runs[i].seed);
    }
    EXPECT_NE(fixed.base_toml.find("product_fitness = 1.5"), std::string::npos);
}

TEST_F(EnsemblePlanFiles, BadDefinitionsAreRefused) {
    EnsembleDefinition definition;
    definition.scenario_path = scenario_;
    definition.vary = {"car_t.product_fitness=0.5:2"};
    EXPECT_THROW(make_plan(definition), scenarios::ScenarioError);  // also sampled by [cohort]
    definition.vary = {};
    definition.samples = 4;
    EXPECT_THROW(make_plan(definition), UsageError);  // --samples without --vary
    definition.samples.reset();
    definition.design = scenarios::DesignKind::lhs;
    EXPECT_THROW(make_plan(definition), UsageError);
    definition.design = scenarios::DesignKind::grid;
    definition.replicates = 0;
    EXPECT_THROW(make_plan(definition), UsageError);
    definition.replicates = 1;
    // A run whose parameters contradict: blast + B-cell fractions above 1.
    definition.vary = {"initial.blast_fraction=0.5:0.99"};
    try {
        make_plan(definition);
        ADD_FAILURE() << "no error";
    } catch (const scenarios::ScenarioError& error) {
        EXPECT_NE(std::string(error.what()).find("run "), std::string::npos) << error.what();
    }
}

}  // namespace
}  // namespace cartsim::cli
