#pragma once
// Lymphodepletion and homeostatic cytokines (Kimmel et al. 2021): fludarabine/cyclophosphamide
// removes endogenous lymphocytes, which then regrow; IL-7 and IL-15 are made at a steady rate
// and consumed by lymphocytes, so their availability is high while lymphocytes are few. It
// speeds antigen-driven CAR-T division and the homeostatic self-renewal of memory cells.

#include <cmath>

#include "agents/car_t/constants.hpp"
#include "agents/chance.hpp"
#include "agents/parameters.hpp"

namespace cartsim::agents {

/// IL-7/IL-15 availability relative to a patient with normal lymphocyte counts:
/// a = (K + 1) / (K + lymphocytes), K = car_t.homeostatic_half_saturation.
inline double homeostatic_availability(const CarTParameters& p, double lymphocytes) {
    return (p.homeostatic_half_saturation + 1.0) / (p.homeostatic_half_saturation + lymphocytes);
}

/// Multiplier of antigen-driven division: (a / a_after_lymphodepletion)^sensitivity, so the
/// doubling time fitted in lymphodepleted patients (Stein et al., CPT:PSP 2019) holds right
/// after lymphodepletion, and division is slower as lymphocytes recover or without it.
inline double homeostatic_division_multiplier(const CarTParameters& p, double lymphocytes) {
    const double after_depletion = homeostatic_availability(p, p.lymphodepletion_depth);
    return std::pow(homeostatic_availability(p, lymphocytes) / after_depletion,
                    p.homeostatic_sensitivity);
}

/// Endogenous lymphocytes after `days` of logistic regrowth at `rate_per_day` (exact).
inline double regrow_lymphocytes(double lymphocytes, double rate_per_day, double days) {
    const double growth = std::exp(rate_per_day * days);
    return lymphocytes * growth / (1.0 + lymphocytes * (growth - 1.0));
}

/// The CAR-T cells' division chances per fine step under the current lymphocyte count.
/// `steroid` is the steroid effect (0..1): it removes up to interventions.
/// steroid_proliferation_effect of division and steroid_killing_effect of killing.
inline CarTSignals car_t_signals(const Parameters& parameters, const CarTConstants& constants,
                                 double lymphocytes, double fine_step_days, double steroid = 0.0) {
    const CarTParameters& p = parameters.car_t;
    const InterventionParameters& drugs = parameters.interventions;
    CarTSignals signals;
    signals.division =
        chance(constants.division_rate_per_day * homeostatic_division_multiplier(p, lymphocytes) *
                   (1.0 - drugs.steroid_proliferation_effect * steroid),
               fine_step_days);
    signals.kill_scale = 1.0 - drugs.steroid_killing_effect * steroid;
    signals.rejection = chance(p.rejection_per_day * lymphocytes, fine_step_days);
    signals.memory_renewal = chance(
        constants.product.memory_self_renewal_per_day * homeostatic_availability(p, lymphocytes),
        fine_step_days);
    return signals;
}

}  // namespace cartsim::agents
