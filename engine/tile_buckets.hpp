#pragma once
// Live agents grouped by tile in canonical order: what a sweep iterates, and the order
// Population::sort_by_tile lays storage out in.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <utility>
#include <vector>

#include "engine/parallel_for.hpp"
#include "engine/tile_grid.hpp"
#include "engine/types.hpp"

namespace cartsim::engine {

/// Live agents (site != kNoSite) grouped by the tile of their site, in ascending id order
/// within each tile (the canonical order: independent of storage layout and threads). Reused
/// between sweeps to avoid reallocation.
class TileBuckets {
  public:
    void build(const TileGrid& grid, std::span<const SiteIndex> sites,
               std::span<const AgentId> ids) {
        build(grid.tile_count(), sites, ids,
              [&grid](SiteIndex site) { return grid.tile_of(site); });
    }

    /// The same with any map from sites to tiles in [0, tile_count).
    template <class TileOf>
    void build(std::uint32_t tile_count, std::span<const SiteIndex> sites,
               std::span<const AgentId> ids, TileOf&& tile_of) {
        const std::size_t tiles = tile_count;
        const std::size_t slots = sites.size();
        // The tile of every slot (two divisions each: the costly part), in parallel.
        tile_of_slot_.resize(slots);
        parallel_for_chunks(slots, kSlotChunk, [&](std::size_t begin, std::size_t end) {
            for (std::size_t slot = begin; slot < end; ++slot) {
                tile_of_slot_[slot] = sites[slot] == kNoSite ? kNoTile : tile_of(sites[slot]);
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
        order_tiles_by_id(ids);
    }

    /// The same for some of the agents only (`slots`, e.g. those with an event due): counting
    /// sort of those slots by tile, then id order within each tile. O(slots + tiles).
    void build_of(const TileGrid& grid, std::span<const AgentSlot> slots,
                  std::span<const SiteIndex> sites, std::span<const AgentId> ids) {
        const std::size_t tiles = grid.tile_count();
        tile_of_slot_.resize(slots.size());
        // The tiles (a random read of each site and two divisions: the costly part), in
        // parallel; the counting below reads them in sequence.
        parallel_for_chunks(slots.size(), kSlotChunk, [&](std::size_t begin, std::size_t end) {
            for (std::size_t k = begin; k < end; ++k)
                tile_of_slot_[k] = grid.tile_of(sites[slots[k]]);
        });
        offsets_.assign(tiles + 1, 0);
        for (std::size_t k = 0; k < slots.size(); ++k) ++offsets_[tile_of_slot_[k] + 1];
        std::partial_sum(offsets_.begin(), offsets_.end(), offsets_.begin());
        slots_.resize(offsets_[tiles]);
        cursor_.assign(offsets_.begin(), offsets_.end() - 1);
        for (std::size_t k = 0; k < slots.size(); ++k)
            slots_[cursor_[tile_of_slot_[k]]++] = slots[k];
        order_tiles_by_id(ids);
    }

    std::span<const AgentSlot> of_tile(TileIndex tile) const {
        return std::span<const AgentSlot>(slots_).subspan(offsets_[tile],
                                                          offsets_[tile + 1] - offsets_[tile]);
    }
    /// Every bucketed slot, tile after tile.
    std::span<const AgentSlot> all() const { return slots_; }
    /// The tiles with at least one bucketed agent, ascending.
    std::span<const TileIndex> occupied_tiles() const { return occupied_tiles_; }
    std::size_t agent_count() const { return slots_.size(); }

  private:
    void order_tiles_by_id(std::span<const AgentId> ids) {
        // Only tiles with two agents or more need an order: a sweep with few agents (the quiet
        // months) then costs a scan of the offsets, not a parallel loop over every tile.
        const std::size_t tiles = offsets_.size() - 1;
        tiles_to_order_.clear();
        occupied_tiles_.clear();
        for (std::size_t tile = 0; tile < tiles; ++tile) {
            const std::uint32_t count = offsets_[tile + 1] - offsets_[tile];
            if (count >= 1) occupied_tiles_.push_back(static_cast<TileIndex>(tile));
            if (count >= 2) tiles_to_order_.push_back(static_cast<TileIndex>(tile));
        }
        // Storage is (tile, id)-sorted by Population::sort_by_tile, so a tile's bucket (slots
        // ascending) is one long id-ascending run, its cells at the last sort, among the few
        // that came in since (moved in from other tiles, born). Sorting only those few and
        // merging them in costs a scan; insertion sort paid a long shift for each of them.
        // The sort runs on a local copy of (id, slot): the ids of cells that moved in are far
        // away in memory. Tiles are independent: in parallel.
        parallel_for_index(tiles_to_order_.size(), [&](std::size_t k_tile) {
            const TileIndex tile = tiles_to_order_[k_tile];
            const std::size_t first = offsets_[tile];
            const std::size_t count = offsets_[tile + 1] - first;
            using Keyed = std::pair<AgentId, AgentSlot>;
            thread_local std::vector<Keyed> keyed;
            thread_local std::vector<Keyed> others;
            thread_local std::vector<Keyed> merged;
            keyed.resize(count);
            std::size_t run_begin = 0;
            std::size_t longest_begin = 0;
            std::size_t longest_end = 0;
            for (std::size_t k = 0; k < count; ++k) {
                const AgentSlot slot = slots_[first + k];
                keyed[k] = {ids[slot], slot};
                if (k > 0 && keyed[k - 1].first > keyed[k].first) run_begin = k;
                if (k + 1 - run_begin > longest_end - longest_begin) {
                    longest_begin = run_begin;
                    longest_end = k + 1;
                }
            }
            if (longest_end - longest_begin == count) return;
            others.assign(keyed.begin(),
                          keyed.begin() + static_cast<std::ptrdiff_t>(longest_begin));
            others.insert(others.end(), keyed.begin() + static_cast<std::ptrdiff_t>(longest_end),
                          keyed.end());
            std::sort(others.begin(), others.end());  // ids are unique: one possible result
            merged.resize(count);
            std::merge(keyed.begin() + static_cast<std::ptrdiff_t>(longest_begin),
                       keyed.begin() + static_cast<std::ptrdiff_t>(longest_end), others.begin(),
                       others.end(), merged.begin());
            for (std::size_t k = 0; k < count; ++k) slots_[first + k] = merged[k].second;
        });
    }

    static constexpr TileIndex kNoTile = ~TileIndex{0};
    std::vector<std::uint32_t> offsets_;
    std::vector<std::uint32_t> cursor_;
    std::vector<TileIndex> tile_of_slot_;
    std::vector<AgentSlot> slots_;
    std::vector<TileIndex> tiles_to_order_;
    std::vector<TileIndex> occupied_tiles_;
};

}  // namespace cartsim::engine
