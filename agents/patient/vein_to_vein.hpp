#pragma once
// The marrow at infusion after the vein-to-vein interval (apheresis to infusion): the leukemia
// grows untreated by the rest-of-marrow mean field (docs/MODEL.md "Vein-to-vein interval").

#include "agents/parameters.hpp"

namespace cartsim::agents {

struct MarrowComposition {
    double blast_fraction = 0.0;   ///< blasts among tissue cells
    double b_cell_fraction = 0.0;  ///< normal B cells among tissue cells
};

/// The marrow at infusion: initial.blast_fraction and initial.b_cell_fraction are the marrow at
/// apheresis; over initial.vein_to_vein_days blasts follow dx/dt = (b c_free - d) x and B cells
/// dy/dt = p (1 - x - y) - y / L (fractions of tissue cells; c_free = 1 - cellularity (x + y),
/// the mean field's free share); then bridging therapy kills
/// initial.bridging_blast_kill_fraction of the blasts. Deterministic (no random draws).
MarrowComposition marrow_at_infusion(const Parameters& parameters);

}  // namespace cartsim::agents
