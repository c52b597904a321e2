#pragma once
// The tissue phase: the parallel sweep of tissue_step over all tissue cells, on the tissue
// clock, and its commit.

#include <cstdint>

#include "agents/tissue/rule.hpp"
#include "engine/domain.hpp"
#include "engine/tile_buckets.hpp"

namespace cartsim::agents {

/// Storage is re-sorted by tile every this many tissue steps (memory locality only).
inline constexpr engine::Step kTissueSortPeriodTicks = 32;

void run_tissue_phase(const TissueView& view, const engine::Domain& domain,
                      engine::TileBuckets& buckets, std::uint64_t seed, engine::Step step,
                      engine::Step tissue_period_steps);

}  // namespace cartsim::agents
