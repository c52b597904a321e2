#pragma once
// The observables of the model at one moment (the time-series row), from what it holds.

#include <array>
#include <cstddef>
#include <cstdint>

#include "agents/car_t/columns.hpp"
#include "agents/car_t/phase.hpp"
#include "agents/cytokines/field_table.hpp"
#include "agents/parameters.hpp"
#include "agents/patient/compartments.hpp"
#include "agents/patient/constants.hpp"
#include "agents/patient/phenotype.hpp"
#include "agents/readouts/observables.hpp"
#include "agents/tissue/columns.hpp"
#include "agents/toxicity/state.hpp"
#include "engine/domain.hpp"
#include "engine/exact_sum.hpp"
#include "engine/population.hpp"

namespace cartsim::agents {

/// What observation reads (nothing is written).
struct ObservationView {
    double time_days = 0.0;
    const engine::Population<TissueColumns>& tissue;
    const engine::Population<CarTColumns>& car_t;
    const PatientCompartments& patient;
    const PatientConstants& patient_constants;
    const CytokineTable& cytokines;
    const KillCounters& kills;
    const SystemicState& systemic;
    double marrow_share = 0.0;  ///< simulated marrow / the patient's whole marrow
    const Parameters& parameters;
};

/// What observation counts over the window's cells: integers and one exact sum, so the parts
/// counted on several ranks add up to the whole window's, bit for bit (cli/mpi_ranks.cpp adds
/// them instead of gathering the state).
struct WindowTallies {
    /// Tissue cells: blasts by window phenotype, then CD19-negative blasts, B cells, marrow cells.
    static constexpr std::size_t kCd19NegativeBlasts = kBlastPhenotypeCount;
    static constexpr std::size_t kBCells = kCd19NegativeBlasts + 1;
    static constexpr std::size_t kMarrowCells = kBCells + 1;
    static constexpr std::size_t kTissueTallies = kMarrowCells + 1;
    std::array<std::uint64_t, kTissueTallies> tissue{};
    std::array<std::uint64_t, kCarTStateCount> car_t_by_state{};
    std::uint64_t car_t_engaged = 0;
    engine::ExactSum blast_cd19_molecules;

    /// Live CAR-T cells: each is in exactly one state.
    std::uint64_t car_t_live() const;

    /// Every integer in one list (tissue, then CAR-T by state, engaged), for a reduction.
    static constexpr std::size_t kIntegers = kTissueTallies + kCarTStateCount + 1;
    std::array<std::uint64_t, kIntegers> integers() const;
    void set_integers(const std::array<std::uint64_t, kIntegers>& values);
};

/// Tallies of the window's live cells: all of them (`owned_by` null), or those on the tiles a
/// rank's domain owns (each cell of a split model is then counted by exactly one rank).
WindowTallies window_tallies(const ObservationView& view, const engine::Domain* owned_by = nullptr);

/// Counts by kind and state in the window (from `window`, the whole window's tallies) and in the
/// whole patient (window plus compartments), blood concentration, serum (systemic) and mean
/// marrow cytokines, toxicity signs and grades, doses given.
Observables observe(const ObservationView& view, const WindowTallies& window);
/// The same with the window counted here.
Observables observe(const ObservationView& view);

}  // namespace cartsim::agents
