#pragma once
// The parallel sweep: every live agent of a population runs a rule once, tile by tile, colors
// one after another, with no data races and no locks in the rule.

#include <algorithm>
#include <array>
#include <numeric>
#include <span>
#include <utility>
#include <vector>

#include "engine/domain.hpp"
#include "engine/parallel_for.hpp"
#include "engine/random.hpp"
#include "engine/sweep_context.hpp"
#include "engine/tile_grid.hpp"
#include "engine/types.hpp"

namespace cartsim::engine {

/// Live agents grouped by the tile of their site at the start of a sweep, in ascending id order
/// within each tile (the canonical order: independent of storage layout and threads). Reused
/// between sweeps to avoid reallocation.
class TileBuckets {
  public:
    void build(const TileGrid& grid, std::span<const SiteIndex> sites,
               std::span<const AgentId> ids) {
        const std::size_t tiles = grid.tile_count();
        const std::size_t slots = sites.size();
        // The tile of every slot (two divisions each: the costly part), in parallel.
        tile_of_slot_.resize(slots);
        const std::size_t chunks = (slots + kChunk - 1) / kChunk;
        parallel_for_index(chunks, [&](std::size_t chunk) {
            const std::size_t end = std::min(slots, (chunk + 1) * kChunk);
            for (std::size_t slot = chunk * kChunk; slot < end; ++slot) {
                tile_of_slot_[slot] = sites[slot] == kNoSite ? kNoTile : grid.tile_of(sites[slot]);
            }
        });
        offsets_.assign(tiles + 1, 0);
        for (std::size_t slot = 0; slot < slots; ++slot) {
            if (tile_of_slot_[slot] != kNoTile) ++offsets_[tile_of_slot_[slot] + 1];
        }
        std::partial_sum(offsets_.begin(), offsets_.end(), offsets_.begin());
        slots_.resize(offsets_[tiles]);
        cursor_.assign(offsets_.begin(), offsets_.end() - 1);
        for (std::size_t slot = 0; slot < slots; ++slot) {
            if (tile_of_slot_[slot] == kNoTile) continue;
            slots_[cursor_[tile_of_slot_[slot]]++] = static_cast<AgentSlot>(slot);
        }
        // Storage is mostly (tile, id)-sorted already (Population::sort_by_tile), so insertion
        // sort per tile costs little more than a scan. Tiles are independent: in parallel.
        parallel_for_index(tiles, [&](std::size_t tile) {
            const auto first = slots_.begin() + offsets_[tile];
            const auto last = slots_.begin() + offsets_[tile + 1];
            for (auto it = first + (first != last ? 1 : 0); it < last; ++it) {
                const AgentSlot moving = *it;
                auto hole = it;
                while (hole != first && ids[*(hole - 1)] > ids[moving]) {
                    *hole = *(hole - 1);
                    --hole;
                }
                *hole = moving;
            }
        });
    }
    std::span<const AgentSlot> of_tile(TileIndex tile) const {
        return std::span<const AgentSlot>(slots_).subspan(offsets_[tile],
                                                          offsets_[tile + 1] - offsets_[tile]);
    }
    std::size_t agent_count() const { return slots_.size(); }

  private:
    static constexpr std::size_t kChunk = 16384;
    static constexpr TileIndex kNoTile = ~TileIndex{0};
    std::vector<std::uint32_t> offsets_;
    std::vector<std::uint32_t> cursor_;
    std::vector<TileIndex> tile_of_slot_;
    std::vector<AgentSlot> slots_;
};

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

/// Runs rule(slot, context) once for every agent of `population` alive at the start of the
/// sweep (agents killed earlier in the same sweep are skipped; agents born in it wait for the
/// next one). The rule may read and write anything within the grid's reach of the agent's
/// starting site, including other populations, and must not touch anything farther away.
///
/// Colors run one after another in a per-step random order; the tiles of one color run in
/// parallel (parallel_for_index); the agents of one tile run in ascending id order. Nothing here
/// depends on the number of threads, so results are identical for any thread count.
///
/// `hint(tile, agents, distance)` is called before a tile's agents run, with distance 1 for the
/// tile that comes next in the same color (to start loading its memory early) and distance 0
/// for the tile about to run. A hint may only prefetch: it must not change any state.
template <class PopulationT, class Rule, class Hint>
void sweep_population(const Domain& domain, PopulationT& population, TileBuckets& buckets,
                      std::uint64_t seed, Step step, Rule&& rule, Hint&& hint) {
    const TileGrid& grid = domain.grid();
    buckets.build(grid, population.sites(), population.ids());
    const auto order = color_order(grid.color_count(), seed, step, population.tag());
    for (int c = 0; c < grid.color_count(); ++c) {
        const std::span<const TileIndex> tiles =
            domain.owned_tiles_of_color(order[static_cast<std::size_t>(c)]);
        parallel_for_index(tiles.size(), [&](std::size_t i) {
            const std::span<const AgentSlot> agents = buckets.of_tile(tiles[i]);
            if (agents.empty()) return;
            if (i + 1 < tiles.size()) {
                const std::span<const AgentSlot> next = buckets.of_tile(tiles[i + 1]);
                if (!next.empty()) hint(tiles[i + 1], next, 1);
            }
            hint(tiles[i], agents, 0);
            const SweepContext context{tiles[i], step, seed};
            for (const AgentSlot slot : agents) {
                if (population.alive(slot)) rule(slot, context);
            }
        });
    }
}

/// The same sweep without memory hints.
template <class PopulationT, class Rule>
void sweep_population(const Domain& domain, PopulationT& population, TileBuckets& buckets,
                      std::uint64_t seed, Step step, Rule&& rule) {
    sweep_population(domain, population, buckets, seed, step, std::forward<Rule>(rule),
                     [](TileIndex, std::span<const AgentSlot>, int) {});
}

}  // namespace cartsim::engine
