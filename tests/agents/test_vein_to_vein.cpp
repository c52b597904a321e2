// The vein-to-vein interval (docs/MODEL.md "Vein-to-vein interval"): the marrow at infusion is
// the untreated patient's after the interval, and through the burden it brings the interval
// raises the severity of CRS.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <vector>

#include "agents/patient/vein_to_vein.hpp"
#include "patient_runs.hpp"
#include "tests/support/rank_correlation.hpp"

namespace cartsim::agents {
namespace {

using testing::daily_observations;
using testing::small_window_patient;

// Starting a run after a 30-day interval gives the burden an untreated run (the stochastic
// patient phase, ~1e11 cells) reaches on day 30 from the same apheresis marrow.
TEST(VeinToVein, TheMarrowAtInfusionIsTheUntreatedPatientsAfterTheInterval) {
    Parameters untreated = small_window_patient(8, 3);
    untreated.car_t.dose_cells = 0.0;
    untreated.initial.blast_fraction = 0.2;
    // The interval follows the marrow's own law; seeding from spleen and nodes is left out of it
    // (docs/MODEL.md "Vein-to-vein interval").
    untreated.initial.lymphoid_blast_share = 0.0;
    const std::vector<Observables> grown = daily_observations(untreated, 30);

    Parameters delayed = untreated;
    delayed.initial.vein_to_vein_days = 30.0;
    const std::vector<Observables> infused = daily_observations(delayed, 0);
    ASSERT_FALSE(infused.empty());
    EXPECT_GT(grown.back().patient_blast_fraction, 0.3) << "the leukemia grew";
    EXPECT_NEAR(infused.front().patient_blast_fraction / grown.back().patient_blast_fraction, 1.0,
                0.01);
    EXPECT_NEAR(infused.front().patient_b_cells / grown.back().patient_b_cells, 1.0, 0.01);
}

// Blasts tend to 1 - y - d / b: from the same apheresis burden a fast leukemia arrives with
// more, and a burden above a slow leukemia's equilibrium falls.
TEST(VeinToVein, FastLeukemiasArriveWithMoreBurden) {
    Parameters p;
    p.initial.blast_fraction = 0.3;
    p.initial.vein_to_vein_days = 45.0;
    std::vector<double> at_infusion;
    for (const double birth : {0.05, 0.1, 0.15, 0.2}) {
        p.blasts.birth_rate_per_day = birth;
        at_infusion.push_back(marrow_at_infusion(p).blast_fraction);
    }
    for (std::size_t i = 1; i < at_infusion.size(); ++i) {
        EXPECT_GT(at_infusion[i], at_infusion[i - 1]);
    }
    EXPECT_LT(at_infusion.front(), 0.3) << "above the slow leukemia's equilibrium";
    p.initial.vein_to_vein_days = 0.0;
    EXPECT_EQ(marrow_at_infusion(p).blast_fraction, 0.3);
    EXPECT_EQ(marrow_at_infusion(p).b_cell_fraction, p.initial.b_cell_fraction);
}

struct Toxicity {
    double burden_at_infusion = 0.0;
    double il6_peak = 0.0;
    double crs_max_grade = 0.0;
};

Toxicity untreated_toxicity(double apheresis_burden, double vein_to_vein_days,
                            double leak_susceptibility) {
    Parameters p = small_window_patient(16, 7);
    p.initial.blast_fraction = apheresis_burden;
    p.initial.vein_to_vein_days = vein_to_vein_days;
    p.toxicity.capillary_leak_susceptibility = leak_susceptibility;
    testing::withhold_toxicity_treatment(p);
    const std::vector<Observables> obs = daily_observations(p, 20);
    Toxicity t;
    t.burden_at_infusion = obs.front().patient_blast_fraction;
    for (const Observables& o : obs) {
        t.il6_peak = std::max(t.il6_peak, o.il6_pg_per_ml);
        t.crs_max_grade = std::max(t.crs_max_grade, o.crs_max_grade);
    }
    return t;
}

// A leukemia below its untreated equilibrium grows while the product is made: a longer interval
// brings more burden to infusion and, through it, a higher IL-6 peak and no milder CRS, in
// patients of different vascular susceptibility (Hay et al., Blood 2017: burden at infusion
// predicts severe CRS).
TEST(VeinToVein, ALongerIntervalRaisesBurdenAndCrs) {
    std::vector<double> interval;
    std::vector<double> il6;
    std::vector<double> grade;
    for (const double apheresis_burden : {0.05, 0.2}) {
        for (const double leak : {0.7, 1.0, 1.4}) {
            Toxicity previous;
            for (const double days : {0.0, 20.0, 40.0, 60.0}) {
                const Toxicity t = untreated_toxicity(apheresis_burden, days, leak);
                if (days > 0.0) {
                    EXPECT_GT(t.burden_at_infusion, previous.burden_at_infusion) << days << " d";
                    EXPECT_GT(t.il6_peak, previous.il6_peak) << days << " d";
                    EXPECT_GE(t.crs_max_grade, previous.crs_max_grade) << days << " d";
                }
                interval.push_back(days);
                il6.push_back(t.il6_peak);
                grade.push_back(t.crs_max_grade);
                previous = t;
            }
        }
    }
    const auto grade_trend = cartsim::testing::spearman(interval, grade);
    EXPECT_GT(grade_trend.rho, 0.0);
    EXPECT_GT(cartsim::testing::spearman(interval, il6).low, 0.0);
}

/// The first day with marrow blasts below 5% (complete remission), or 29 when none by day 28.
int cr_day(double apheresis_burden, double vein_to_vein_days, double fitness, std::uint64_t seed) {
    Parameters p = small_window_patient(16, seed);
    p.initial.blast_fraction = apheresis_burden;
    p.initial.vein_to_vein_days = vein_to_vein_days;
    p.car_t.product_fitness = fitness;
    const std::vector<Observables> obs = daily_observations(p, 28);
    for (std::size_t day = 1; day < obs.size(); ++day) {
        if (obs[day].patient_blast_fraction < 0.05) return static_cast<int>(day);
    }
    return 29;
}

// Through the burden it brings, a longer interval makes products of low fitness fail: their
// expansion no longer outpaces the leukemia (Fraietta et al., Nat Med 2018: T-cell fitness
// decides response; fitter products respond after any of these intervals). Patients differ in
// product fitness and seed; each is given the same product after 0, 30 and 60 days. Remission
// comes later the longer the interval, and within a patient a longer interval never turns
// non-response into response.
TEST(VeinToVein, ALongerIntervalRaisesNonResponse) {
    std::vector<double> interval;
    std::vector<double> days_to_cr;
    std::array<int, 3> failures{};
    const std::array<double, 3> intervals = {0.0, 30.0, 60.0};
    for (const double fitness : {0.5, 0.55, 0.6, 0.65}) {
        for (const std::uint64_t seed : {1U, 2U}) {
            bool failed_before = false;
            for (std::size_t i = 0; i < intervals.size(); ++i) {
                const int day = cr_day(0.1, intervals[i], fitness, seed);
                const bool failed = day > 28;
                EXPECT_FALSE(failed_before && !failed)
                    << "fitness " << fitness << ", seed " << seed << ": response after "
                    << intervals[i] << " d but not after a shorter interval";
                failed_before = failed_before || failed;
                interval.push_back(intervals[i]);
                days_to_cr.push_back(day);
                failures[i] += failed ? 1 : 0;
            }
        }
    }
    std::cout << "[ vein-to-vein ] non-responders of 8 at 0 / 30 / 60 d: " << failures[0] << " / "
              << failures[1] << " / " << failures[2] << "\n";
    EXPECT_GT(failures[2], failures[0] + 1);
    EXPECT_GT(cartsim::testing::spearman(interval, days_to_cr).low, 0.0);
}

}  // namespace
}  // namespace cartsim::agents
