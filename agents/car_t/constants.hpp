#pragma once
// What the CAR-T rule and the blood compartment read: the product the run uses, chosen once,
// and every rate turned into a chance per fine step, so a rule never sees the parameter
// structs.

#include <cstdint>

#include "agents/parameters.hpp"
#include "engine/types.hpp"

namespace cartsim::agents {

struct CarTConstants {
    ProductParameters product;  ///< 4-1BB or CD28, by car_t.costimulation
    bool targets_cd22 = false;
    bool well_mixed = false;  ///< test mode: no walk (the shuffle phase moves cells)
    double turn_probability = 0.0;
    double effector_contraction = 0.0;
    double memory_loss = 0.0;
    double exhausted_death = 0.0;
    double contact_end = 0.0;
    double division_rate_per_day = 0.0;  ///< antigen-driven, fresh cell, fitness included
    double exit_to_blood = 0.0;
    double enter_marrow = 0.0;  ///< per blood CAR-T cell and step, into this marrow share
    double move = 0.0;
    double exhaustion_per_step = 0.0;        ///< while engaged
    double exhaustion_fixed_per_step = 0.0;  ///< of which rest cannot heal
    double exhaustion_per_division = 0.0;
    double exhaustion_recovery_factor = 1.0;
    double car_loss_per_step = 0.0;
    double car_recovery_per_step = 0.0;
    std::uint32_t activation_steps = 0;

    static CarTConstants from(const Parameters& parameters, double fine_step_days);
};

/// What changes slowly with the patient's state and every CAR-T cell reads: division chances
/// per fine step under the current IL-7/IL-15 availability (agents/patient/homeostasis.hpp) and
/// steroid exposure (agents/toxicity/physiology.hpp).
/// Set by the patient phase every tissue period; derived, not state (recomputed on restore).
struct CarTSignals {
    double division = 0.0;        ///< antigen-driven, per step, for a fresh (E = 0) cell
    double memory_renewal = 0.0;  ///< homeostatic division of a memory cell, per step
    double rejection = 0.0;       ///< death by host immunity, per cell and step
    double kill_scale = 1.0;      ///< what steroids leave of the kill chance
};

}  // namespace cartsim::agents
