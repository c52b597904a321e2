// CAR-T cell fates (issue 14): state kept through blood, graded exhaustion, the four phases of
// blood kinetics with memory carrying the last, and the product difference of 4-1BB and CD28.
// Emergent behaviour of whole-patient runs, not re-read constants.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

#include "agents/marrow_model.hpp"
#include "engine/parallelism.hpp"
#include "model_fixtures.hpp"
#include "patient_runs.hpp"

namespace cartsim::agents {
namespace {

using testing::daily_observations;
using testing::small_window_patient;

// A marrow of vessel sites only, so every CAR-T cell stands on a vessel.
Parameters all_vessels() {
    Parameters p = testing::empty_marrow(8, 8, 1);
    p.space.vessel_fraction = 1.0;
    return p;
}

TEST(CarTFates, ACellLeavingForBloodKeepsItsStateAndExhaustionLevel) {
    Parameters p = all_vessels();
    p.car_t.marrow_to_blood_per_day = 1e9;  // leaves at its first chance
    p.car_t.blood_to_marrow_per_day = 0.0;  // and stays in blood
    p.car_t.blood_to_lymphoid_per_day = 0.0;
    engine::run_with_threads(1, [&] {
        MarrowModel model(p);
        CarTColumns::Row cell;
        cell.state = CarTState::memory;
        cell.exhaustion = 0.4F;         // level 3 of 8
        cell.exhaustion_fixed = 0.26F;  // fixed level 33 of 128 (0.2578-0.2656)
        model.add_car_t_cell(model.lattice().site_of({4, 4, 0}), cell);
        model.step();
        EXPECT_EQ(model.car_t().live_count(), 0U);
        EXPECT_EQ(model.blood().at(CarTState::memory, 3, 33), 1U);
        EXPECT_EQ(model.blood().total(), 1U);
    });
}

TEST(CarTFates, ACellEnteringFromBloodComesBackWithItsStateAndExhaustion) {
    Parameters p = all_vessels();
    p.car_t.blood_to_marrow_per_day = 1e18;  // the window's share enters at once
    engine::run_with_threads(1, [&] {
        MarrowModel model(p);
        CarTPool blood;
        blood.at(CarTState::effector, 3, 9) = 1;  // fixed part 9.5 / 128
        model.set_blood(blood);
        model.step();
        ASSERT_EQ(model.car_t().live_count(), 1U);
        const auto& cells = model.car_t();
        for (engine::AgentSlot slot = 0; slot < cells.slot_count(); ++slot) {
            if (!cells.alive(slot)) continue;
            EXPECT_EQ(cells.columns().state[slot], CarTState::effector);
            // The level's middle, less the few seconds of recovery of its first step.
            EXPECT_NEAR(cells.columns().exhaustion[slot], 3.5F / kExhaustionLevels, 1e-4);
            EXPECT_FLOAT_EQ(cells.columns().exhaustion_fixed[slot], 9.5F / kFixedLevels);
        }
    });
}

double total_car_t(const Observables& o) {
    return o.cart_resting + o.cart_effector + o.cart_memory + o.cart_exhausted;
}

// The four phases of clinical cellular kinetics (Stein et al., CPT:PSP 2019; Mueller et al.,
// Blood 2017): blood levels fall right after infusion (distribution), rise to a peak
// (expansion), fall from it (contraction) and level off, with memory cells a growing share.
TEST(CarTFates, BloodKineticsShowDistributionExpansionContractionAndMemoryPersistence) {
    const std::vector<Observables> run = daily_observations(small_window_patient(24, 3), 120);
    const double infused = run[0].cart_blood_per_ul;
    const auto peak = std::max_element(run.begin(), run.end(), [](const auto& a, const auto& b) {
        return a.cart_blood_per_ul < b.cart_blood_per_ul;
    });
    const auto peak_day = static_cast<int>(peak - run.begin());
    double trough = infused;
    for (int d = 1; d < peak_day; ++d) trough = std::min(trough, run[d].cart_blood_per_ul);
    EXPECT_LT(trough, 0.2 * infused) << "distribution: blood levels fall after infusion";
    EXPECT_GT(peak_day, 3);
    EXPECT_GT(peak->cart_blood_per_ul, 10.0 * trough) << "expansion from the trough";
    EXPECT_LT(run[120].cart_blood_per_ul, 0.5 * peak->cart_blood_per_ul) << "contraction";
    EXPECT_GT(run[120].cart_blood_per_ul, 0.0) << "persistence";
    const double memory_share_at_peak = peak->cart_memory / total_car_t(*peak);
    const double memory_share_late = run[120].cart_memory / total_car_t(run[120]);
    EXPECT_GT(memory_share_late, 2.0 * memory_share_at_peak);
}

// Exhaustion is graded (Good et al., Cell 2021): each halving of the exhaustion rate changes
// the outcome, in one direction, with no threshold below which nothing happens.
TEST(CarTFates, HalvingTheExhaustionRateChangesOutcomesMonotonically) {
    std::vector<double> left;  // blasts left at day 14 (mean log10 over seeds)
    for (const double rate : {0.008, 0.004, 0.002, 0.001}) {
        double sum = 0.0;
        for (const std::uint64_t seed : {1, 2}) {
            Parameters p = small_window_patient(16, seed);
            p.car_t.product_41bb.exhaustion_per_engaged_hour = rate;
            const Observables day_14 = daily_observations(p, 14).back();
            sum += std::log10(std::max(day_14.patient_blasts, 1.0)) / 2.0;
        }
        left.push_back(sum);
        std::printf("exhaustion %.4f/h: log10 blasts at day 14 %.3f\n", rate, sum);
    }
    // Less exhaustion leaves fewer blasts, by a clear margin at every halving.
    for (std::size_t i = 1; i < left.size(); ++i) {
        EXPECT_LT(left[i], left[i - 1] - 0.05) << "halving " << i;
    }
}

struct Persistence {
    double car_t_day_90 = 0.0;  ///< cells/uL in blood
    double b_cells_day_90 = 0.0;
};

Persistence persistence(Costimulation costimulation) {
    Persistence out;
    for (const std::uint64_t seed : {1, 2, 3}) {
        Parameters p = small_window_patient(16, seed);
        p.car_t.costimulation = costimulation;
        const Observables day_90 = daily_observations(p, 90).back();
        out.car_t_day_90 += day_90.cart_blood_per_ul / 3.0;
        out.b_cells_day_90 += day_90.patient_b_cells / 3.0;
    }
    return out;
}

// CD28 products persist for weeks, 4-1BB products for months to years (Wang et al., Blood 2016;
// Kawalekar et al., Immunity 2016): less CAR-T in blood and more B cells back at day 90.
TEST(CarTFates, Cd28PersistsShorterAndLetsBCellsRecoverEarlierThan41BB) {
    const Persistence four_1bb = persistence(Costimulation::four_1bb);
    const Persistence cd28 = persistence(Costimulation::cd28);
    std::printf("day 90: CAR-T %.3g vs %.3g cells/uL, B cells %.3g vs %.3g (4-1BB vs CD28)\n",
                four_1bb.car_t_day_90, cd28.car_t_day_90, four_1bb.b_cells_day_90,
                cd28.b_cells_day_90);
    EXPECT_LT(cd28.car_t_day_90, 0.5 * four_1bb.car_t_day_90);
    EXPECT_GT(cd28.b_cells_day_90, 2.0 * four_1bb.b_cells_day_90);
}

}  // namespace
}  // namespace cartsim::agents
