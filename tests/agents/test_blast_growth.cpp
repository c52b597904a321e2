// (b) Untreated blasts with free space grow at the configured net rate (birth - apoptosis).

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "agents/marrow_model.hpp"
#include "engine/parallelism.hpp"
#include "model_fixtures.hpp"

namespace cartsim::agents {
namespace {

/// Least-squares slope of ln(count) against time.
double log_growth_rate(const std::vector<double>& days, const std::vector<double>& counts) {
    double st = 0, sy = 0, stt = 0, sty = 0;
    const auto n = static_cast<double>(days.size());
    for (std::size_t i = 0; i < days.size(); ++i) {
        const double y = std::log(counts[i]);
        st += days[i];
        sy += y;
        stt += days[i] * days[i];
        sty += days[i] * y;
    }
    return (n * sty - st * sy) / (n * stt - st * st);
}

double measured_rate(double birth, double death, std::int32_t nz) {
    Parameters p = testing::empty_marrow(nz == 1 ? 400 : 60, nz == 1 ? 400 : 60, nz);
    p.blasts.birth_rate_per_day = birth;
    p.blasts.death_rate_per_day = death;
    p.initial.cellularity = 0.01;  // sparse seeds: division almost always finds a free site
    p.initial.blast_fraction = 1.0;
    p.initial.b_cell_fraction = 0.0;
    std::vector<double> days;
    std::vector<double> counts;
    engine::run_with_threads(2, [&] {
        MarrowModel model(p);
        const auto steps_per_day = static_cast<int>(std::lround(1.0 / model.fine_step_days()));
        for (int day = 0; day <= 20; ++day) {
            const Observables o = model.observe();
            days.push_back(o.time_days);
            counts.push_back(o.blasts);
            for (int s = 0; s < steps_per_day; ++s) model.step();
        }
    });
    EXPECT_GT(counts.front(), 1000.0);
    return log_growth_rate(days, counts);
}

TEST(BlastGrowth, UntreatedBlastsGrowAtTheConfiguredNetRate2D) {
    const double rate = measured_rate(0.105, 0.04, 1);
    EXPECT_NEAR(rate, 0.065, 0.1 * 0.065);
}

TEST(BlastGrowth, UntreatedBlastsGrowAtTheConfiguredNetRate3D) {
    const double rate = measured_rate(0.2, 0.05, 60);
    EXPECT_NEAR(rate, 0.15, 0.1 * 0.15);
}

TEST(BlastGrowth, ContactInhibitionStopsGrowthInAFullMarrow) {
    Parameters p = testing::empty_marrow(100, 100, 1);
    p.blasts.birth_rate_per_day = 0.5;
    p.blasts.displace_marrow_cells = false;
    p.initial.cellularity = 1.0;
    p.initial.blast_fraction = 0.3;
    p.initial.b_cell_fraction = 0.0;
    engine::run_with_threads(2, [&] {
        MarrowModel model(p);
        const double before = model.observe().blasts;
        for (int s = 0; s < 5 * 1440; ++s) model.step();
        EXPECT_EQ(model.observe().blasts, before);  // no free site, no death: no change
    });
}

}  // namespace
}  // namespace cartsim::agents
