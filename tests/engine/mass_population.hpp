#pragma once
// A population of agents with one float column, in a 100-site layer cut into 4 tiles of 25:
// the smallest population the Population and agent-id tests need.

#include <cstdint>
#include <vector>

#include "engine/occupancy_layer.hpp"
#include "engine/population.hpp"

namespace cartsim::engine::testing {

struct MassColumns {
    struct Row {
        float mass = 0.0F;
    };
    std::vector<float> mass;
    void push_back(const Row& row) { mass.push_back(row.mass); }
    template <class Self, class F>
    static void for_each_column(Self& self, F&& f) {
        f("mass", self.mass);
    }
};

/// 100 sites in 4 tiles of 25 (sites 0-24 in tile 0, ...).
inline Population<MassColumns> four_tile_population(std::uint8_t tag, OccupancyLayer& layer) {
    return Population<MassColumns>("cells", tag, layer, 4,
                                   [](SiteIndex site) { return TileIndex{site / 25}; });
}

}  // namespace cartsim::engine::testing
