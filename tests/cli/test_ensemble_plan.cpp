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

// A design file: one design point per row, each value typed by its key, combined with
// --replicates and a cohort; the plan text records the rows.
TEST_F(EnsemblePlanFiles, ADesignFileGivesOneRunPerRowWithTheRowsAsInputs) {
    const fs::path plain = directory_ / "plain.toml";
    std::ofstream(plain) << "[run]\nseed = 9\n[space]\nnx = 32\nny = 32\nnz = 1\n"
                            "total_marrow_volume_ml = 10.0\n";
    const fs::path csv = directory_ / "design.csv";
    std::ofstream(csv) << "\xEF\xBB\xBF# a comment line\n"
                          "car_t.dose_cells, car_t.speed_um_per_min,car_t.costimulation,"
                          "car_t.lymphodepletion,readouts.contraction_window_days\r\n"
                          "3e7,2,CD28,true,14\r\n"
                          "1e8,2.5,\"4-1BB\",false,21\n"
                          "\n"
                          "3e8,3,CD28,1,28.0\n"
                          "1e9,3.5,4-1BB,0,1e1\n"
                          "2.5e7,4,CD28,TRUE,7\n"
                          "5e7,4.5,4-1BB,False,30\n";
    EnsembleDefinition definition;
    definition.scenario_path = plain;
    definition.design_file = csv;
    const EnsemblePlan plan = make_plan(definition);
    ASSERT_EQ(plan.runs.size(), 6U);
    EXPECT_EQ(plan.points, 6);
    EXPECT_EQ(plan.input_keys,
              (std::vector<std::string>{"car_t.dose_cells", "car_t.speed_um_per_min",
                                        "car_t.costimulation", "car_t.lymphodepletion",
                                        "readouts.contraction_window_days"}));
    using V = scenarios::ParameterValue;
    const std::vector<std::vector<V>> rows = {
        {V(3e7), V(2.0), V(std::string("CD28")), V(true), V(14.0)},
        {V(1e8), V(2.5), V(std::string("4-1BB")), V(false), V(21.0)},
        {V(3e8), V(3.0), V(std::string("CD28")), V(true), V(28.0)},
        {V(1e9), V(3.5), V(std::string("4-1BB")), V(false), V(10.0)},
        {V(2.5e7), V(4.0), V(std::string("CD28")), V(true), V(7.0)},
        {V(5e7), V(4.5), V(std::string("4-1BB")), V(false), V(30.0)}};
    for (std::size_t i = 0; i < plan.runs.size(); ++i) {
        EXPECT_EQ(plan.runs[i].point, static_cast<std::int64_t>(i));
        EXPECT_EQ(plan.runs[i].seed, derive_run_seed(9, i));
        EXPECT_EQ(plan.runs[i].inputs, rows[i]) << "row " << i + 1;
    }
    EXPECT_EQ(run_set_arguments(plan, plan.runs[3]),
              (std::vector<std::string>{"car_t.dose_cells=1000000000", "car_t.speed_um_per_min=3.5",
                                        "car_t.costimulation=4-1BB", "car_t.lymphodepletion=false",
                                        "readouts.contraction_window_days=10"}));
    EXPECT_EQ(plan.design_lines, (std::vector<std::size_t>{3, 4, 6, 7, 8, 9}));

    // With --replicates and a cohort: points x patients x replicates, patients' keys after the
    // file's columns.
    definition.replicates = 2;
    EXPECT_EQ(make_plan(definition).runs.size(), 12U);
    definition.scenario_path = scenario_;  // [cohort] of 3 patients sampling product_fitness
    const EnsemblePlan cohort = make_plan(definition);
    ASSERT_EQ(cohort.runs.size(), 6U * 3U * 2U);
    EXPECT_EQ(cohort.input_keys.back(), "car_t.product_fitness");
    for (const PlannedRun& run : cohort.runs) {
        EXPECT_EQ(run.index,
                  static_cast<std::size_t>((run.point * 3 + run.patient) * 2 + run.replicate));
        const std::vector<V> design(run.inputs.begin(), run.inputs.end() - 1);
        EXPECT_EQ(design, rows[static_cast<std::size_t>(run.point)]);
    }

    // The plan text records the design: the same rows in another file give the same plan, other
    // rows another one (a rerun is refused), and so does --vary instead of the file.
    definition.scenario_path = plain;
    definition.replicates = 1;
    const std::string text = plan_text(make_plan(definition), definition, "a");
    EXPECT_NE(text.find("design = \"file\""), std::string::npos) << text;
    const fs::path copy = directory_ / "copy.csv";
    fs::copy_file(csv, copy);
    EnsembleDefinition same = definition;
    same.design_file = copy;
    EXPECT_FALSE(plan_difference(text, plan_text(make_plan(same), same, "b")));
    std::ofstream(copy, std::ios::app) << "6e7,5,CD28,true,14\n";
    const auto longer = plan_difference(text, plan_text(make_plan(same), same, "b"));
    ASSERT_TRUE(longer);
    EXPECT_NE(longer->find("points = 6' is now 'points = 7"), std::string::npos) << *longer;
    EnsembleDefinition varied;
    varied.scenario_path = plain;
    varied.vary = {"car_t.dose_cells=3e7:3e8"};
    EXPECT_TRUE(plan_difference(text, plan_text(make_plan(varied), varied, "c")));
}

