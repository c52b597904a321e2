#pragma once
// The tissue phase: on the tissue clock, the parallel sweep of tissue_step over the tissue
// cells whose event falls on this tick (agents/tissue/schedule.hpp), its commit, and the
// antigen copies of the cells it changed.

#include <cstdint>
#include <functional>
#include <vector>

#include "agents/tissue/antigen_by_site.hpp"
#include "agents/tissue/rule.hpp"
#include "agents/tissue/schedule.hpp"
#include "engine/domain.hpp"
#include "engine/tile_buckets.hpp"

namespace cartsim::agents {

/// Storage is re-sorted by tile every this many tissue steps (memory locality only). Since the
/// tissue phase visits only the cells with an event due (~1.5% of them an hour), scattered
/// over every tile, and CAR-T cells read antigen by site, the sort buys little: every 32 steps
/// it was a fifth of the tissue phase; every 256 (10.7 days) the sweep costs the same
/// (benchmarks/RESULTS.md, session 26). Results do not depend on it.
inline constexpr engine::Step kTissueSortPeriodTicks = 256;

/// The tissue tick of a step on the tissue clock (period `tissue_period_steps`, offset 0).
inline TissueTick tissue_tick_of(engine::Step step, engine::Step tissue_period_steps) {
    return static_cast<TissueTick>(step / tissue_period_steps);
}

/// Marrow cells per field cell, kept up to date by the tissue phase from its own changes.
struct MarrowCellCounts {
    std::vector<std::uint32_t>& per_field_cell;
    std::function<std::size_t(engine::SiteIndex)> field_cell_of_site;
    std::vector<MarrowCellChanges>& changes_by_tile;  ///< scratch, one per tile
};

/// One tissue step, event-driven: only cells with an event due run. `antigen` is kept up to
/// date for the cells it adds or changes. Returns the commit's births and deaths.
engine::CommitReport run_tissue_phase(const TissueView& view, const engine::Domain& domain,
                                      TissueSchedule& schedule, engine::TileBuckets& buckets,
                                      AntigenBySite& antigen, std::uint64_t seed, engine::Step step,
                                      engine::Step tissue_period_steps,
                                      const MarrowCellCounts* marrow_cells = nullptr);

/// The reference the event-driven phase is tested against (tests/agents): every cell runs
/// tissue_step with plain per-tick trials (TissueFates::hourly_reference), as the model did
/// before cells carried their next event. The caller refreshes antigen copies.
engine::CommitReport run_hourly_tissue_phase(const TissueView& view, const engine::Domain& domain,
                                             engine::TileBuckets& buckets, std::uint64_t seed,
                                             engine::Step step);

}  // namespace cartsim::agents
