#include "agents/cytokines/sources.hpp"

#include <algorithm>
#include <vector>

#include "engine/exact_sum.hpp"
#include "engine/parallel_for.hpp"

namespace cartsim::agents {

using engine::AgentSlot;

void secrete_ifng_from_engaged_car_t(const engine::Population<CarTColumns>& car_t,
                                     double pg_per_min, CytokineField& ifng,
                                     double exhausted_output_factor) {
    // Each engaged cell's rate, grouped by field cell and summed exactly per cell: the sums do
    // not depend on the order the cells are stored in (nor, later, on which rank holds them).
    struct Secretion {
        std::size_t field_cell;
        double pg_per_min;
    };
    std::vector<Secretion> secretions;
    const auto& engaged_site = car_t.columns().engaged_site;
    const auto& exhaustion = car_t.columns().exhaustion;
    for (AgentSlot slot = 0; slot < car_t.slot_count(); ++slot) {
        if (car_t.alive(slot) && engaged_site[slot] != engine::kNoSite) {
            const double score = std::clamp(static_cast<double>(exhaustion[slot]), 0.0, 1.0);
            const double output = 1.0 - (1.0 - exhausted_output_factor) * score;
            secretions.push_back(
                {ifng.field().cell_of_site(car_t.site(slot)), pg_per_min * output});
        }
    }
    std::sort(secretions.begin(), secretions.end(),
              [](const Secretion& a, const Secretion& b) { return a.field_cell < b.field_cell; });
    for (std::size_t begin = 0; begin < secretions.size();) {
        const std::size_t field_cell = secretions[begin].field_cell;
        engine::ExactSum sum;
        std::size_t end = begin;
        for (; end < secretions.size() && secretions[end].field_cell == field_cell; ++end) {
            sum.add(secretions[end].pg_per_min);
        }
        ifng.add_secretion_at_cell(field_cell, sum.value());
        begin = end;
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
