#include "agents/cytokines/sources.hpp"

#include <algorithm>
#include <vector>

#include "engine/exact_sum.hpp"
#include "engine/parallel_for.hpp"

namespace cartsim::agents {

using engine::AgentSlot;

namespace {

bool across_ranks(const engine::Domain* domain) {
    return domain != nullptr && domain->has_exchange();
}

// Each rank sums the engaged cells of its own tiles per field cell; the sums meet across ranks.
void secrete_ifng_across_ranks(const engine::Population<CarTColumns>& car_t, CytokineField& ifng,
                               const engine::Domain& domain, const auto& secretion_of) {
    const auto& engaged_site = car_t.columns().engaged_site;
    std::vector<engine::ExactSum> by_cell(ifng.field().cell_count());
    for (AgentSlot slot = 0; slot < car_t.slot_count(); ++slot) {
        if (car_t.alive(slot) && engaged_site[slot] != engine::kNoSite &&
            domain.owns_site(car_t.site(slot))) {
            by_cell[ifng.field().cell_of_site(car_t.site(slot))].add(secretion_of(slot));
        }
    }
    domain.sum_across_ranks(std::span<engine::ExactSum>(by_cell));
    // A cell without secretion adds +0.0 to its +0.0: the bits one rank leaves there.
    for (std::size_t cell = 0; cell < by_cell.size(); ++cell) {
        ifng.add_secretion_at_cell(cell, by_cell[cell].value());
    }
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
    if (across_ranks(domain)) {
        secrete_ifng_across_ranks(car_t, ifng, *domain, secretion_of);
        return;
    }
    // Each engaged cell's rate, grouped by field cell and summed exactly per cell: the sums do
    // not depend on the order the cells are stored in.
    struct Secretion {
        std::size_t field_cell;
        double pg_per_min;
    };
    std::vector<Secretion> secretions;
    const auto& engaged_site = car_t.columns().engaged_site;
    for (AgentSlot slot = 0; slot < car_t.slot_count(); ++slot) {
        if (car_t.alive(slot) && engaged_site[slot] != engine::kNoSite) {
            secretions.push_back({ifng.field().cell_of_site(car_t.site(slot)), secretion_of(slot)});
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
