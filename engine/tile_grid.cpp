#include "engine/tile_grid.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace cartsim::engine {
namespace {

/// Picks the tile edge for one axis of `n` sites.
std::int32_t choose_edge(std::int32_t n, int reach, int preferred, bool periodic) {
    const std::int32_t minimum = std::max(1, 2 * reach);
    if (!periodic) {
        return std::min(n, std::max(minimum, preferred));
    }
    // A periodic axis needs equal tiles and an even count (or a single tile), or the first and
    // last tiles would share a color while touching across the wrap.
    std::int32_t best = n;
    int best_distance = std::numeric_limits<int>::max();
    for (std::int32_t edge = minimum; edge < n; ++edge) {
        if (n % edge != 0 || (n / edge) % 2 != 0) continue;
        const int distance = std::abs(edge - preferred);
        if (distance < best_distance) {
            best = edge;
            best_distance = distance;
        }
    }
    return best;
}

}  // namespace

TileGrid::TileGrid(const Lattice& lattice, int reach, int preferred_edge)
    : lattice_(&lattice), reach_(reach) {
    if (reach < 0)
        throw std::invalid_argument(fmt::format("tile reach must be >= 0, got {}", reach));
    if (preferred_edge < 1) {
        throw std::invalid_argument(
            fmt::format("preferred tile edge must be >= 1 site, got {}", preferred_edge));
    }
    const bool periodic = lattice.boundary() == Boundary::periodic;
    const std::array<std::int32_t, 3> n{lattice.nx(), lattice.ny(), lattice.nz()};
    tile_count_ = 1;
    for (int axis = 0; axis < 3; ++axis) {
        edge_[axis] = choose_edge(n[axis], reach, preferred_edge, periodic);
        edge_divider_[axis] = FastDivider(static_cast<std::uint32_t>(edge_[axis]));
        count_[axis] = (n[axis] + edge_[axis] - 1) / edge_[axis];
        tile_count_ *= static_cast<std::size_t>(count_[axis]);
    }
    by_color_.assign(static_cast<std::size_t>(color_count()), {});
    for (TileIndex t = 0; t < tile_count_; ++t) {
        by_color_[static_cast<std::size_t>(color_of(t))].push_back(t);
    }
}

std::array<std::int32_t, 3> TileGrid::tile_coord(TileIndex tile) const {
    const auto tx = static_cast<std::int32_t>(tile % static_cast<std::uint32_t>(count_[0]));
    const TileIndex rest = tile / static_cast<std::uint32_t>(count_[0]);
    const auto ty = static_cast<std::int32_t>(rest % static_cast<std::uint32_t>(count_[1]));
    const auto tz = static_cast<std::int32_t>(rest / static_cast<std::uint32_t>(count_[1]));
    return {tx, ty, tz};
}

int TileGrid::color_of(TileIndex tile) const {
    const auto c = tile_coord(tile);
    return (c[0] & 1) | ((c[1] & 1) << 1) | ((c[2] & 1) << 2);
}

std::string TileGrid::describe() const {
    return fmt::format("{} tiles ({} x {} x {}) of {} x {} x {} sites, reach {}, {} colors",
                       tile_count_, count_[0], count_[1], count_[2], edge_[0], edge_[1], edge_[2],
                       reach_, color_count());
}

}  // namespace cartsim::engine
