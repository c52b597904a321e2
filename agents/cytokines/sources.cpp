#include "agents/cytokines/sources.hpp"

#include <algorithm>

#include "engine/parallel_for.hpp"

namespace cartsim::agents {

using engine::AgentSlot;

void secrete_ifng_from_engaged_car_t(const engine::Population<CarTColumns>& car_t,
                                     double pg_per_min, CytokineField& ifng,
                                     double exhausted_output_factor) {
    const auto& engaged_site = car_t.columns().engaged_site;
    const auto& exhaustion = car_t.columns().exhaustion;
    for (AgentSlot slot = 0; slot < car_t.slot_count(); ++slot) {
        if (car_t.alive(slot) && engaged_site[slot] != engine::kNoSite) {
            const double score = std::clamp(static_cast<double>(exhaustion[slot]), 0.0, 1.0);
            const double output = 1.0 - (1.0 - exhausted_output_factor) * score;
            ifng.add_secretion_at_cell(ifng.field().cell_of_site(car_t.site(slot)),
                                       pg_per_min * output);
        }
    }
}

void produce_il6_from_marrow_cells(std::span<const std::uint32_t> marrow_cells_per_field_cell,
                                   double pg_per_min_per_pg_ml_ifng, const CytokineField& ifng,
                                   CytokineField& il6) {
    for (std::size_t cell = 0; cell < marrow_cells_per_field_cell.size(); ++cell) {
        const double pg_per_min = static_cast<double>(marrow_cells_per_field_cell[cell]) *
                                  pg_per_min_per_pg_ml_ifng * ifng.field().value_at_cell(cell);
        il6.add_secretion_at_cell(cell, pg_per_min);
    }
}

std::vector<std::uint32_t> count_marrow_cells_per_field_cell(
    const engine::Population<TissueColumns>& tissue, const CytokineTable& cytokines) {
    const auto& kind = tissue.columns().kind;
    const std::size_t field_cells = cytokines.field_cell_count();
    return engine::parallel_histogram(tissue.slot_count(), field_cells, [&](std::size_t slot) {
        const auto s = static_cast<AgentSlot>(slot);
        return tissue.alive(s) && kind[s] == TissueKind::marrow_cell
                   ? cytokines.field_cell_of_site(tissue.site(s))
                   : field_cells;
    });
}

}  // namespace cartsim::agents
