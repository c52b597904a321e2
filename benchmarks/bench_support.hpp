#pragma once
// Shared set-up of the model micro-benchmarks: small marrows built through the public API of
// agents/marrow_model.hpp. A warmed-up state (days of simulated time) is computed once per
// process and re-used through save_state/restore_state, so every repetition of a benchmark starts
// from the same state and the warm-up cost is paid once.

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <string>

#include "agents/marrow_model.hpp"
#include "agents/parameters.hpp"
#include "engine/parallelism.hpp"

namespace cartsim::bench {

/// Default (baseline) biology on an nx x ny x nz marrow with this whole-body CAR-T dose.
inline agents::Parameters marrow_parameters(std::int32_t nx, std::int32_t ny, std::int32_t nz,
                                            double dose_cells) {
    agents::Parameters parameters;
    parameters.space.nx = nx;
    parameters.space.ny = ny;
    parameters.space.nz = nz;
    parameters.car_t.dose_cells = dose_cells;
    return parameters;
}

/// The state of a model with `parameters` after `days` of simulated time, computed once per
/// `name` and process (with 2 threads: the result is the same at any thread count).
inline const engine::SavedState& warmed_up_state(const std::string& name,
                                                 const agents::Parameters& parameters,
                                                 double days) {
    static std::map<std::string, engine::SavedState> cache;
    const auto found = cache.find(name);
    if (found != cache.end()) return found->second;
    engine::SavedState state;
    engine::run_with_threads(2, [&] {
        agents::MarrowModel model(parameters);
        const auto steps = static_cast<engine::Step>(std::llround(days / model.fine_step_days()));
        while (model.current_step() < steps) model.step();
        state = model.save_state();
    });
    return cache.emplace(name, std::move(state)).first->second;
}

/// True when the model's next step runs the tissue phase.
inline bool tissue_phase_due(const agents::MarrowModel& model) {
    return model.current_step() %
               static_cast<engine::Step>(model.parameters().time.tissue_period_steps) ==
           0;
}

/// True when the model's next step runs the cytokine (field) phase.
inline bool field_phase_due(const agents::MarrowModel& model) {
    const auto period = static_cast<engine::Step>(model.parameters().time.field_period_steps);
    return model.current_step() % period == period - 1;
}

}  // namespace cartsim::bench
