#pragma once
// Graded exhaustion (Good et al., Cell 2021): the score E in [0, 1] rises with antigen load
// (time engaged, and each antigen-driven division) and lowers killing, proliferation and
// cytokine output continuously; at E = 1 the cell is terminally exhausted. Rest heals only part
// of it: E decays toward its fixed part F (the share of engaged load that leaves an epigenetic
// scar, and all of the differentiation that divisions add), so recovery is partial and the
// cumulative load counts.

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

/// A cell's score after `load` more antigen load, `fixed_share` of it fixed (both capped at 1).
inline void add_exhaustion(float& exhaustion, float& fixed, double load, double fixed_share) {
    exhaustion = std::min(1.0F, exhaustion + static_cast<float>(load));
    fixed = std::min(exhaustion, fixed + static_cast<float>(load * fixed_share));
}

/// Rest: the healable part decays by `factor` (exp(-recovery rate x time)).
inline void rest_exhaustion(float& exhaustion, float fixed, double factor) {
    exhaustion = fixed + (exhaustion - fixed) * static_cast<float>(factor);
}

}  // namespace cartsim::agents
