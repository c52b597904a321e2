#pragma once
// What tutorials 03 and 04 share: a small 3-D marrow with a strong dose, so CAR-T cells engage
// targets within a day, and a run that records every observable.

#include <vector>

#include "agents/marrow_model.hpp"

namespace cartsim::tutorial {

inline agents::Parameters small_marrow() {
    agents::Parameters p;
    p.space.nx = p.space.ny = p.space.nz = 24;
    p.car_t.dose_cells = 1e11;
    return p;
}

/// Every observable after each of `steps` steps (flattened).
inline std::vector<double> observed_run(agents::MarrowModel& model, int steps) {
    std::vector<double> values;
    for (int s = 0; s < steps; ++s) {
        model.step();
        model.observe().for_each(
            [&](std::string_view, std::string_view, double v) { values.push_back(v); });
    }
    return values;
}

}  // namespace cartsim::tutorial
