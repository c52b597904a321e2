#pragma once
// Whole-patient runs for model tests: the default biology on a small 2-D window, observed
// once a day. Response and CAR-T kinetics are read at patient scale, so a small window keeps
// these runs cheap.

#include <cstdint>
#include <vector>

#include "agents/marrow_model.hpp"
#include "engine/parallelism.hpp"

namespace cartsim::agents::testing {

/// The default (4-1BB baseline) patient on an `edge` x `edge` 2-D window.
inline Parameters small_window_patient(std::int32_t edge, std::uint64_t seed) {
    Parameters p;
    p.seed = seed;
    p.space.nx = edge;
    p.space.ny = edge;
    p.space.nz = 1;
    return p;
}

/// No grade-triggered CRS or ICANS treatment (tocilizumab, dexamethasone): the untreated course.
inline void withhold_toxicity_treatment(Parameters& p) {
    p.interventions.tocilizumab_at_crs_grade = 0;
    p.interventions.dexamethasone_at_crs_grade = 0;
    p.interventions.dexamethasone_at_icans_grade = 0;
}

/// Observations at 0, 1, ..., `records` times `steps_between` fine steps (one thread; results
/// do not depend on it).
inline std::vector<Observables> observations_every(const Parameters& p, int steps_between,
                                                   int records) {
    std::vector<Observables> out;
    engine::run_with_threads(1, [&] {
        MarrowModel model(p);
        out.push_back(model.observe());
        for (int r = 1; r <= records; ++r) {
            for (int s = 0; s < steps_between; ++s) model.step();
            out.push_back(model.observe());
        }
    });
    return out;
}

/// Observations at days 0, 1, ..., days.
inline std::vector<Observables> daily_observations(const Parameters& p, int days) {
    return observations_every(p, static_cast<int>(1440.0 / p.time.fine_step_min), days);
}

/// Observations every tissue tick (an hour by default) for `days` days.
inline std::vector<Observables> tick_observations(const Parameters& p, int days) {
    const int ticks_per_day =
        static_cast<int>(1440.0 / p.time.fine_step_min) / p.time.tissue_period_steps;
    return observations_every(p, p.time.tissue_period_steps, days * ticks_per_day);
}

}  // namespace cartsim::agents::testing
