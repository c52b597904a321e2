#pragma once
// Graded exhaustion (Good et al., Cell 2021): the score E in [0, 1] rises with antigen load and
// lowers killing, proliferation and cytokine output continuously; at E = 1 the cell is
// terminally exhausted, which does not heal. Below 1 the score decays while the cell is free.

#include <algorithm>

#include "agents/car_t/parameters.hpp"

namespace cartsim::agents {

/// Killing and cytokine output of a cell with score E, relative to a fresh cell: falls linearly
/// from 1 (E = 0) to product.exhausted_kill_factor (E = 1).
inline double exhaustion_activity(const ProductParameters& product, double exhaustion) {
    return 1.0 - (1.0 - product.exhausted_kill_factor) * std::clamp(exhaustion, 0.0, 1.0);
}

/// Proliferation of a cell with score E, relative to a fresh cell: 1 - E (none when exhausted).
inline double exhaustion_proliferation(double exhaustion) {
    return 1.0 - std::clamp(exhaustion, 0.0, 1.0);
}

}  // namespace cartsim::agents
