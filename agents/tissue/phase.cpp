#include "agents/tissue/phase.hpp"

#include "engine/parallel_for.hpp"
#include "engine/tile_sweep.hpp"

namespace cartsim::agents {

engine::CommitReport run_tissue_phase(const TissueView& view, const engine::Domain& domain,
                                      TissueSchedule& schedule, engine::TileBuckets& buckets,
                                      AntigenBySite& antigen, std::uint64_t seed, engine::Step step,
                                      engine::Step tissue_period_steps,
                                      const MarrowCellCounts* marrow_cells) {
    const engine::TileGrid& grid = domain.grid();
    auto& tissue = view.tissue;
    if (step % (kTissueSortPeriodTicks * tissue_period_steps) == 0) {
        tissue.sort_by_tile(grid.tile_count(),
                            [&](engine::SiteIndex s) { return grid.tile_of(s); });
    }
    TissueView event_view = view;
    event_view.tick = tissue_tick_of(step, tissue_period_steps);
    event_view.fates = TissueFates::event_driven;
    if (marrow_cells != nullptr) event_view.marrow_changes = &marrow_cells->changes_by_tile;
    const std::span<const engine::AgentSlot> due =
        schedule.due_cells(tissue, view.constants, event_view.tick, seed, step);
    buckets.build_of(grid, due, tissue.sites(), tissue.ids());
    engine::sweep_buckets(
        domain, tissue, buckets, seed, step, kTissueRule,
        [&](engine::AgentSlot slot, const engine::SweepContext& context) {
            tissue_step(event_view, slot, context);
        },
        [](engine::TileIndex, std::span<const engine::AgentSlot>, int) {});
    schedule.file_survivors(tissue);
    if (marrow_cells != nullptr) {
        // Integer counts: any order gives the same result.
        for (MarrowCellChanges& changes : marrow_cells->changes_by_tile) {
            for (const engine::SiteIndex s : changes.lost) {
                --marrow_cells->per_field_cell[marrow_cells->field_cell_of_site(s)];
            }
            for (const engine::SiteIndex s : changes.gained) {
                ++marrow_cells->per_field_cell[marrow_cells->field_cell_of_site(s)];
            }
            changes.lost.clear();
            changes.gained.clear();
        }
    }
    // Visited survivors may have changed antigen (a marrow cell that became a B cell); births
    // are new. Nothing else in the phase changes a cell's antigen or site. Each cell writes its
    // own site's copy, so in parallel.
    engine::parallel_for_chunks(due.size(), engine::kSlotChunk,
                                [&](std::size_t begin, std::size_t end) {
                                    for (std::size_t k = begin; k < end; ++k) {
                                        if (tissue.alive(due[k])) antigen.copy_cell(tissue, due[k]);
                                    }
                                });
    const engine::CommitReport report = tissue.commit();
    const std::size_t first_birth = tissue.slot_count() - report.births;
    engine::parallel_for_chunks(
        report.births, engine::kSlotChunk, [&](std::size_t begin, std::size_t end) {
            for (std::size_t k = begin; k < end; ++k) {
                antigen.copy_cell(tissue, static_cast<engine::AgentSlot>(first_birth + k));
            }
        });
    return report;
}

engine::CommitReport run_hourly_tissue_phase(const TissueView& view, const engine::Domain& domain,
                                             engine::TileBuckets& buckets, std::uint64_t seed,
                                             engine::Step step) {
    TissueView hourly_view = view;
    hourly_view.fates = TissueFates::hourly_reference;
    engine::sweep_population(domain, view.tissue, buckets, seed, step, kTissueRule,
                             [&](engine::AgentSlot slot, const engine::SweepContext& context) {
                                 tissue_step(hourly_view, slot, context);
                             });
    return view.tissue.commit();
}

}  // namespace cartsim::agents
