#include "agents/marrow/agents_per_tile.hpp"

#include "agents/marrow_model.hpp"

namespace cartsim::agents {

std::vector<std::uint64_t> agents_per_tile(const MarrowModel& model) {
    const engine::TileGrid& grid = model.domain().grid();
    std::vector<std::uint64_t> work(grid.tile_count(), 0);
    const auto add = [&](const auto& population) {
        for (engine::AgentSlot slot = 0; slot < population.slot_count(); ++slot) {
            if (population.alive(slot)) ++work[grid.tile_of(population.site(slot))];
        }
    };
    add(model.car_t());
    add(model.tissue());
    return work;
}

}  // namespace cartsim::agents
