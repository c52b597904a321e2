#pragma once
// Where the cytokines come from. Each source adds to its field before the field update
// (sequential code; sums over agents are exact per field cell, so they depend neither on threads
// nor on the order agents are stored in).

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "agents/car_t/columns.hpp"
#include "agents/cytokines/field_table.hpp"
#include "agents/extensions/cell_kind.hpp"
#include "agents/parameters.hpp"
#include "agents/tissue/columns.hpp"
#include "engine/domain.hpp"
#include "engine/population.hpp"

namespace cartsim::agents {

/// IFN-g: every engaged CAR-T cell secretes into its site's field cell (Teachey et al., Cancer
/// Discov 2016) at `pg_per_min` times what exhaustion leaves of its output: 1 at score 0,
/// falling linearly to `exhausted_output_factor` at score 1 (agents/car_t/exhaustion.hpp).
/// Summed exactly per field cell, so the result does not depend on the storage order. With a
/// domain that has an exchange, each rank sums the cells on its own tiles and the sums are
/// added across ranks (a collective), so every rank gets the one-rank result.
void secrete_ifng_from_engaged_car_t(const engine::Population<CarTColumns>& car_t,
                                     double pg_per_min, CytokineField& ifng,
                                     double exhausted_output_factor = 1.0,
                                     const engine::Domain* domain = nullptr);

/// IL-6: marrow cells (the monocyte lineage among them) make IL-6 in proportion to the local
/// IFN-g level before this update (Teachey et al. 2016).
void produce_il6_from_marrow_cells(std::span<const std::uint32_t> marrow_cells_per_field_cell,
                                   double pg_per_min_per_pg_ml_ifng, const CytokineField& ifng,
                                   CytokineField& il6);

/// The producers of produce_il6_from_marrow_cells: live marrow cells per field cell. Counted
/// at construction (a restore takes the saved counts: they are state); the tissue phase then
/// keeps the counts from its own changes
/// (agents/tissue/phase.hpp), and the model recounts after a tissue phase only when marrow
/// cells changed elsewhere (a CAR-T kill of a marrow cell that took an engaged target's site,
/// cells added by test hooks or by added cell kinds). With a domain that has an exchange, each
/// rank counts the cells on its own tiles and the counts are summed across ranks (a collective).
std::vector<std::uint32_t> count_marrow_cells_per_field_cell(
    const engine::Population<TissueColumns>& tissue, const CytokineTable& cytokines,
    const engine::Domain* domain = nullptr);

/// What an added source may read (ModelExtensions, agents/marrow_model.hpp).
struct CytokineSourceInputs {
    const engine::Population<TissueColumns>& tissue;
    const engine::Population<CarTColumns>& car_t;
    const Parameters& parameters;
    std::vector<const engine::Population<ExtraColumns>*> extra_kinds;  ///< added cell kinds
};

/// A source added to a model from outside agents/ (a tutorial, a test, an experiment): it runs
/// after the shipped sources, before every field update.
struct CytokineSource {
    std::string name;
    std::function<void(const CytokineSourceInputs&, CytokineTable&)> add;
};

}  // namespace cartsim::agents
