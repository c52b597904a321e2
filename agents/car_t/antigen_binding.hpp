#pragma once
// Probability that a CAR-T cell binds a target on one probe, from the target's antigen density.

#include <cmath>

#include "agents/parameters.hpp"

namespace cartsim::agents {

/// Hill function of antigen density: 0 at none, 1/2 at the threshold, -> 1 at high density.
/// Majzner et al., Cancer Discov 2020: ~2,000 CD19 molecules/cell for a full response.
inline double antigen_response(double molecules, double threshold_molecules, double hill) {
    if (molecules <= 0.0) return 0.0;
    const double x = std::pow(molecules / threshold_molecules, hill);
    return x / (1.0 + x);
}

/// Binding probability per probe: maximum x CAR surface level x antigen response. A dual
/// CD19/CD22 product binds if either antigen triggers (independent channels).
inline double bind_probability(const ProductParameters& product, bool targets_cd22,
                               double cd19_molecules, double cd22_molecules, double car_level) {
    double response = antigen_response(cd19_molecules, product.cd19_threshold_molecules,
                                       product.hill_coefficient);
    if (targets_cd22) {
        const double cd22 = antigen_response(cd22_molecules, product.cd22_threshold_molecules,
                                             product.hill_coefficient);
        response = 1.0 - (1.0 - response) * (1.0 - cd22);
    }
    return product.bind_probability_max * car_level * response;
}

}  // namespace cartsim::agents
