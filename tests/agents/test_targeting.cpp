// (d) zero binding never kills; (e) antigen-negative blasts are never killed by a
// single-target product; (f) a dual CD19/CD22 product kills CD19-negative CD22-positive blasts.
// Also: targets that appear during the run (B cells differentiating from marrow cells, blast
// daughters) are found by the CAR-T cells, which read antigen from per-site copies.

#include <gtest/gtest.h>

#include "agents/marrow_model.hpp"
#include "engine/parallelism.hpp"
#include "model_fixtures.hpp"

namespace cartsim::agents {
namespace {

/// A crowded 2-D marrow with blasts, normal B cells and many CAR-T cells entering from blood.
Parameters crowded_with_car_t() {
    Parameters p = testing::empty_marrow(120, 120, 1);
    p.initial.cellularity = 1.0;
    p.initial.blast_fraction = 0.5;
    p.initial.b_cell_fraction = 0.1;
    p.space.vessel_fraction = 0.02;
    p.car_t.dose_cells = 3e11;  // large, so thousands of cells reach this small marrow share
    return p;
}

Observables run_days(const Parameters& p, double days) {
    Observables o;
    engine::run_with_threads(2, [&] {
        MarrowModel model(p);
        const auto steps = static_cast<long>(days / model.fine_step_days());
        for (long s = 0; s < steps; ++s) model.step();
        o = model.observe();
    });
    return o;
}

TEST(Targeting, ZeroBindingNeverKills) {
    Parameters p = crowded_with_car_t();
    p.car_t.product_41bb.bind_probability_max = 0.0;
    const Observables o = run_days(p, 3.0);
    EXPECT_GT(o.cart_marrow, 100.0);  // the cells were there and searching
    EXPECT_EQ(o.kills_blasts, 0.0);
    EXPECT_EQ(o.kills_b_cells, 0.0);
    EXPECT_EQ(o.cart_engaged, 0.0);
}

TEST(Targeting, Cd19NegativeBlastsAreNeverKilledBySingleTargetProduct) {
    Parameters p = crowded_with_car_t();
    p.initial.cd19_negative_blast_fraction = 1.0;
    const Observables o = run_days(p, 3.0);
    EXPECT_EQ(o.kills_blasts, 0.0);
    EXPECT_EQ(o.blasts_cd19_negative, o.blasts);
    EXPECT_GT(o.kills_b_cells, 50.0);  // positive control: CD19+ B cells are killed
}

TEST(Targeting, DualTargetProductKillsCd19NegativeCd22PositiveBlasts) {
    Parameters p = crowded_with_car_t();
    p.initial.cd19_negative_blast_fraction = 1.0;
    p.car_t.targets_cd22 = true;
    const Observables o = run_days(p, 3.0);
    EXPECT_GT(o.kills_blasts, 100.0);
    // And without CD22 there is nothing to see for it either.
    p.initial.cd22_negative_blast_fraction = 1.0;
    const Observables none = run_days(p, 3.0);
    EXPECT_EQ(none.kills_blasts, 0.0);
}

TEST(Targeting, CellsThatBecomeTargetsDuringTheRunAreKilled) {
    // Only marrow cells (no CD19) at the start; CD19+ B cells arise from them by
    // differentiation during the run, and the CAR-T cells must find them.
    Parameters p = crowded_with_car_t();
    p.initial.blast_fraction = 0.0;
    p.initial.b_cell_fraction = 0.0;
    p.b_cells.production_per_day = 2.0;  // per marrow cell: most differentiate within a day
    const Observables o = run_days(p, 3.0);
    EXPECT_GT(o.normal_b_cells + o.kills_b_cells, 1000.0);  // B cells did arise
    EXPECT_GT(o.kills_b_cells, 50.0);
    EXPECT_EQ(o.kills_blasts, 0.0);
}

}  // namespace
}  // namespace cartsim::agents
