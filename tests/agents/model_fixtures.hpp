#pragma once
// Parameter sets for model tests: an empty marrow with nothing happening unless a test turns
// it on, so each test isolates one mechanism; and a busy window for the tests of ranks.

#include "agents/parameters.hpp"

namespace cartsim::agents::testing {

inline Parameters empty_marrow(std::int32_t nx, std::int32_t ny, std::int32_t nz) {
    Parameters p;
    p.space.nx = nx;
    p.space.ny = ny;
    p.space.nz = nz;
    p.space.vessel_fraction = 0.0;
    p.initial.cellularity = 0.0;
    p.car_t.dose_cells = 0.0;
    p.car_t.lymphodepletion = false;
    p.car_t.homeostatic_sensitivity = 0.0;   // division at the product's fitted rate
    p.blasts.marrow_exchange_per_day = 0.0;  // no blasts leave or home into the window
    p.blasts.birth_rate_per_day = 0.0;
    p.blasts.death_rate_per_day = 0.0;
    p.marrow_cells.regeneration_per_day = 0.0;
    p.marrow_cells.death_rate_per_day = 0.0;
    p.b_cells.production_per_day = 0.0;
    p.b_cells.lifetime_days = 1e9;
    return p;
}

/// A product that never tires, never divides, never dies: only binding and killing act.
inline void immortal_killers(ProductParameters& product) {
    product.doubling_time_days = 1e12;
    product.effector_death_per_day = 0.0;
    product.memory_loss_per_day = 0.0;
    product.exhausted_death_per_day = 0.0;
    product.exhaustion_per_engaged_hour = 0.0;
    product.car_downregulation_hours = 1e12;
}

// A small window where everything happens at once: a full marrow with blasts, a dose large
// enough that CAR-T cells enter at vessels every step, walk across box borders, kill, divide
// and leave; blasts home from the rest of the marrow; tissue ticks and field updates every
// few steps.
inline Parameters busy_window(std::int32_t nx, std::int32_t ny, std::int32_t nz,
                              bool periodic = false) {
    Parameters p;
    p.space.periodic = periodic;
    p.space.nx = nx;
    p.space.ny = ny;
    p.space.nz = nz;
    p.space.tile_edge_sites = 4;  // the least reach 2 allows: every tile is a border tile
    p.space.vessel_fraction = 0.05;
    p.car_t.dose_cells = 2e13;
    p.car_t.product_41bb.doubling_time_days = 0.05;  // daughters placed across borders
    p.blasts.birth_rate_per_day = 3.0;
    p.marrow_cells.regeneration_per_day = 5.0;
    p.blasts.marrow_exchange_per_day = 50.0;  // blasts home next to vessels every tissue tick
    p.time.tissue_period_steps = 10;
    p.time.field_period_steps = 5;
    return p;
}

}  // namespace cartsim::agents::testing
