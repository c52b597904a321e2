#include "agents/readouts/observe.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>

#include "agents/patient/phenotype.hpp"
#include "agents/toxicity/physiology.hpp"
#include "engine/parallel_for.hpp"

namespace cartsim::agents {

using engine::AgentSlot;

std::array<std::uint64_t, WindowTallies::kIntegers> WindowTallies::integers() const {
    std::array<std::uint64_t, kIntegers> values{};
    std::size_t k = 0;
    for (const std::uint64_t v : tissue) values[k++] = v;
    for (const std::uint64_t v : car_t_by_state) values[k++] = v;
    values[k++] = car_t_engaged;
    return values;
}

void WindowTallies::set_integers(const std::array<std::uint64_t, kIntegers>& values) {
    std::size_t k = 0;
    for (std::uint64_t& v : tissue) v = values[k++];
    for (std::uint64_t& v : car_t_by_state) v = values[k++];
    car_t_engaged = values[k++];
}

std::uint64_t WindowTallies::car_t_live() const {
    std::uint64_t live = 0;
    for (const std::uint64_t n : car_t_by_state) live += n;
    return live;
}

WindowTallies window_tallies(const ObservationView& view, const engine::Domain* owned_by) {
    WindowTallies w;
    const auto& tissue = view.tissue;
    const auto& cells = tissue.columns();
    const std::size_t n = tissue.slot_count();
    const double dim = view.parameters.readouts.cd19_dim_molecules;
    const auto counted = [&](const auto& population, std::size_t s) {
        const auto slot = static_cast<AgentSlot>(s);
        return population.alive(slot) &&
               (owned_by == nullptr || owned_by->owns_site(population.site(slot)));
    };
    // Every count of tissue cells in one pass (integer tallies: exact in any order).
    auto& tally = w.tissue;
    engine::parallel_for_chunks(n, engine::kSlotChunk, [&](std::size_t begin, std::size_t end) {
        std::array<std::uint64_t, WindowTallies::kTissueTallies> local{};
        for (std::size_t s = begin; s < end; ++s) {
            if (!counted(tissue, s)) continue;
            switch (cells.kind[s]) {
                case TissueKind::blast:
                    ++local[static_cast<std::size_t>(
                        phenotype_of(cells.flags[s], cells.cd19_molecules[s], dim))];
                    if (cells.cd19_molecules[s] <= 0.0F)
                        ++local[WindowTallies::kCd19NegativeBlasts];
                    break;
                case TissueKind::b_cell:
                    ++local[WindowTallies::kBCells];
                    break;
                case TissueKind::marrow_cell:
                    ++local[WindowTallies::kMarrowCells];
                    break;
            }
        }
        for (std::size_t k = 0; k < WindowTallies::kTissueTallies; ++k) {
            std::atomic_ref<std::uint64_t>(tally[k]).fetch_add(local[k], std::memory_order_relaxed);
        }
    });
    w.blast_cd19_molecules = engine::parallel_exact_reduce<engine::ExactSum>(
        n, [&](std::size_t begin, std::size_t end, engine::ExactSum& sum) {
            sum.add_terms(end - begin, [&](std::size_t i) {
                const std::size_t s = begin + i;
                return counted(tissue, s) && cells.kind[s] == TissueKind::blast
                           ? static_cast<double>(cells.cd19_molecules[s])
                           : 0.0;
            });
        });

    const auto& car_t = view.car_t;
    const auto& t = car_t.columns();
    for (std::size_t s = 0; s < kCarTStateCount; ++s) {
        w.car_t_by_state[s] = engine::parallel_count(car_t.slot_count(), [&](std::size_t i) {
            return counted(car_t, i) && static_cast<std::size_t>(t.state[i]) == s;
        });
    }
    w.car_t_engaged = engine::parallel_count(car_t.slot_count(), [&](std::size_t i) {
        return counted(car_t, i) && t.engaged_site[i] != engine::kNoSite;
    });
    return w;
}

Observables observe(const ObservationView& view) {
    return observe(view, window_tallies(view));
}

Observables observe(const ObservationView& view, const WindowTallies& window) {
    Observables o;
    o.time_days = view.time_days;
    const auto& tally = window.tissue;
    const auto window_phenotype = [&](BlastPhenotype phenotype) {
        return static_cast<double>(tally[static_cast<std::size_t>(phenotype)]);
    };
    o.blasts = 0.0;
    for (int k = 0; k < kBlastPhenotypeCount; ++k) {
        o.blasts += window_phenotype(static_cast<BlastPhenotype>(k));
    }
    o.blasts_cd19_negative = static_cast<double>(tally[WindowTallies::kCd19NegativeBlasts]);
    o.normal_b_cells = static_cast<double>(tally[WindowTallies::kBCells]);
    o.marrow_cells = static_cast<double>(tally[WindowTallies::kMarrowCells]);
    const double cd19_sum = window.blast_cd19_molecules.value();
    o.blast_cd19_mean_molecules = o.blasts > 0 ? cd19_sum / o.blasts : 0.0;

    const PatientCompartments& patient = view.patient;
    std::array<double, kCarTStateCount> by_state{};
    for (std::size_t s = 0; s < kCarTStateCount; ++s) {
        const auto state = static_cast<CarTState>(s);
        by_state[s] =
            static_cast<double>(patient.blood.total(state) + patient.lymphoid.total(state) +
                                patient.rest_marrow.total(state)) +
            static_cast<double>(window.car_t_by_state[s]);
    }
    o.cart_engaged = static_cast<double>(window.car_t_engaged);
    o.cart_resting = by_state[0];
    o.cart_effector = by_state[1];
    o.cart_memory = by_state[2];
    o.cart_exhausted = by_state[3];
    o.cart_marrow = static_cast<double>(window.car_t_live());
    o.cart_blood = static_cast<double>(patient.blood.total());
    o.cart_blood_per_ul = o.cart_blood / (view.parameters.space.blood_volume_ml * 1000.0);
    o.cart_rest_marrow = static_cast<double>(patient.rest_marrow.total());
    o.cart_lymphoid = static_cast<double>(patient.lymphoid.total());
    const double nucleated = o.blasts + o.normal_b_cells + o.marrow_cells + o.cart_marrow;
    o.blast_fraction = nucleated > 0 ? o.blasts / nucleated : 0.0;

    // The whole patient: the window plus the rest of the marrow. The rest's nucleated cells
    // are its cellularity's share of its sites, or more where blasts crowd into the free ones.
    const auto rest = [&](BlastPhenotype p) {
        return static_cast<double>(patient.rest_blasts[static_cast<std::size_t>(p)]);
    };
    const double rest_blasts = static_cast<double>(patient.rest_blast_total());
    const double rest_b_cells = static_cast<double>(patient.rest_b_cells);
    const double rest_nucleated =
        std::max(view.patient_constants.rest_cells, rest_blasts + rest_b_cells) +
        o.cart_rest_marrow;
    o.patient_blasts = o.blasts + rest_blasts;
    o.patient_blasts_cd19_dim =
        window_phenotype(BlastPhenotype::cd19_dim) + rest(BlastPhenotype::cd19_dim);
    o.patient_blasts_cd19_negative =
        window_phenotype(BlastPhenotype::cd19_negative) + rest(BlastPhenotype::cd19_negative);
    o.patient_blasts_lineage_switched =
        window_phenotype(BlastPhenotype::lineage_switched) + rest(BlastPhenotype::lineage_switched);
    o.patient_b_cells = o.normal_b_cells + rest_b_cells;
    for (const auto count : patient.sanctuary_blasts) {
        o.sanctuary_blasts += static_cast<double>(count);
    }
    for (const auto count : patient.lymphoid_blasts) {
        o.lymphoid_blasts += static_cast<double>(count);
    }
    const double patient_nucleated = nucleated + rest_nucleated;
    o.patient_blast_fraction = patient_nucleated > 0 ? o.patient_blasts / patient_nucleated : 0.0;
    o.endogenous_lymphocytes = patient.endogenous_lymphocytes;
    const CytokineField& il6 = view.cytokines["il6"];
    const CytokineField& ifng = view.cytokines["ifng"];
    o.il6_marrow_pg_per_ml = il6.marrow_mean_pg_per_ml();
    o.ifng_marrow_pg_per_ml = ifng.marrow_mean_pg_per_ml();
    // Serum and toxicity: the whole body's physiology (agents/toxicity).
    const SystemicState& s = view.systemic;
    const ToxicityParameters& tox = view.parameters.toxicity;
    const InterventionParameters& drugs = view.parameters.interventions;
    o.il6_pg_per_ml = s.il6_pg_per_ml;
    o.ifng_pg_per_ml = s.ifng_pg_per_ml;
    o.crs_grade = s.crs_grade;
    o.crs_max_grade = s.crs_max_grade;
    o.icans_max_grade = s.icans_max_grade;
    o.patient_cart_engaged = s.engaged_cart_cells;
    o.patient_kills_per_day = s.kills_per_day;
    o.patient_activations_per_day = s.activations_per_day;
    o.cart_activation_burst = s.cart_cells_in_activation_burst;
    o.monocyte_recruitment = s.monocyte_recruitment;
    o.il1_pg_per_ml = s.il1_pg_per_ml;
    o.il6_signalling = il6_signalling(s, tox, drugs);
    o.macrophage_activation = s.macrophage_activation;
    o.endothelial_activation = s.endothelial_activation;
    o.temperature_celsius = clinical_signs(s, tox, drugs).temperature_celsius;
    o.icans_grade = s.icans_grade;
    o.ice_score = s.ice_score;
    o.tocilizumab_ug_per_ml = s.tocilizumab_ug_per_ml;
    o.tocilizumab_doses = static_cast<double>(s.tocilizumab_doses);
    o.dexamethasone_mg = s.dexamethasone_mg_total;
    o.steroid_effect = steroid_effect(s, drugs);
    o.infused_dose_multiple = s.infused_dose_multiple;
    o.infusions_held = static_cast<double>(s.held_infusions);
    o.kills_blasts = static_cast<double>(view.kills.blasts);
    o.kills_b_cells = static_cast<double>(view.kills.b_cells);
    return o;
}

}  // namespace cartsim::agents
