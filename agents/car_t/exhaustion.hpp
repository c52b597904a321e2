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

/// Antigen-driven proliferation left to a cell whose fixed part is F: 1 - F / F_stop (none at
/// F_stop = product.division_stop_fixed_exhaustion). F counts the cell's cumulative stimulation
/// (its divisions and engaged scar), so a lineage's antigen-driven burst is bounded whatever
/// antigen remains, and its peak follows the number of cells that started it: the expansion of
/// effector T cells is a program of a limited number of divisions ending in terminal
/// differentiation (Kaech & Ahmed, Nat Immunol 2001), and CAR-T expansion ends at Tmax whatever
/// antigen remains (Stein et al., CPT:PSP 2019). Killing is not limited by it. F_stop = 1 (the
/// default) sets no limit: terminal exhaustion (E = 1 >= F) ends division anyway.
inline double burst_proliferation(const ProductParameters& product, double fixed) {
    const double stop = product.division_stop_fixed_exhaustion;
    if (stop >= 1.0) return 1.0;
    return std::clamp(1.0 - fixed / stop, 0.0, 1.0);
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
