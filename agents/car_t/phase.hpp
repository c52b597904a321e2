#pragma once
// The CAR-T phase: the parallel sweep of car_t_step over all CAR-T cells, and what follows it
// at the sync point (commits, and the tiles' events merged in tile order). Also the
// well-mixed test mode's shuffle.

#include <cstdint>
#include <span>

#include "agents/car_t/pool.hpp"
#include "agents/car_t/rule.hpp"
#include "agents/cytokines/field_table.hpp"
#include "engine/domain.hpp"
#include "engine/model_state.hpp"
#include "engine/tile_buckets.hpp"

namespace cartsim::agents {

/// Targets killed by CAR-T cells since day 0.
struct KillCounters {
    std::uint64_t blasts = 0;
    std::uint64_t b_cells = 0;

    template <class Self, class Visitor>
    static void visit_state(Self& self, Visitor& visitor) {
        visitor.scalar(engine::StateEntry{"", "kills_blasts", "cells"}, self.blasts);
        visitor.scalar(engine::StateEntry{"", "kills_b_cells", "cells"}, self.b_cells);
    }
};

/// Storage is re-sorted by tile every this many steps (memory locality only: results do not
/// depend on it, only the slot order inside checkpoints does). CAR-T cells change tiles often,
/// and a sweep's per-tile sort by id costs more the longer ago the last sort was: every 8 steps
/// was ~5% faster than every 32 at the bench_3d peak.
inline constexpr engine::Step kCarTSortPeriodSteps = 8;

/// Where the CAR-T phase's events go.
struct CarTPhaseOutputs {
    CarTPool& blood;  ///< the patient's blood: cells that left through a vessel
    KillCounters& kills;
    CytokineField& lysis_field;  ///< IL-6: released around each lysed target
    double pg_per_lysis = 0.0;
};

/// One CAR-T phase: sort by tile (layout), sweep (with memory hints from the view's layout
/// description), commit both populations, merge the tiles' events in ascending tile order.
void run_car_t_phase(const CarTView& view, const engine::Domain& domain,
                     engine::TileBuckets& buckets, std::uint64_t seed, engine::Step step,
                     const CarTPhaseOutputs& outputs);

/// Test mode (run.well_mixed): every free CAR-T cell jumps to a uniformly random free site, so
/// contacts follow mass action and the run can be compared with its mean-field equations.
void well_mixed_shuffle(engine::Population<CarTColumns>& car_t,
                        const engine::OccupancyLayer& mobile_layer, std::uint64_t seed,
                        engine::Step step);

}  // namespace cartsim::agents
