#pragma once
// Basic index and id types shared by every engine component.

#include <cstdint>
#include <limits>

namespace cartsim::engine {

/// Index of a lattice site: x + nx * (y + ny * z). 32 bits cover 4.29e9 sites.
using SiteIndex = std::uint32_t;
/// Marks "no site": off the lattice (reflective boundary) or a dead agent.
inline constexpr SiteIndex kNoSite = std::numeric_limits<SiteIndex>::max();

/// Stable agent identity: never reused, independent of storage slot and thread schedule.
using AgentId = std::uint64_t;

/// Storage position of an agent inside its population; changes on compaction.
using AgentSlot = std::uint32_t;

/// Index of a tile of the lattice (fixed by the lattice, never by threads).
using TileIndex = std::uint32_t;

/// Fine-clock step counter.
using Step = std::uint64_t;

}  // namespace cartsim::engine
