#include "agents/marrow/work_per_tile.hpp"

#include "agents/marrow_model.hpp"

namespace cartsim::agents {

std::vector<std::uint64_t> work_per_tile(const MarrowModel& model) {
    return work_per_tile(model, model.domain().grid());
}

std::vector<std::uint64_t> work_per_tile(const MarrowModel& model, const engine::TileGrid& grid) {
    std::vector<std::uint64_t> work(grid.tile_count(), 0);
    const auto add = [&](const auto& population, std::uint64_t weight) {
        for (engine::AgentSlot slot = 0; slot < population.slot_count(); ++slot) {
            if (population.alive(slot)) work[grid.tile_of(population.site(slot))] += weight;
        }
    };
    add(model.car_t(), kCarTWorkPerTissueCell);
    add(model.tissue(), 1);
    return work;
}

}  // namespace cartsim::agents
