#pragma once
// The parallel sweep: every live agent of a population runs a rule once, tile by tile, colors
// one after another, with no data races and no locks in the rule.

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <numeric>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "engine/domain.hpp"
#include "engine/parallel_for.hpp"
#include "engine/random.hpp"
#include "engine/rule_descriptor.hpp"
#include "engine/sweep_context.hpp"
#include "engine/tile_buckets.hpp"
#include "engine/tile_grid.hpp"
#include "engine/types.hpp"

namespace cartsim::engine {

/// The order in which a sweep visits the colors, drawn per step so no color is always first.
inline std::array<int, 8> color_order(int color_count, std::uint64_t seed, Step step,
                                      std::uint64_t sweep_id) {
    std::array<int, 8> order{0, 1, 2, 3, 4, 5, 6, 7};
    RandomStream random(seed, StreamId::sweep_color_order, step, sweep_id);
    for (int i = color_count - 1; i > 0; --i) {  // Fisher-Yates
        const auto j = static_cast<int>(random.below(static_cast<std::uint64_t>(i) + 1));
        std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
    }
    return order;
}

template <class PopulationT, class Rule, class Hint>
void sweep_buckets(const Domain& domain, PopulationT& population, const TileBuckets& buckets,
                   std::uint64_t seed, Step step, const RuleDescriptor& descriptor, Rule&& rule,
                   Hint&& hint);

/// Runs rule(slot, context) once for every agent of `population` alive at the start of the
/// sweep (agents killed earlier in the same sweep are skipped; agents born in it wait for the
/// next one). The rule may read and write anything within `descriptor.reach` of the agent's
/// starting site, including other populations, and must not touch anything farther away; the
/// descriptor's reach must not exceed the grid's (std::logic_error otherwise). Debug builds
/// check every kill, spawn and move against the descriptor (engine/reach_check.hpp).
///
/// Colors run one after another in a per-step random order; the tiles of one color run in
/// parallel (parallel_for_index); the agents of one tile run in ascending id order. Nothing here
/// depends on the number of threads, so results are identical for any thread count. Only the
/// domain's owned tiles run; with several ranks the domain's exchange runs after every color
/// (every rank calls it for every color, owned tiles of that color or not).
///
/// `hint(tile, agents, distance)` is called before a tile's agents run, with distance 1 for the
/// tile that comes next in the same color (to start loading its memory early) and distance 0
/// for the tile about to run. A hint may only prefetch: it must not change any state.
template <class PopulationT, class Rule, class Hint>
void sweep_population(const Domain& domain, PopulationT& population, TileBuckets& buckets,
                      std::uint64_t seed, Step step, const RuleDescriptor& descriptor, Rule&& rule,
                      Hint&& hint) {
    buckets.build(domain.grid(), population.sites(), population.ids());
    sweep_buckets(domain, population, buckets, seed, step, descriptor, std::forward<Rule>(rule),
                  std::forward<Hint>(hint));
}

/// The sweep over buckets already built (TileBuckets::build_of: some of the agents only, e.g.
/// those with an event due), in the same order and with the same guarantees as
/// sweep_population.
template <class PopulationT, class Rule, class Hint>
void sweep_buckets(const Domain& domain, PopulationT& population, const TileBuckets& buckets,
                   std::uint64_t seed, Step step, const RuleDescriptor& descriptor, Rule&& rule,
                   Hint&& hint) {
    const TileGrid& grid = domain.grid();
    if (descriptor.reach > grid.reach()) {
        throw std::logic_error(fmt::format("rule '{}' declares reach {}, beyond the grid's {}",
                                           descriptor.name, descriptor.reach, grid.reach()));
    }
    const auto order = color_order(grid.color_count(), seed, step, population.tag());
    // The tiles of a color that hold agents, in the color's order: the parallel loop runs over
    // them only, so a sweep of a few agents over many tiles (the quiet months, or the hours after
    // infusion) does not pay a parallel loop over empty tiles. The tiles of one color are
    // independent, so which of them run together changes nothing.
    std::vector<TileIndex> tiles_run;
    for (int c = 0; c < grid.color_count(); ++c) {
        tiles_run.clear();
        for (const TileIndex tile :
             domain.owned_tiles_of_color(order[static_cast<std::size_t>(c)])) {
            if (!buckets.of_tile(tile).empty()) tiles_run.push_back(tile);
        }
        const std::span<const TileIndex> tiles = tiles_run;
        parallel_for_index(tiles.size(), [&](std::size_t i) {
            const std::span<const AgentSlot> agents = buckets.of_tile(tiles[i]);
            if (i + 1 < tiles.size()) hint(tiles[i + 1], buckets.of_tile(tiles[i + 1]), 1);
            hint(tiles[i], agents, 0);
            SweepContext context{tiles[i], step, seed, &descriptor, &grid.lattice()};
            for (const AgentSlot slot : agents) {
                if (!population.alive(slot)) continue;
                context.origin = population.site(slot);
                rule(slot, std::as_const(context));
            }
        });
        // Other ranks' writes of this color reach this rank before the next color runs: the
        // footprints of the tiles whose rules ran (nothing else was written).
        if (domain.has_exchange())
            domain.after_color(order[static_cast<std::size_t>(c)], tiles_run);
    }
}

/// The same sweep without memory hints.
template <class PopulationT, class Rule>
void sweep_population(const Domain& domain, PopulationT& population, TileBuckets& buckets,
                      std::uint64_t seed, Step step, const RuleDescriptor& descriptor,
                      Rule&& rule) {
    sweep_population(domain, population, buckets, seed, step, descriptor, std::forward<Rule>(rule),
                     [](TileIndex, std::span<const AgentSlot>, int) {});
}

}  // namespace cartsim::engine
