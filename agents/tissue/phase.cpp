#include "agents/tissue/phase.hpp"

#include "engine/tile_sweep.hpp"

namespace cartsim::agents {

void run_tissue_phase(const TissueView& view, const engine::Domain& domain,
                      engine::TileBuckets& buckets, std::uint64_t seed, engine::Step step,
                      engine::Step tissue_period_steps) {
    const engine::TileGrid& grid = domain.grid();
    if (step % (kTissueSortPeriodTicks * tissue_period_steps) == 0) {
        view.tissue.sort_by_tile(grid.tile_count(),
                                 [&](engine::SiteIndex s) { return grid.tile_of(s); });
    }
    engine::sweep_population(domain, view.tissue, buckets, seed, step, kTissueRule,
                             [&](engine::AgentSlot slot, const engine::SweepContext& context) {
                                 tissue_step(view, slot, context);
                             });
    view.tissue.commit();
}

}  // namespace cartsim::agents
