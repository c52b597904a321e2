// Virtual cohorts ([cohort] of a scenario): reading and validating the section, and sampling
// (moments of each distribution over many patients, truncation, integers, determinism).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "scenarios/cohort.hpp"
#include "scenarios/model_parameters.hpp"
#include "scenarios/scenario_error.hpp"
#include "scenarios/scenario_loader.hpp"

namespace cartsim::scenarios {
namespace {

const ParameterTable& table() {
    return model_parameter_table();
}

Scenario load(const std::string& text) {
    return load_scenario_text(text, "cohort.toml", table());
}

std::string error_of(const std::string& text) {
    try {
        load(text);
    } catch (const ScenarioError& error) {
        return error.what();
    }
    return "";
}

double as_double(const ParameterValue& value) {
    if (const auto* real = std::get_if<double>(&value)) return *real;
    if (const auto* integer = std::get_if<std::int64_t>(&value)) {
        return static_cast<double>(*integer);
    }
    return std::get<bool>(value) ? 1.0 : 0.0;
}

/// `n` samples of the one distribution of a [cohort] holding it.
std::vector<double> samples(const std::string& distribution_toml, int n, std::uint64_t seed = 1) {
    const Scenario scenario = load("[cohort]\npatients = 1\n" + distribution_toml);
    const CohortDistribution& d = scenario.cohort->distributions.at(0);
    std::vector<double> values;
    for (int p = 0; p < n; ++p) {
        values.push_back(
            as_double(sample_value(d, table().at(d.key), seed, static_cast<std::uint64_t>(p))));
    }
    return values;
}

double mean(const std::vector<double>& v) {
    double sum = 0.0;
    for (const double x : v) sum += x;
    return sum / static_cast<double>(v.size());
}

double sd(const std::vector<double>& v) {
    const double m = mean(v);
    double sum = 0.0;
    for (const double x : v) sum += (x - m) * (x - m);
    return std::sqrt(sum / static_cast<double>(v.size() - 1));
}

constexpr int kSamples = 20000;

TEST(Cohort, ReadsTheSectionBesideTheParameters) {
    const Scenario scenario = load(
        "[initial]\nblast_fraction = 0.5\n"
        "[cohort]\npatients = 12\n"
        "[cohort.car_t.dose_cells]\ndistribution = \"loguniform\"\nmin = 1e7\nmax = 1e9\n"
        "[cohort.car_t.lymphodepletion]\ndistribution = \"bernoulli\"\np = 0.9\n");
    ASSERT_TRUE(scenario.cohort);
    EXPECT_EQ(scenario.cohort->patients, 12);
    ASSERT_EQ(scenario.cohort->distributions.size(), 2U);
    EXPECT_EQ(scenario.cohort->distributions[0].key, "car_t.dose_cells");
    EXPECT_EQ(scenario.cohort->distributions[1].kind, DistributionKind::bernoulli);
    EXPECT_EQ(scenario.values.real("initial.blast_fraction"), 0.5);
    EXPECT_FALSE(load("[initial]\nblast_fraction = 0.5\n").cohort);
}

TEST(Cohort, UniformAndLogUniformMoments) {
    const auto u =
        samples("[cohort.car_t.speed_um_per_min]\ndistribution = \"uniform\"\nmin = 2\nmax = 8\n",
                kSamples);
    EXPECT_NEAR(mean(u), 5.0, 0.05);
    EXPECT_NEAR(sd(u), 6.0 / std::sqrt(12.0), 0.03);
    EXPECT_GE(*std::min_element(u.begin(), u.end()), 2.0);
    EXPECT_LE(*std::max_element(u.begin(), u.end()), 8.0);
    auto l =
        samples("[cohort.car_t.dose_cells]\ndistribution = \"loguniform\"\nmin = 1e6\nmax = 1e9\n",
                kSamples);
    for (double& x : l) x = std::log10(x);
    EXPECT_NEAR(mean(l), 7.5, 0.03);
    EXPECT_NEAR(sd(l), 3.0 / std::sqrt(12.0), 0.02);
}

TEST(Cohort, NormalAndLogNormalMomentsAndTruncation) {
    const auto n = samples(
        "[cohort.blasts.birth_rate_per_day]\ndistribution = \"normal\"\nmean = 0.5\nsd = 0.1\n",
        kSamples);
    EXPECT_NEAR(mean(n), 0.5, 0.003);
    EXPECT_NEAR(sd(n), 0.1, 0.003);
    // Truncated at the key's own range [0, 1] and at a given max: nothing outside.
    const auto t = samples(
        "[cohort.initial.blast_fraction]\ndistribution = \"normal\"\nmean = 0.9\nsd = 0.3\n"
        "max = 0.95\n",
        kSamples);
    EXPECT_GE(*std::min_element(t.begin(), t.end()), 0.0);
    EXPECT_LE(*std::max_element(t.begin(), t.end()), 0.95);
    EXPECT_LT(mean(t), 0.9);  // the upper tail is cut
    auto ln = samples(
        "[cohort.blasts.cd19_median_molecules]\ndistribution = \"lognormal\"\nmedian = 15000\n"
        "log_sd = 0.7\n",
        kSamples);
    for (double& x : ln) x = std::log(x);
    EXPECT_NEAR(mean(ln), std::log(15000.0), 0.02);
    EXPECT_NEAR(sd(ln), 0.7, 0.02);
    const auto lt = samples(
        "[cohort.car_t.product_fitness]\ndistribution = \"lognormal\"\nmedian = 1\nlog_sd = 1\n"
        "min = 0.5\nmax = 2\n",
        2000);
    EXPECT_GE(*std::min_element(lt.begin(), lt.end()), 0.5);
    EXPECT_LE(*std::max_element(lt.begin(), lt.end()), 2.0);
}

TEST(Cohort, BernoulliChoiceAndIntegers) {
    const auto b = samples(
        "[cohort.car_t.lymphodepletion]\ndistribution = \"bernoulli\"\np = 0.3\n", kSamples);
    EXPECT_NEAR(mean(b), 0.3, 0.015);
    const auto c = samples(
        "[cohort.car_t.dose_cells]\ndistribution = \"choice\"\nvalues = [1e7, 1e8]\n"
        "weights = [3, 1]\n",
        kSamples);
    EXPECT_NEAR(static_cast<double>(std::count(c.begin(), c.end(), 1e7)) / kSamples, 0.75, 0.015);
    const Scenario scenario = load(
        "[cohort]\npatients = 1\n[cohort.car_t.costimulation]\ndistribution = \"choice\"\n"
        "values = [\"4-1BB\", \"CD28\"]\n");
    const CohortDistribution& d = scenario.cohort->distributions.at(0);
    int cd28 = 0;
    for (std::uint64_t p = 0; p < 1000; ++p) {
        cd28 += sample_value(d, table().at(d.key), 3, p) == ParameterValue(std::string("CD28"));
    }
    EXPECT_NEAR(cd28, 500, 60);
    const auto i =
        samples("[cohort.space.nx]\ndistribution = \"uniform\"\nmin = 10\nmax = 20\n", 1000);
    for (const double x : i) EXPECT_EQ(x, std::round(x));
    EXPECT_EQ(*std::min_element(i.begin(), i.end()), 10.0);
    EXPECT_EQ(*std::max_element(i.begin(), i.end()), 20.0);
}

TEST(Cohort, APatientsValuesDependOnlyOnSeedPatientAndKey) {
    const std::string one =
        "[cohort]\npatients = 5\n"
        "[cohort.car_t.dose_cells]\ndistribution = \"loguniform\"\nmin = 1e7\nmax = 1e9\n";
    const std::string two = one +
                            "[cohort.initial.blast_fraction]\ndistribution = \"uniform\"\n"
                            "min = 0.1\nmax = 0.9\n";
    const Scenario a = load(one);
    const Scenario b = load(two);
    for (std::uint64_t p = 0; p < 5; ++p) {
        const auto va = sample_patient(*a.cohort, table(), 42, p);
        const auto vb = sample_patient(*b.cohort, table(), 42, p);
        EXPECT_EQ(va[0].value, vb[0].value) << "adding a key changed another key's values";
        EXPECT_EQ(va[0].value, sample_patient(*a.cohort, table(), 42, p)[0].value);
        EXPECT_NE(va[0].value, sample_patient(*a.cohort, table(), 43, p)[0].value);
    }
    EXPECT_NE(sample_patient(*a.cohort, table(), 42, 0)[0].value,
              sample_patient(*a.cohort, table(), 42, 1)[0].value);
}

TEST(Cohort, BadSectionsNameTheKeyAndRange) {
    const std::string head = "[cohort]\npatients = 3\n";
    EXPECT_NE(error_of("[cohort]\n[cohort.car_t.dose_cells]\ndistribution = \"uniform\"\n"
                       "min = 1\nmax = 2\n")
                  .find("patients"),
              std::string::npos);
    EXPECT_NE(error_of(head + "[cohort.car_t.dose_cell]\ndistribution = \"uniform\"\nmin = 1\n"
                              "max = 2\n")
                  .find("did you mean car_t.dose_cells?"),
              std::string::npos);
    const std::string outside = error_of(
        head + "[cohort.initial.blast_fraction]\ndistribution = \"uniform\"\nmin = 0.1\nmax = 2\n");
    EXPECT_NE(outside.find("cohort.initial.blast_fraction: max = 2 is outside the allowed range "
                           "[0, 1]"),
              std::string::npos)
        << outside;
    EXPECT_NE(error_of(head + "[cohort.car_t.dose_cells]\ndistribution = \"uniform\"\nmin = 5\n"
                              "max = 2\n")
                  .find("min = 5 is above max = 2"),
              std::string::npos);
    EXPECT_NE(error_of(head + "[cohort.car_t.dose_cells]\ndistribution = \"loguniform\"\n"
                              "min = 0\nmax = 2\n")
                  .find("loguniform needs min > 0"),
              std::string::npos);
    EXPECT_NE(error_of(head + "[cohort.car_t.dose_cells]\ndistribution = \"bernoulli\"\np = 0.5\n")
                  .find("bernoulli needs a boolean parameter"),
              std::string::npos);
    EXPECT_NE(error_of(head + "[cohort.car_t.lymphodepletion]\ndistribution = \"normal\"\n"
                              "mean = 1\nsd = 1\n")
                  .find("needs a real or integer parameter"),
              std::string::npos);
    EXPECT_NE(error_of(head + "[cohort.car_t.dose_cells]\ndistribution = \"gamma\"\n")
                  .find("distribution must be one of"),
              std::string::npos);
    EXPECT_NE(error_of(head + "[cohort.car_t.dose_cells]\ndistribution = \"uniform\"\nmin = 1\n"
                              "max = 2\nmode = 1\n")
                  .find("unknown field mode"),
              std::string::npos);
    EXPECT_NE(error_of(head + "[cohort.car_t.dose_cells]\ndistribution = \"normal\"\nmean = 1\n")
                  .find("needs a finite number sd"),
              std::string::npos);
    EXPECT_NE(error_of(head + "[cohort.run.seed]\ndistribution = \"uniform\"\nmin = 1\nmax = 2\n")
                  .find("derived"),
              std::string::npos);
    EXPECT_NE(error_of(head + "[cohort.\"car_t.dose_cells\"]\ndistribution = \"uniform\"\n"
                              "min = 1\nmax = 2\n")
                  .find("holds parameter keys like"),
              std::string::npos);
    EXPECT_NE(error_of(head + "[cohort.car_t.costimulation]\ndistribution = \"choice\"\n"
                              "values = [\"4-1BB\", \"CD8\"]\n")
                  .find("CD8"),
              std::string::npos);
}

TEST(Cohort, TheShippedCohortScenarioLoads) {
    const Scenario scenario = load_scenario_file(
        std::filesystem::path(CARTSIM_SOURCE_DIR) / "scenarios" / "cohort_rr_ball.toml", table());
    ASSERT_TRUE(scenario.cohort);
    EXPECT_EQ(scenario.cohort->patients, 100);
    EXPECT_EQ(scenario.cohort->distributions.size(), 14U);
    // Every patient's parameters convert (cross-checks included).
    for (std::uint64_t p = 0; p < 100; ++p) {
        Scenario patient = scenario;
        for (const SampledValue& v : sample_patient(*scenario.cohort, table(), 1, p)) {
            patient.values.assign(table().at(v.key), v.value, ValueSource::set_option, "--set");
        }
        EXPECT_NO_THROW(to_model_parameters(patient));
    }
}

}  // namespace
}  // namespace cartsim::scenarios
