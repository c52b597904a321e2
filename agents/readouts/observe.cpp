#include "agents/readouts/observe.hpp"

#include <array>

#include "engine/parallel_for.hpp"

namespace cartsim::agents {

using engine::AgentSlot;

int crs_grade(double il6, const CytokineParameters& p) {
    if (il6 >= p.crs_grade4_il6_pg_per_ml) return 4;
    if (il6 >= p.crs_grade3_il6_pg_per_ml) return 3;
    if (il6 >= p.crs_grade2_il6_pg_per_ml) return 2;
    if (il6 >= p.crs_grade1_il6_pg_per_ml) return 1;
    return 0;
}

Observables observe(const ObservationView& view) {
    Observables o;
    o.time_days = view.time_days;
    const auto& tissue = view.tissue;
    const auto& cells = tissue.columns();
    const std::size_t n = tissue.slot_count();
    auto count_if = [&](auto predicate) {
        return static_cast<double>(engine::parallel_count(n, [&](std::size_t slot) {
            return tissue.alive(static_cast<AgentSlot>(slot)) && predicate(slot);
        }));
    };
    o.blasts = count_if([&](std::size_t s) { return cells.kind[s] == TissueKind::blast; });
    o.blasts_cd19_negative = count_if([&](std::size_t s) {
        return cells.kind[s] == TissueKind::blast && cells.cd19_molecules[s] <= 0.0F;
    });
    o.normal_b_cells = count_if([&](std::size_t s) { return cells.kind[s] == TissueKind::b_cell; });
    o.marrow_cells =
        count_if([&](std::size_t s) { return cells.kind[s] == TissueKind::marrow_cell; });
    const double cd19_sum = engine::deterministic_sum(n, [&](std::size_t s) {
        return tissue.alive(static_cast<AgentSlot>(s)) && cells.kind[s] == TissueKind::blast
                   ? static_cast<double>(cells.cd19_molecules[s])
                   : 0.0;
    });
    o.blast_cd19_mean_molecules = o.blasts > 0 ? cd19_sum / o.blasts : 0.0;

    const auto& car_t = view.car_t;
    const auto& t = car_t.columns();
    std::array<double, kCarTStateCount> by_state{};
    for (std::size_t s = 0; s < kCarTStateCount; ++s) {
        by_state[s] =
            static_cast<double>(view.blood.count[s]) +
            static_cast<double>(engine::parallel_count(car_t.slot_count(), [&](std::size_t i) {
                return car_t.alive(static_cast<AgentSlot>(i)) &&
                       static_cast<std::size_t>(t.state[i]) == s;
            }));
    }
    o.cart_engaged =
        static_cast<double>(engine::parallel_count(car_t.slot_count(), [&](std::size_t i) {
            return car_t.alive(static_cast<AgentSlot>(i)) && t.engaged_site[i] != engine::kNoSite;
        }));
    o.cart_resting = by_state[0];
    o.cart_effector = by_state[1];
    o.cart_memory = by_state[2];
    o.cart_exhausted = by_state[3];
    o.cart_marrow = static_cast<double>(car_t.live_count());
    o.cart_blood = static_cast<double>(view.blood.total());
    o.cart_blood_per_ul =
        o.cart_blood / view.marrow_share / (view.parameters.space.blood_volume_ml * 1000.0);
    const double nucleated = o.blasts + o.normal_b_cells + o.marrow_cells + o.cart_marrow;
    o.blast_fraction = nucleated > 0 ? o.blasts / nucleated : 0.0;
    const CytokineField& il6 = view.cytokines["il6"];
    const CytokineField& ifng = view.cytokines["ifng"];
    o.il6_pg_per_ml = il6.serum_pg_per_ml();
    o.ifng_pg_per_ml = ifng.serum_pg_per_ml();
    o.il6_marrow_pg_per_ml = il6.marrow_mean_pg_per_ml();
    o.ifng_marrow_pg_per_ml = ifng.marrow_mean_pg_per_ml();
    o.crs_grade = crs_grade(o.il6_pg_per_ml, view.parameters.cytokines);
    o.kills_blasts = static_cast<double>(view.kills.blasts);
    o.kills_b_cells = static_cast<double>(view.kills.b_cells);
    return o;
}

}  // namespace cartsim::agents
