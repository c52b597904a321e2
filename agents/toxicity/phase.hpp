#pragma once
// The systemic phase: one tick (a tissue period) of the whole-body toxicity physiology, with
// the infusions and drug doses that fall due in it (docs/MODEL.md "Toxicity", "Dosing").

#include <cstdint>
#include <vector>

#include "agents/car_t/pool.hpp"
#include "agents/parameters.hpp"
#include "agents/toxicity/schedule.hpp"
#include "agents/toxicity/state.hpp"

namespace cartsim::agents {

/// What the systemic phase may touch and read.
struct SystemicView {
    SystemicState& state;
    CarTPool& blood;  ///< infusions arrive here
    const Parameters& parameters;
    const std::vector<InfusionDose>& infusions;
    const std::vector<DrugDose>& drug_doses;
    double time_days = 0.0;  ///< the tick's start
    double tick_days = 0.0;
    double engaged_cart_cells = 0.0;      ///< whole patient, now
    std::uint64_t kills_total = 0;        ///< whole patient, cumulative
    std::uint64_t activations_total = 0;  ///< CAR-T activations (compartments), cumulative
};

/// `cells` CAR-T cells into the blood: the product's memory-phenotype share as memory cells,
/// the rest resting (naive-like) cells, all at exhaustion 0.
void infuse(CarTPool& blood, double cells, double memory_phenotype_fraction);

/// Doses of the schedule given at day 0 (at the model's construction).
std::uint64_t day_zero_infusions(const std::vector<InfusionDose>& infusions);

/// One tick: infusions due (or held under car_t.hold_at_crs_grade), scheduled drug doses and
/// doses by the grade-triggered rules (from the grades of the last tick), then the physiology
/// over the tick and the grades at its end.
void systemic_step(const SystemicView& view);

}  // namespace cartsim::agents
