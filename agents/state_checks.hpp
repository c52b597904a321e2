#pragma once
// What a restored state must satisfy before the model may run on it: the invariants of each
// component, checked value by value. A state read from a file (a checkpoint) is only as good as
// the file: a site off the lattice, an enum value out of range or a NaN field would crash the
// run, hang it or poison it long after the resume. MarrowModel::restore_state runs these
// checks on every restore; a failure throws std::invalid_argument naming the piece of state
// ("car_t/state"), the slot or cell, the value and what was expected.

#include <cstdint>
#include <span>

#include "agents/car_t/columns.hpp"
#include "agents/car_t/constants.hpp"
#include "agents/cytokines/field_table.hpp"
#include "agents/extensions/cell_kind.hpp"
#include "agents/marrow/vessels.hpp"
#include "agents/patient/compartments.hpp"
#include "agents/patient/constants.hpp"
#include "agents/tissue/columns.hpp"
#include "agents/toxicity/state.hpp"
#include "engine/lattice.hpp"
#include "engine/population.hpp"

namespace cartsim::agents {

/// CAR-T counts of a patient compartment above this are refused: a patient holds at most
/// ~1e11-1e12 CAR-T cells at the peak, and a huge count would make the blood phase loop for
/// hours placing cells.
inline constexpr std::uint64_t kMaxPatientCarTCells = 10'000'000'000'000ULL;

/// `next_tick`: the first tissue tick still to run; no live cell's event may lie before it.
void check_tissue_state(const engine::Population<TissueColumns>& tissue, const Vessels& vessels,
                        TissueTick next_tick);
void check_car_t_state(const engine::Population<CarTColumns>& car_t, const engine::Lattice& lattice,
                       const CarTConstants& constants);
void check_patient_state(const PatientCompartments& patient, const PatientConstants& constants);
void check_cytokine_state(const CytokineTable& cytokines);
/// The IL-6 producers per field cell as saved: at most the field cell's sites (`capacity`).
void check_il6_producer_counts(std::span<const std::uint32_t> saved,
                               std::span<const std::uint32_t> capacity);
/// `infusions` and `drug_doses`: the lengths of the run's schedules.
void check_systemic_state(const SystemicState& s, std::size_t infusions, std::size_t drug_doses);
void check_extra_cell_kind_state(const engine::Population<ExtraColumns>& cells);

}  // namespace cartsim::agents
