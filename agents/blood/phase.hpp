#pragma once
// The blood phase: contraction and death of CAR-T cells in blood, and their entry into the
// marrow through vessel sites. Sequential (one stream per step), before the CAR-T sweep.

#include <cstdint>

#include "agents/blood/compartment.hpp"
#include "agents/car_t/columns.hpp"
#include "agents/car_t/constants.hpp"
#include "agents/marrow/vessels.hpp"
#include "engine/lattice.hpp"
#include "engine/occupancy_layer.hpp"
#include "engine/population.hpp"

namespace cartsim::agents {

/// What the blood phase may touch.
struct BloodView {
    BloodCompartment& blood;
    engine::Population<CarTColumns>& car_t;  ///< cells entering the marrow are added here
    const engine::OccupancyLayer& mobile_layer;
    const engine::Lattice& lattice;
    const Vessels& vessels;
    const CarTConstants& constants;
    std::uint64_t seed = 0;
};

/// One fine step of blood (stream blood_exchange): resting and effector cells contract, a
/// share becoming memory (Stein et al., CPT:PSP 2019); memory and exhausted cells die; then
/// cells of every state enter this marrow at random vessel sites (or a free neighbour; a
/// crowded vessel keeps them in blood).
void blood_step(const BloodView& view, engine::Step step);

}  // namespace cartsim::agents
