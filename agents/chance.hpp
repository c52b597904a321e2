#pragma once
// Rates (per day) as chances per step, the conversion every rule uses.

#include <cmath>

namespace cartsim::agents {

/// Probability that an event of this rate (per day) happens within `days`.
inline double chance(double rate_per_day, double days) {
    return -std::expm1(-rate_per_day * days);
}

}  // namespace cartsim::agents
