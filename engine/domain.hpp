#pragma once
// Owned and ghost index spaces: which tiles a rank updates and which it only mirrors.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/tile_grid.hpp"
#include "engine/types.hpp"

namespace cartsim::engine {

class ExactSum;
struct IndexedExactSums;
class RankExchange;

/// A box of whole tiles, in tile coordinates: begin <= t < end on each axis.
struct TileBox {
    std::array<std::int32_t, 3> begin{0, 0, 0};
    std::array<std::int32_t, 3> end{1, 1, 1};

    std::int64_t tile_count() const {
        return std::int64_t{end[0] - begin[0]} * (end[1] - begin[1]) * (end[2] - begin[2]);
    }
    bool contains(const std::array<std::int32_t, 3>& tile) const {
        for (int a = 0; a < 3; ++a) {
            if (tile[a] < begin[a] || tile[a] >= end[a]) return false;
        }
        return true;
    }
    friend bool operator==(const TileBox&, const TileBox&) = default;
};

/// Cuts the tile grid into `rank_count` boxes by recursive coordinate bisection: a box for k
/// ranks is cut along its longest axis (in tiles; ties go to the later axis) at an even tile
/// offset, into parts for floor(k/2) and ceil(k/2) ranks sized in proportion. Cuts at even
/// offsets keep every box's extent even on each axis where the grid's is, so every box holds
/// the same number of tiles of each color (a rank lacking a color would idle while that color
/// runs). Where the grid has an odd number of tiles on an axis only the box at its high end
/// gets the odd extent. Throws std::invalid_argument naming the grid and the count when
/// rank_count < 1 or some box cannot be cut at an even offset into non-empty parts (too few
/// tiles). Boxes are listed in rank order.
std::vector<TileBox> bisect_tile_grid(const TileGrid& grid, int rank_count);

/// The same cuts (each along its box's longest axis, at an even tile offset) placed by work
/// instead of by tiles: `work_per_tile` (indexed by TileIndex, e.g. a tile's live agents plus
/// its fixed cost) is split between the two parts in proportion to their ranks, as nearly as
/// an even offset allows. How a run rebalances its ranks (results do not depend on the boxes).
/// Falls back to the unweighted cuts where a weighted cut would leave a part too small for its
/// ranks; throws std::invalid_argument as bisect_tile_grid does, and when the weights do not
/// cover the grid.
std::vector<TileBox> bisect_tile_grid(const TileGrid& grid, int rank_count,
                                      std::span<const std::uint64_t> work_per_tile);

/// How unevenly `boxes` share `work_per_tile`, colour by colour (engine/load_balance.hpp): the
/// worst colour's busiest box over the mean. 1 when there is no work.
double worst_color_work_over_mean(const TileGrid& grid, std::span<const TileBox> boxes,
                                  std::span<const std::uint64_t> work_per_tile);

/// Today a process runs either the whole lattice (one rank) or one of K virtual ranks
/// (engine/virtual_ranks.hpp) that later become MPI ranks. A rank owns a box of tiles and
/// mirrors the ghost tiles around it: every tile within `reach` sites of the box (one tile
/// wide, since tiles are >= 2 x reach), periodic wrap included. Sweeps touch only owned tiles;
/// every site an owned tile's rule may touch lies in an owned or ghost tile. Of the ghost
/// tiles, only the sites within reach of the box are kept current (holds_site): the exchange
/// sends a rank nothing beyond them.
class Domain {
  public:
    /// The whole lattice on one rank.
    explicit Domain(const TileGrid& grid);
    /// Rank `rank` of `rank_count` ranks, boxes from bisect_tile_grid.
    Domain(const TileGrid& grid, int rank_count, int rank);
    /// Rank `rank` of boxes.size() ranks with the given boxes (e.g. rebalanced ones), which
    /// must cover the grid, each tile once; throws std::invalid_argument otherwise.
    Domain(const TileGrid& grid, std::vector<TileBox> boxes, int rank);

    const TileGrid& grid() const { return *grid_; }
    int rank() const { return rank_; }
    int rank_count() const { return rank_count_; }
    const TileBox& box() const { return boxes_[static_cast<std::size_t>(rank_)]; }
    std::span<const TileBox> boxes() const { return boxes_; }
    int owner_of(TileIndex tile) const { return owner_[tile]; }
    bool owns(TileIndex tile) const { return owner_[tile] == rank_; }
    /// Owned or ghost: some of the tile's sites lie within reach of the owned box.
    bool holds(TileIndex tile) const { return held_[tile] != 0; }
    /// Whether this rank keeps an up-to-date copy of a site: the sites within reach of its
    /// box (the union of its owned tiles' footprints), all an owned tile's rule may touch.
    /// A ghost tile's sites beyond reach are not kept (nor sent to this rank).
    bool holds_site(SiteIndex site) const;
    /// Owned tiles of one color, ascending.
    std::span<const TileIndex> owned_tiles_of_color(int color) const {
        return owned_by_color_[static_cast<std::size_t>(color)];
    }
    std::span<const TileIndex> owned_tiles() const { return owned_; }
    /// Tiles mirrored from other ranks, ascending; empty on a single rank.
    std::span<const TileIndex> ghost_tiles() const { return ghosts_; }

    /// The exchange that keeps ghosts current between ranks; none on a single rank. Not
    /// owned; must outlive the domain's sweeps.
    void set_exchange(RankExchange* exchange) { exchange_ = exchange; }
    RankExchange* exchange() const { return exchange_; }
    /// Sync points called by the engine: after a sweep's color has run (tile_sweep.hpp) and
    /// after each scheduler phase. No-ops without an exchange.
    /// `tiles_run`: the owned tiles of `color` whose rules ran in the sweep, ascending.
    void after_color(int color, std::span<const TileIndex> tiles_run) const;
    void after_phase() const;
    /// Every rank's part replaced by the sum over ranks (RankExchange::sum_across_ranks);
    /// unchanged on a single rank.
    void sum_across_ranks(std::span<std::int64_t> values) const;
    void sum_across_ranks(std::span<ExactSum> values) const;
    void sum_across_ranks(ExactSum& value) const;
    void sum_across_ranks(IndexedExactSums& sums) const;
    /// Whether other ranks exist to sum with (a multi-rank run): code whose single-rank path is
    /// cheaper may take it, as long as both give the same result.
    bool has_exchange() const { return exchange_ != nullptr; }
    /// Whether this rank owns the tile of a site.
    bool owns_site(SiteIndex site) const { return owns(grid_->tile_of(site)); }

  private:
    void index_tiles();

    const TileGrid* grid_;
    int rank_ = 0;
    int rank_count_ = 1;
    std::vector<TileBox> boxes_;
    std::vector<int> owner_;
    std::vector<std::uint8_t> held_;
    // Per axis: the lattice coordinates within reach of the owned box (holds_site).
    std::array<std::vector<std::uint8_t>, 3> near_box_;
    std::vector<TileIndex> owned_;
    std::vector<TileIndex> ghosts_;
    std::vector<std::vector<TileIndex>> owned_by_color_;
    RankExchange* exchange_ = nullptr;
};

/// The sites within the grid's reach (Chebyshev distance) of a tile, each once, ascending:
/// everything a rule run in the tile may read or write. Periodic axes wrap; reflective axes
/// clip at the lattice's edge.
std::vector<SiteIndex> tile_footprint(const TileGrid& grid, TileIndex tile);

}  // namespace cartsim::engine
