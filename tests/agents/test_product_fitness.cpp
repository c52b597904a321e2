// car_t.product_fitness (a patient-level multiplier of CAR-T division and 1 / exhaustion, used
// by virtual cohorts) has its intended emergent effect: a fitter product expands more and
// accumulates less exhaustion against the same antigen. The product's CD4:CD8 composition
// (agents/car_t/composition.hpp) shapes expansion and clearance in whole patients.

#include <gtest/gtest.h>

#include "agents/car_t/composition.hpp"
#include "agents/marrow_model.hpp"
#include "engine/parallelism.hpp"
#include "model_fixtures.hpp"
#include "patient_runs.hpp"

namespace cartsim::agents {
namespace {

struct Outcome {
    double cells = 0.0;
    double mean_exhaustion = 0.0;  ///< over the CAR-T cells in marrow
};

// A 40 x 40 marrow full of unkillable CD19-high blasts with 40 effector CAR-T cells: every cell
// keeps finding antigen, so division and exhaustion run at their full rates for two days.
Outcome expand(double fitness) {
    Parameters p = testing::empty_marrow(40, 40, 1);
    ProductParameters& product = p.car_t.product_41bb;
    product.kill_probability = 0.0;
    product.effector_death_per_day = 0.0;
    product.exhausted_death_per_day = 0.0;
    product.exhaustion_per_engaged_hour = 0.015;
    product.exhaustion_recovery_per_day = 0.0;
    p.car_t.product_fitness = fitness;
    Outcome outcome;
    engine::run_with_threads(1, [&] {
        MarrowModel model(p);
        for (std::int32_t y = 0; y < p.space.ny; ++y) {
            for (std::int32_t x = 0; x < p.space.nx; ++x) {
                const engine::SiteIndex site = model.lattice().site_of({x, y, 0});
                model.add_tissue_cell(site, TissueColumns::Row{TissueKind::blast, 0, 1e6F, 0.0F});
                if (x % 6 == 3 && y % 6 == 3) {
                    CarTColumns::Row cell;
                    cell.state = CarTState::effector;
                    model.add_car_t_cell(site, cell);
                }
            }
        }
        const int steps = 2 * 1440;
        for (int s = 0; s < steps; ++s) model.step();
        const Observables o = model.observe();
        outcome.cells = o.cart_marrow + o.cart_blood;
        const auto& cells = model.car_t();
        double sum = 0.0;
        double count = 0.0;
        for (engine::AgentSlot slot = 0; slot < cells.slot_count(); ++slot) {
            if (!cells.alive(slot)) continue;
            sum += cells.columns().exhaustion[slot];
            count += 1.0;
        }
        outcome.mean_exhaustion = sum / count;
    });
    return outcome;
}

TEST(ProductFitness, FitterProductExpandsMoreAndExhaustsLess) {
    const Outcome weak = expand(0.5);
    const Outcome standard = expand(1.0);
    const Outcome fit = expand(2.0);
    EXPECT_LT(weak.cells, standard.cells);
    EXPECT_LT(standard.cells, fit.cells);
    EXPECT_GT(fit.cells, 2.0 * weak.cells);
    EXPECT_GT(weak.mean_exhaustion, standard.mean_exhaustion);
    EXPECT_GT(standard.mean_exhaustion, fit.mean_exhaustion);
}

// Verification: the 1:1 product is the parameter set as given; the scales move the right way.
TEST(ProductComposition, TheOneToOneProductIsTheParameterSet) {
    CarTParameters car_t;
    EXPECT_DOUBLE_EQ(composition_kill_scale(car_t), 1.0);
    EXPECT_DOUBLE_EQ(composition_help(car_t), 1.0);
    EXPECT_DOUBLE_EQ(infused_product(car_t).per_cell.kill_probability,
                     car_t.product().kill_probability);
    car_t.cd4_fraction = 0.0;
    EXPECT_GT(composition_kill_scale(car_t), 1.0);
    EXPECT_NEAR(composition_help(car_t), 1.0 - car_t.cd8_help_dependence, 1e-12);
    car_t.cd4_fraction = 1.0;
    EXPECT_LT(composition_kill_scale(car_t), 1.0);
    EXPECT_DOUBLE_EQ(composition_help(car_t), 1.0) << "help saturates";
}

struct PatientCourse {
    double cart_auc = 0.0;   ///< blood CAR-T per uL x days, days 1-28
    double blast_auc = 0.0;  ///< marrow blast fraction x days
};

PatientCourse course(double cd4_fraction, std::uint64_t seed) {
    Parameters p = testing::small_window_patient(24, seed);
    p.initial.blast_fraction = 0.5;
    p.car_t.cd4_fraction = cd4_fraction;
    PatientCourse c;
    const auto obs = testing::daily_observations(p, 28);
    for (std::size_t d = 1; d < obs.size(); ++d) {
        c.cart_auc += obs[d].cart_blood_per_ul;
        c.blast_auc += obs[d].patient_blast_fraction;
    }
    return c;
}

// Emergent in whole patients: without CD4 help the CAR-T cells expand less and clear the
// leukemia more slowly (Sommermeyer et al., Leukemia 2016); an all-CD4 product kills more slowly
// per cell, so the leukemia lingers longer than with the 1:1 product (Turtle et al., J Clin
// Invest 2016).
TEST(ProductComposition, CompositionShapesExpansionAndClearance) {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        const PatientCourse cd8_only = course(0.0, seed);
        const PatientCourse balanced = course(0.5, seed);
        const PatientCourse cd4_only = course(1.0, seed);
        EXPECT_LT(cd8_only.cart_auc, 0.5 * balanced.cart_auc) << "seed " << seed;
        EXPECT_GT(cd8_only.blast_auc, balanced.blast_auc) << "seed " << seed;
        EXPECT_GT(cd4_only.blast_auc, balanced.blast_auc) << "seed " << seed;
    }
}

}  // namespace
}  // namespace cartsim::agents
