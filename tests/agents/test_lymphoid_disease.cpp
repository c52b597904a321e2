// Leukemia in spleen and lymph nodes (issue 15): blasts there grow by the mean field of the
// marrow's rules in their own room and seed the marrow; the lymphoid CAR-T cells, most of the
// infused cells within hours, meet them at once, so expansion and CRS start earlier, and more so
// with more disease.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "agents/marrow_model.hpp"
#include "patient_runs.hpp"
#include "tests/support/rank_correlation.hpp"

namespace cartsim::agents {
namespace {

using testing::daily_observations;
using testing::small_window_patient;
using testing::tick_observations;
using testing::withhold_toxicity_treatment;

double lymphoid_sites(const Parameters& p) {
    return p.space.lymphoid_volume_ml / (std::pow(p.space.site_edge_um, 3) * 1e-12);
}

// Without CAR-T cells the lymphoid blasts follow dN/dt = (b (1 - N / L) - d - s) N: division
// into the room of spleen and nodes (L sites), death, and seeding of the marrow at s.
TEST(LymphoidDisease, UntreatedBlastsFollowTheMeanFieldGrowthLawAndSeedTheMarrow) {
    Parameters p = small_window_patient(8, 11);
    p.car_t.dose_cells = 0.0;
    p.initial.blast_fraction = 0.3;
    p.initial.lymphoid_blast_share = 0.1;
    const std::vector<Observables> run = daily_observations(p, 20);
    const double room = lymphoid_sites(p);
    const double b = p.blasts.birth_rate_per_day;
    const double d = p.blasts.death_rate_per_day;
    const double s = p.blasts.lymphoid_to_marrow_per_day;
    double n = run[0].lymphoid_blasts;
    EXPECT_NEAR(n / (0.1 * run[0].patient_blasts), 1.0, 1e-3);
    const double dt = 1.0 / 24.0;  // the compartment's tick
    for (int day = 1; day <= 20; ++day) {
        for (int tick = 0; tick < 24; ++tick) {
            const double crowding = 1.0 - n / room;
            const double survivors = n * std::exp(-d * dt);
            n = survivors * (1.0 + (1.0 - std::exp(-b * crowding * dt))) * std::exp(-s * dt);
        }
        EXPECT_NEAR(run[day].lymphoid_blasts / n, 1.0, 1e-3) << "day " << day;
    }
    // Seeding: the same patient without lymphoid disease has fewer marrow blasts by day 20.
    p.initial.lymphoid_blast_share = 0.0;
    const std::vector<Observables> without = daily_observations(p, 20);
    EXPECT_EQ(without[20].lymphoid_blasts, 0.0);
    EXPECT_GT(run[20].patient_blasts, without[20].patient_blasts * 1.001);
}

double crs_onset_day(const std::vector<Observables>& run) {
    for (const Observables& o : run) {
        if (o.crs_grade >= 1.0) return o.time_days;
    }
    return std::numeric_limits<double>::infinity();
}

// The same patients with and without lymphoid disease: with it the CAR-T cells engage on day 1
// (they are in spleen and nodes within hours), expand sooner, clear the lymphoid blasts, and
// CRS starts earlier. Onset comes earlier with more lymphoid disease (Hay et al., Blood 2017:
// early fever in high-burden patients).
TEST(LymphoidDisease, ExpansionAndCrsStartEarlierTheMoreDiseaseThereIs) {
    std::vector<double> share_of_run;
    std::vector<double> onset_of_run;
    int earlier = 0;
    int pairs = 0;
    for (const std::uint64_t seed : {3U, 4U}) {
        for (const double burden : {0.3, 0.7}) {
            Parameters p = small_window_patient(16, seed);
            withhold_toxicity_treatment(p);
            p.initial.blast_fraction = burden;
            p.initial.lymphoid_blast_share = 0.0;
            // Hourly records: onsets a few hours apart must not tie on a daily grid.
            const std::vector<Observables> none = tick_observations(p, 14);
            const auto ticks_per_day = static_cast<std::size_t>(1440.0 / p.time.fine_step_min /
                                                                p.time.tissue_period_steps);
            for (const double share : {0.02, 0.1, 0.3}) {
                p.initial.lymphoid_blast_share = share;
                const std::vector<Observables> run = tick_observations(p, 14);
                const std::size_t day1 = ticks_per_day;
                const std::size_t day14 = 14 * ticks_per_day;
                EXPECT_GT(run[day1].patient_cart_engaged, 2.0 * none[day1].patient_cart_engaged)
                    << "seed " << seed << " burden " << burden << " share " << share;
                EXPECT_LT(run[day14].lymphoid_blasts, 1e-3 * run[0].lymphoid_blasts)
                    << "seed " << seed << " burden " << burden << " share " << share;
                const double onset = crs_onset_day(run);
                ASSERT_TRUE(std::isfinite(onset));
                earlier += onset < crs_onset_day(none) ? 1 : 0;
                ++pairs;
                share_of_run.push_back(share * burden);  // lymphoid blasts ~ share x marrow's
                onset_of_run.push_back(onset);
            }
        }
    }
    EXPECT_EQ(earlier, pairs);
    const cartsim::testing::RankCorrelation rho =
        cartsim::testing::spearman(share_of_run, onset_of_run);
    EXPECT_LT(rho.high, 0.0) << "rho " << rho.rho << " (" << rho.low << ", " << rho.high << ")";
}

}  // namespace
}  // namespace cartsim::agents
