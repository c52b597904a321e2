#pragma once
// The patient phase: one tick (a tissue period) of the whole-patient compartments, and the
// blasts that home from them into the lattice window. Sequential, one random stream per tick.

#include <cstdint>

#include "agents/car_t/constants.hpp"
#include "agents/marrow/vessels.hpp"
#include "agents/parameters.hpp"
#include "agents/patient/compartments.hpp"
#include "agents/patient/constants.hpp"
#include "agents/tissue/antigen_by_site.hpp"
#include "agents/tissue/columns.hpp"
#include "engine/domain.hpp"
#include "engine/lattice.hpp"
#include "engine/occupancy_layer.hpp"
#include "engine/population.hpp"
#include "engine/types.hpp"

namespace cartsim::agents {

/// What the patient phase may touch.
struct PatientView {
    PatientCompartments& patient;
    engine::Population<TissueColumns>& tissue;  ///< homing blasts are added here
    AntigenBySite& antigen;
    const engine::OccupancyLayer& tissue_layer;
    const engine::Lattice& lattice;
    const Vessels& vessels;
    const PatientConstants& constants;
    const CarTSignals& signals;  ///< division and rejection chances under this tick's lymphocytes
    const Parameters& parameters;
    std::uint64_t seed = 0;
    /// The model state's rank: homing blasts are placed by the owner of their site's tile, from
    /// the occupancy the owners report (every rank draws every blast); none: a lone state.
    const engine::Domain* domain = nullptr;
};

/// Day 0: the rest of the marrow from the initial composition (blasts split by phenotype
/// with binomial draws, so rare clones are counted at patient scale), the whole dose in blood,
/// endogenous lymphocytes after lymphodepletion.
void initialize_patient(PatientCompartments& patient, const PatientConstants& constants,
                        const Parameters& parameters);

/// One tick: lymphocyte regrowth; CAR-T pools (contraction, memory, exhaustion, binding,
/// division, trafficking between blood, lymphoid tissues and the rest of the marrow); blasts and
/// B cells of the rest of the marrow (division, death, antigen loss, killing by its CAR-T
/// cells); blasts homing into the window.
void patient_step(const PatientView& view, engine::Step step);

/// How a compartment's CAR-T cells meet their targets now (mean field of the lattice's probe,
/// synapse and program; docs/MODEL.md "Patient scale").
struct CarTContact {
    double bind_per_probe = 0.0;      ///< chance that a free cell's probe binds
    double free_fraction = 1.0;       ///< share of time a cell is not in a synapse
    double bind_rate_per_day = 0.0;   ///< bindings per cell and day (free time included)
    double activated_fraction = 0.0;  ///< share with a proliferative program running
};
CarTContact rest_marrow_contact(const PatientCompartments& patient,
                                const PatientConstants& constants);
/// The same for spleen and lymph nodes (their blasts).
CarTContact lymphoid_contact(const PatientCompartments& patient, const PatientConstants& constants);

}  // namespace cartsim::agents
