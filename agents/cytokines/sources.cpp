#include "agents/cytokines/sources.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "engine/indexed_exact_sums.hpp"
#include "engine/parallel_for.hpp"

namespace cartsim::agents {

using engine::AgentSlot;

namespace {

bool across_ranks(const engine::Domain* domain) {
    return domain != nullptr && domain->has_exchange();
}

}  // namespace

void secrete_ifng_from_engaged_car_t(const engine::Population<CarTColumns>& car_t,
                                     double pg_per_min, CytokineField& ifng,
                                     double exhausted_output_factor, const engine::Domain* domain) {
    const auto& exhaustion = car_t.columns().exhaustion;
    const auto secretion_of = [&](AgentSlot slot) {
        const double score = std::clamp(static_cast<double>(exhaustion[slot]), 0.0, 1.0);
        const double output = 1.0 - (1.0 - exhausted_output_factor) * score;
        return pg_per_min * output;
    };
    // Each engaged cell's rate, grouped by field cell and summed exactly per cell: the sums do
    // not depend on the order the cells are stored in, nor (each rank summing its own tiles'
    // cells, the sums then meeting across ranks) on how the lattice is split. Only the field
    // cells with secretion travel between ranks.
    const bool split = across_ranks(domain);
    std::vector<engine::IndexedTerm> terms;
    const auto& engaged_site = car_t.columns().engaged_site;
    for (AgentSlot slot = 0; slot < car_t.slot_count(); ++slot) {
        if (car_t.alive(slot) && engaged_site[slot] != engine::kNoSite &&
            (!split || domain->owns_site(car_t.site(slot)))) {
            terms.push_back({ifng.field().cell_of_site(car_t.site(slot)), secretion_of(slot)});
        }
    }
    engine::IndexedExactSums by_cell = engine::sum_by_index(std::move(terms));
    if (split) domain->sum_across_ranks(by_cell);
    for (std::size_t k = 0; k < by_cell.size(); ++k) {
        ifng.add_secretion_at_cell(by_cell.indices[k], by_cell.sums[k].value());
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
    const engine::Population<TissueColumns>& tissue, const CytokineTable& cytokines,
    const engine::Domain* domain) {
    const auto& kind = tissue.columns().kind;
    const std::size_t field_cells = cytokines.field_cell_count();
    if (across_ranks(domain)) {
        std::vector<std::int64_t> counts(field_cells, 0);
        for (AgentSlot slot = 0; slot < tissue.slot_count(); ++slot) {
            if (tissue.alive(slot) && kind[slot] == TissueKind::marrow_cell &&
                domain->owns_site(tissue.site(slot))) {
                ++counts[cytokines.field_cell_of_site(tissue.site(slot))];
            }
        }
        domain->sum_across_ranks(counts);
        std::vector<std::uint32_t> totals(field_cells);
        for (std::size_t c = 0; c < field_cells; ++c) {
            totals[c] = static_cast<std::uint32_t>(counts[c]);
        }
        return totals;
    }
    return engine::parallel_histogram(tissue.slot_count(), field_cells, [&](std::size_t slot) {
        const auto s = static_cast<AgentSlot>(slot);
        return tissue.alive(s) && kind[s] == TissueKind::marrow_cell
                   ? cytokines.field_cell_of_site(tissue.site(s))
                   : field_cells;
    });
}

}  // namespace cartsim::agents
