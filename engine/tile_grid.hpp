#pragma once
// Fixed partition of the lattice into tiles, and a coloring so same-color tiles never interact.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/fast_divide.hpp"
#include "engine/lattice.hpp"
#include "engine/types.hpp"

namespace cartsim::engine {

/// Tiles are boxes of sites fixed by the lattice (never by threads). A rule may read and write
/// sites within `reach` (Chebyshev distance) of its agent's site at the start of the sweep.
/// Tiles are at least 2 * reach wide, and colored by the parity of their tile coordinates
/// (4 colors in 2-D, 8 in 3-D): two tiles of one color are separated by a whole tile on some
/// axis, so their footprints (tile grown by reach) never overlap and can run in parallel.
class TileGrid {
  public:
    /// `preferred_edge` is the tile edge to aim for (sites); the grid may widen it to respect
    /// 2 * reach or, on periodic axes, to divide the axis into an even number of tiles.
    /// Throws std::invalid_argument when reach < 0 or preferred_edge < 1.
    TileGrid(const Lattice& lattice, int reach, int preferred_edge = 8);

    const Lattice& lattice() const { return *lattice_; }
    int reach() const { return reach_; }
    std::uint32_t tile_count() const { return static_cast<std::uint32_t>(tile_count_); }
    std::array<std::int32_t, 3> tile_edge() const { return edge_; }
    std::array<std::int32_t, 3> tiles_per_axis() const { return count_; }
    int color_count() const { return lattice_->dimension() == 2 ? 4 : 8; }

    TileIndex tile_of(SiteIndex site) const {
        const SiteCoord c = lattice_->coord_of(site);
        return tile_of(c);
    }
    TileIndex tile_of(SiteCoord c) const {
        // Coordinates inside the box are >= 0: exact unsigned division by multiplication.
        const auto tx = edge_divider_[0].divide(static_cast<std::uint32_t>(c.x));
        const auto ty = edge_divider_[1].divide(static_cast<std::uint32_t>(c.y));
        const auto tz = edge_divider_[2].divide(static_cast<std::uint32_t>(c.z));
        return tx + static_cast<std::uint32_t>(count_[0]) *
                        (ty + static_cast<std::uint32_t>(count_[1]) * tz);
    }
    std::array<std::int32_t, 3> tile_coord(TileIndex tile) const;
    int color_of(TileIndex tile) const;
    /// Tiles of one color in ascending tile index.
    std::span<const TileIndex> tiles_of_color(int color) const { return by_color_[color]; }

    std::string describe() const;

  private:
    const Lattice* lattice_;
    int reach_;
    std::array<std::int32_t, 3> edge_{1, 1, 1};
    std::array<FastDivider, 3> edge_divider_{};
    std::array<std::int32_t, 3> count_{1, 1, 1};
    std::size_t tile_count_ = 1;
    std::vector<std::vector<TileIndex>> by_color_;
};

}  // namespace cartsim::engine
