#pragma once
// The blood phase: CAR-T cells of the patient's blood (agents/patient/compartments.hpp) entering
// the lattice window through its vessel sites, every fine step, before the CAR-T sweep. How many
// cells enter is drawn once per step from the blood's counts (global state); where each one
// enters is drawn from its own stream, so no cell's draws depend on the crowding met by the
// entries before it. With several ranks every rank draws and settles every entry alike, from the
// occupancy the sites' owners report, and the owner of the site's tile adds the cell.
// What else happens in blood is the patient phase's.

#include <cstdint>

#include "agents/car_t/columns.hpp"
#include "agents/car_t/pool.hpp"
#include "agents/marrow/vessels.hpp"
#include "engine/domain.hpp"
#include "engine/lattice.hpp"
#include "engine/occupancy_layer.hpp"
#include "engine/population.hpp"

namespace cartsim::agents {

/// What the blood phase may touch.
struct BloodView {
    CarTPool& blood;                         ///< the patient's blood
    engine::Population<CarTColumns>& car_t;  ///< cells entering the window are added here
    const engine::OccupancyLayer& mobile_layer;
    const engine::Lattice& lattice;
    const Vessels& vessels;
    double enter_window = 0.0;  ///< chance per blood cell and step: homing x window share
    std::uint64_t seed = 0;
    /// The model state's rank (engine/domain.hpp); none: a lone state with every site.
    const engine::Domain* domain = nullptr;
};

/// One fine step: of each state and exhaustion level, a binomial share of the blood's cells
/// (stream blood_exchange: one binomial of all cells, then the entrants picked without
/// replacement across the bins) enters the window, each at a random vessel site (stream
/// blood_entry, keyed by the entry's ordinal in the step) or a free neighbour; a crowded vessel
/// keeps the cell in blood. A collective when the domain has an exchange (every rank calls it).
void blood_step(const BloodView& view, engine::Step step);

}  // namespace cartsim::agents