// Every bad design file stops the plan (exit status 2) with a message naming the file, the row
// (and its line) and the column and key.
TEST_F(EnsemblePlanFiles, BadDesignFilesAreRefusedNamingRowAndColumn) {
    const fs::path plain = directory_ / "plain.toml";
    std::ofstream(plain) << "[run]\nseed = 9\n[space]\nnx = 32\nny = 32\nnz = 1\n"
                            "total_marrow_volume_ml = 10.0\n";
    const fs::path csv = directory_ / "bad.csv";
    const std::string header = "car_t.dose_cells,car_t.speed_um_per_min\n";
    struct Case {
        std::string content;
        std::vector<std::string> expected;  // substrings of the message
        std::vector<std::string> sets = {};
        fs::path scenario = {};
    };
    const std::vector<Case> cases = {
        {"car_t.dose_cell,car_t.speed_um_per_min\n1e8,2\n",
         {"bad.csv header (line 1)", "column 1", "unknown key car_t.dose_cell",
          "did you mean car_t.dose_cells?"}},
        {header + "1e8,2\n3e8,fast\n",
         {"bad.csv row 2 (line 3)", "column 2 (car_t.speed_um_per_min)",
          "'fast' is not a (finite) number", "[0, 30] um/min"}},
        {header + "1e8,2\n1e8,2\n1e8,90\n",
         {"bad.csv row 3 (line 4)", "column 2 (car_t.speed_um_per_min)",
          "car_t.speed_um_per_min = 90 is outside the allowed range [0, 30] um/min"}},
        {header + "1e8,2\n1e8\n", {"bad.csv row 2 (line 3)", "1 field(s)", "header has 2"}},
        {header + "1e8,2,3\n", {"bad.csv row 1 (line 2)", "3 field(s)", "header has 2"}},
        {header + "1e8,\n", {"bad.csv row 1 (line 2)", "column 2", "the value is empty"}},
        {"", {"bad.csv", "the design file is empty"}},
        {"# only a comment\n\n", {"bad.csv", "the design file is empty"}},
        {header, {"bad.csv", "no design points"}},
        {"car_t.dose_cells,car_t.dose_cells\n1,2\n", {"columns 1 and 2 are both car_t.dose_cells"}},
        {"run.seed\n5\n", {"column 1", "run.seed cannot be a design column"}},
        {"space.nx\n32.5\n", {"row 1 (line 2)", "column 1 (space.nx)", "not a whole number"}},
        {"car_t.lymphodepletion\nmaybe\n",
         {"row 1 (line 2)", "column 1 (car_t.lymphodepletion)", "not a boolean"}},
        {"car_t.costimulation\ncd3\n",
         {"row 1 (line 2)", "column 1 (car_t.costimulation)", "car_t.costimulation"}},
        {"car_t.dose_cells,\"car_t.speed_um_per_min\n", {"bad.csv header (line 1)", "quoted"}},
        // A key also --set, also sampled by [cohort], or time.days with --days.
        {header + "1e8,2\n",
         {"bad.csv header", "column 2 (car_t.speed_um_per_min)", "also given by --set"},
         {"car_t.speed_um_per_min=3"}},
        {"car_t.product_fitness\n1.5\n",
         {"bad.csv header", "column 1 (car_t.product_fitness)", "also sampled by [cohort]"},
         {},
         scenario_},
        // Values each allowed, together contradictory: the row is named.
        {"initial.blast_fraction\n0.5\n0.99\n",
         {"bad.csv row 2 (line 3)", "run 1 of the ensemble"}},
    };
    for (const Case& c : cases) {
        std::ofstream(csv, std::ios::trunc) << c.content;
        EnsembleDefinition definition;
        definition.scenario_path = c.scenario.empty() ? plain : c.scenario;
        definition.design_file = csv;
        definition.sets = c.sets;
        try {
            make_plan(definition);
            ADD_FAILURE() << "no error for:\n" << c.content;
        } catch (const scenarios::ScenarioError& error) {
            for (const std::string& expected : c.expected) {
                EXPECT_NE(std::string(error.what()).find(expected), std::string::npos)
                    << "expected '" << expected << "' in: " << error.what();
            }
        }
    }
    // --days and a time.days column.
    std::ofstream(csv, std::ios::trunc) << "time.days\n2\n";
    EnsembleDefinition days;
    days.scenario_path = plain;
    days.design_file = csv;
    days.days = 3.0;
    EXPECT_THROW(make_plan(days), scenarios::ScenarioError);
    // A missing file, and the options a design file excludes.
    EnsembleDefinition missing;
    missing.scenario_path = plain;
    missing.design_file = directory_ / "nowhere.csv";
    try {
        make_plan(missing);
        ADD_FAILURE() << "no error for a missing file";
    } catch (const scenarios::ScenarioError& error) {
        EXPECT_NE(std::string(error.what()).find("nowhere.csv"), std::string::npos);
    }
    std::ofstream(csv, std::ios::trunc) << header << "1e8,2\n";
    EnsembleDefinition with_vary;
    with_vary.scenario_path = plain;
    with_vary.design_file = csv;
    with_vary.vary = {"car_t.dose_cells=1e7:1e8"};
    EXPECT_THROW(make_plan(with_vary), UsageError);
    EnsembleDefinition with_samples;
    with_samples.scenario_path = plain;
    with_samples.design_file = csv;
    with_samples.samples = 3;
    EXPECT_THROW(make_plan(with_samples), UsageError);
}

}  // namespace
}  // namespace cartsim::cli
