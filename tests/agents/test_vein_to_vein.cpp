// The vein-to-vein interval (docs/MODEL.md "Vein-to-vein interval"): the marrow at infusion is
// the untreated patient's after the interval.

#include <gtest/gtest.h>

#include <vector>

#include "agents/patient/vein_to_vein.hpp"
#include "patient_runs.hpp"

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

}  // namespace
}  // namespace cartsim::agents
