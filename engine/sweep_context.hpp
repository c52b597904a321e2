#pragma once
// What a rule knows about where and when it runs inside a sweep.

#include <cstdint>

#include "engine/random.hpp"
#include "engine/types.hpp"

namespace cartsim::engine {

class Lattice;
struct RuleDescriptor;

struct SweepContext {
    /// The tile being processed: births and deaths are recorded per tile so that tiles running
    /// in parallel never write the same buffer.
    TileIndex tile = 0;
    Step step = 0;
    std::uint64_t seed = 0;
    /// The running rule and its agent's site at the start of its turn, for the reach check
    /// (engine/reach_check.hpp); null for sequential code, which may act anywhere.
    const RuleDescriptor* rule = nullptr;
    const Lattice* lattice = nullptr;
    SiteIndex origin = kNoSite;

    /// The random numbers of one agent for this step and stream.
    RandomStream random(StreamId stream, AgentId id) const { return {seed, stream, step, id}; }

    /// For code that runs outside a sweep (initial conditions, sequential phases).
    static SweepContext sequential(Step step, std::uint64_t seed) { return {0, step, seed}; }
};

}  // namespace cartsim::engine
