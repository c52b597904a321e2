#include "agents/car_t/phase.hpp"

#include "engine/random.hpp"
#include "engine/tile_sweep.hpp"

namespace cartsim::agents {

using engine::AgentSlot;
using engine::SiteIndex;

void run_car_t_phase(const CarTView& view, const engine::Domain& domain,
                     engine::TileBuckets& buckets, std::uint64_t seed, engine::Step step,
                     const CarTPhaseOutputs& outputs) {
    const engine::TileGrid& grid = domain.grid();
    // Keep storage in tile order so neighbours on the lattice are neighbours in memory (layout
    // only: sweeps visit agents by id within a tile).
    if (step % kCarTSortPeriodSteps == 0) {
        view.car_t.sort_by_tile(grid.tile_count(), [&](SiteIndex s) { return grid.tile_of(s); });
    }
    const auto site_arrays = view.site_arrays();
    engine::sweep_population(
        domain, view.car_t, buckets, seed, step, kCarTRule,
        [&](AgentSlot slot, const engine::SweepContext& context) {
            car_t_step(view, slot, context);
        },
        [&](engine::TileIndex tile, std::span<const AgentSlot> agents, int distance) {
            engine::prefetch_for_sweep(grid, site_arrays, view.car_t, tile, agents, distance);
        });
    view.car_t.commit();
    view.tissue.commit();
    // Only a tile whose cells ran has events (the rule records them in its own tile), and the
    // tiles are taken in ascending order as before, so the lysis sums add in the same order.
    for (const engine::TileIndex tile : buckets.occupied_tiles()) {
        CarTTileEvents& events = view.events[tile];
        for (const std::size_t bin : events.exits_to_blood) ++outputs.blood.count[bin];
        events.exits_to_blood.clear();
        outputs.kills.blasts += events.kills_blasts;
        outputs.kills.b_cells += events.kills_b_cells;
        events.kills_blasts = events.kills_b_cells = 0;
        for (const SiteIndex site : events.lysis_sites) {
            outputs.lysis_field.add_release_at_site(site, outputs.pg_per_lysis);
        }
        events.lysis_sites.clear();
    }
}

void well_mixed_shuffle(engine::Population<CarTColumns>& car_t,
                        const engine::OccupancyLayer& mobile_layer, std::uint64_t seed,
                        engine::Step step) {
    const auto sites = mobile_layer.site_count();
    for (AgentSlot slot = 0; slot < car_t.slot_count(); ++slot) {
        if (!car_t.alive(slot) || car_t.columns().engaged_site[slot] != engine::kNoSite) continue;
        engine::RandomStream random(seed, StreamId::cart_well_mixed, step, car_t.id(slot));
        const auto to = static_cast<SiteIndex>(random.below(sites));
        if (mobile_layer.is_empty(to)) car_t.move(slot, to);
    }
}

}  // namespace cartsim::agents
