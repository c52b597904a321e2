#include "engine/domain.hpp"

namespace cartsim::engine {

Domain::Domain(const TileGrid& grid) : grid_(&grid), owner_(grid.tile_count(), 0) {
    owned_by_color_.resize(static_cast<std::size_t>(grid.color_count()));
    for (TileIndex t = 0; t < grid.tile_count(); ++t) {
        if (owner_[t] != rank_) continue;
        owned_.push_back(t);
        owned_by_color_[static_cast<std::size_t>(grid.color_of(t))].push_back(t);
    }
}

}  // namespace cartsim::engine
