// Patient scale (issue 14): the lattice is a window on whole-patient compartments. The rest of
// the marrow follows the mean-field form of the lattice rules, rare clones are counted in the
// patient, and the window's size changes noise, not the answer.

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "agents/marrow_model.hpp"
#include "engine/parallelism.hpp"
#include "patient_runs.hpp"

namespace cartsim::agents {
namespace {

using testing::daily_observations;
using testing::small_window_patient;

// Sites of the patient's marrow outside the window, and of those the tissue sites.
double rest_tissue_sites(const Parameters& p) {
    const double site_ml = std::pow(p.space.site_edge_um, 3) * 1e-12;
    const double window_sites = static_cast<double>(p.space.nx) * p.space.ny * p.space.nz;
    const double patient_sites = p.space.total_marrow_volume_ml / site_ml;
    return (patient_sites - window_sites) * (1.0 - p.space.vessel_fraction);
}

// Untreated, the rest of the marrow's blasts follow dN/dt = (b (1 - (N + B) / S) - d) N, the
// mean field of division into free sites (docs/MODEL.md "Patient scale"); with ~1e11 cells the
// binomial draws leave them within 0.1% of it.
TEST(PatientScale, RestOfMarrowBlastsFollowTheMeanFieldGrowthLaw) {
    Parameters p = small_window_patient(8, 5);
    p.car_t.dose_cells = 0.0;
    p.initial.blast_fraction = 0.2;
    p.initial.lymphoid_blast_share = 0.0;  // no seeding from spleen and nodes: the marrow's law
    const std::vector<Observables> run = daily_observations(p, 20);
    const double sites = rest_tissue_sites(p);
    const double b = p.blasts.birth_rate_per_day;
    const double d = p.blasts.death_rate_per_day;
    // The window's blasts are a ~1e-9 share: the patient count is the rest's.
    double n = run[0].patient_blasts;
    const double dt = 1.0 / 24.0;  // the compartment's tick
    for (int day = 1; day <= 20; ++day) {
        for (int tick = 0; tick < 24; ++tick) {
            const double crowding = 1.0 - (n + run[day - 1].patient_b_cells) / sites;
            // One tick: deaths, then divisions of the survivors (the compartment's order).
            const double survivors = n * std::exp(-d * dt);
            n = survivors * (1.0 + (1.0 - std::exp(-b * crowding * dt)));
        }
        EXPECT_NEAR(run[day].patient_blasts / n, 1.0, 1e-3) << "day " << day;
    }
    EXPECT_GT(run[20].patient_blasts, 1.5 * run[0].patient_blasts);
}

// A clone of 1e-8 of the blasts is ~2,400 cells in the patient whatever the window: it exists
// in an 8 x 8 window (which holds about 25 blasts) as in a 64 x 64 one.
TEST(PatientScale, RareClonesAreCountedInThePatientNotInTheWindow) {
    for (const std::int32_t edge : {8, 64}) {
        Parameters p = small_window_patient(edge, 7);
        p.car_t.dose_cells = 0.0;
        p.initial.cd19_negative_blast_fraction = 1e-8;
        engine::run_with_threads(1, [&] {
            MarrowModel model(p);
            const Observables o = model.observe();
            const double expected = 1e-8 * o.patient_blasts;
            EXPECT_NEAR(o.patient_blasts_cd19_negative, expected, 5.0 * std::sqrt(expected))
                << "window " << edge;
            EXPECT_GT(expected, 1000.0);
        });
    }
}

// The same patients on windows of 16^2, 32^2 and 64^2 sites (a 16-fold range of area) reach the
// same patient-scale response: blast fraction at day 21 within a factor 2 (the response spans
// 11 orders of magnitude, so a window that mattered would show), CAR-T peak within 10%.
TEST(PatientScale, TheWindowsSizeChangesNoiseNotTheAnswer) {
    struct Outcome {
        double log10_blasts_day_21 = 0.0;
        double peak_per_ul = 0.0;
    };
    std::vector<Outcome> by_size;
    for (const std::int32_t edge : {16, 32, 64}) {
        Outcome mean;
        for (const std::uint64_t seed : {11, 12}) {
            const std::vector<Observables> run =
                daily_observations(small_window_patient(edge, seed), 21);
            mean.log10_blasts_day_21 +=
                std::log10(std::max(run[21].patient_blast_fraction, 1e-13)) / 2.0;
            double peak = 0.0;
            for (const Observables& o : run) peak = std::max(peak, o.cart_blood_per_ul);
            mean.peak_per_ul += peak / 2.0;
        }
        by_size.push_back(mean);
    }
    for (std::size_t i = 1; i < by_size.size(); ++i) {
        EXPECT_NEAR(by_size[i].log10_blasts_day_21, by_size[0].log10_blasts_day_21,
                    std::log10(2.0));
        EXPECT_NEAR(by_size[i].peak_per_ul / by_size[0].peak_per_ul, 1.0, 0.1);
    }
    EXPECT_LT(by_size[0].log10_blasts_day_21, -2.0) << "the default patient responds";
}

// A damaged checkpoint with too many cells in the last bin of a pool (terminally exhausted, top
// levels) is refused naming that bin (found by the checkpoint fuzzer: the message once indexed
// the state labels by bin).
TEST(PatientScale, ARestoredPoolWithTooManyCellsIsRefusedNamingItsBin) {
    Parameters p = small_window_patient(8, 1);
    engine::run_with_threads(1, [&] {
        MarrowModel model(p);
        engine::SavedState state = model.save_state();
        MarrowModel damaged(p);
        CarTPool blood;
        blood.count[CarTPool::kBins - 1] = 1ULL << 60;
        damaged.set_blood(blood);
        state = damaged.save_state();
        try {
            model.restore_state(state);
            FAIL() << "restore accepted 2^60 cells";
        } catch (const std::invalid_argument& error) {
            EXPECT_NE(std::string(error.what())
                          .find("state 3 (exhausted), exhaustion level 7, "
                                "fixed level 127"),
                      std::string::npos)
                << error.what();
        }
    });
}

// A damaged checkpoint with a cell whose fixed part lies above its score's level is refused.
TEST(PatientScale, ARestoredPoolWithAFixedPartAboveItsLevelIsRefused) {
    Parameters p = small_window_patient(8, 1);
    engine::run_with_threads(1, [&] {
        MarrowModel model(p);
        MarrowModel damaged(p);
        CarTPool blood;
        blood.at(CarTState::effector, 2, max_fixed_level(2) + 1) = 5;
        damaged.set_blood(blood);
        try {
            model.restore_state(damaged.save_state());
            FAIL() << "restore accepted a fixed part above its level";
        } catch (const std::invalid_argument& error) {
            EXPECT_NE(std::string(error.what()).find("blood_car_t"), std::string::npos)
                << error.what();
            EXPECT_NE(std::string(error.what()).find("exhaustion level 2, fixed level 48"),
                      std::string::npos)
                << error.what();
        }
    });
}

}  // namespace
}  // namespace cartsim::agents
