#pragma once
// The observables of the model at one moment (the time-series row), from what it holds.

#include "agents/car_t/columns.hpp"
#include "agents/car_t/phase.hpp"
#include "agents/cytokines/field_table.hpp"
#include "agents/parameters.hpp"
#include "agents/patient/compartments.hpp"
#include "agents/patient/constants.hpp"
#include "agents/readouts/observables.hpp"
#include "agents/tissue/columns.hpp"
#include "agents/toxicity/state.hpp"
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

/// Counts by kind and state in the window (parallel, exact) and in the whole patient (window
/// plus compartments), blood concentration,
/// serum (systemic) and mean marrow cytokines, toxicity signs and grades, doses given.
Observables observe(const ObservationView& view);

}  // namespace cartsim::agents
