#pragma once
// Owned and ghost index spaces: which tiles this process updates and which it only mirrors.

#include <span>
#include <vector>

#include "engine/tile_grid.hpp"
#include "engine/types.hpp"

namespace cartsim::engine {

/// Today a single rank owns every tile and has no ghosts. With MPI (planned), a rank owns a
/// box of tiles and mirrors a halo of ghost tiles (one tile wide, since tiles are >= 2 x reach),
/// and sweeps touch only owned tiles. Code that iterates tiles goes through a Domain so that
/// step does not change it.
class Domain {
  public:
    /// The whole lattice on one rank.
    explicit Domain(const TileGrid& grid);

    const TileGrid& grid() const { return *grid_; }
    int rank() const { return rank_; }
    int rank_count() const { return rank_count_; }
    bool owns(TileIndex tile) const { return owner_[tile] == rank_; }
    /// Owned tiles of one color, ascending.
    std::span<const TileIndex> owned_tiles_of_color(int color) const {
        return owned_by_color_[static_cast<std::size_t>(color)];
    }
    std::span<const TileIndex> owned_tiles() const { return owned_; }
    /// Tiles mirrored from neighbouring ranks; empty on a single rank.
    std::span<const TileIndex> ghost_tiles() const { return ghosts_; }

  private:
    const TileGrid* grid_;
    int rank_ = 0;
    int rank_count_ = 1;
    std::vector<int> owner_;
    std::vector<TileIndex> owned_;
    std::vector<TileIndex> ghosts_;
    std::vector<std::vector<TileIndex>> owned_by_color_;
};

}  // namespace cartsim::engine
