#pragma once
// The systemic physiology of CRS and ICANS (docs/MODEL.md "Toxicity"): ordinary differential
// equations over SystemicState driven by what the CAR-T cells do in the whole patient, and the
// clinical signs and ASTCT grades read from it. Deterministic (no random draws).

#include "agents/toxicity/parameters.hpp"
#include "agents/toxicity/state.hpp"

namespace cartsim::agents {

/// What drives the physiology over one tick, from the whole patient (window + compartments).
struct SystemicDrivers {
    double engaged_cart_cells = 0.0;   ///< CAR-T cells in a synapse with a target
    double kills_per_day = 0.0;        ///< target cells lysed (blasts and B cells)
    double myeloid_priming = 1.0;      ///< multiple of myeloid IL-6 and IL-1 output
    double activations_per_day = 0.0;  ///< CAR-T cells activated (resting or memory to effector)
};

/// Myeloid output multiple at `days_after_infusion` (ToxicityParameters: priming by
/// lymphodepletion, fading with its decay time; 1 without lymphodepletion).
double lymphodepletion_myeloid_priming(const ToxicityParameters& t, bool lymphodepletion,
                                       double days_after_infusion);

/// Share of IL-6 receptors (membrane and soluble) held by tocilizumab: C / (C + Kd).
double tocilizumab_occupancy(const SystemicState& s, const InterventionParameters& p);
/// What steroids remove at most a share of: D / (D + half effect), 0..1.
double steroid_effect(const SystemicState& s, const InterventionParameters& p);
/// IL-6 signalling through receptors not held by tocilizumab, 0..1.
double il6_signalling(const SystemicState& s, const ToxicityParameters& t,
                      const InterventionParameters& p);

/// The state of a patient before infusion (serum IL-6 at its baseline).
SystemicState systemic_state_at_rest(const ToxicityParameters& t);

/// Advances the ODEs by dt_days (classical RK4 on steps of at most 15 min), drivers constant.
void step_physiology(SystemicState& s, const SystemicDrivers& drivers, const ToxicityParameters& t,
                     const InterventionParameters& p, double dt_days);

/// The signs the ASTCT consensus grades (Lee et al., Biol Blood Marrow Transplant 2019).
struct ClinicalSigns {
    double temperature_celsius = 37.0;
    int hypotension = 0;  ///< 0 none, 1 needs fluids, 2 one vasopressor, 3 several
    int oxygen = 0;       ///< 0 none, 1 low-flow, 2 high-flow, 3 positive pressure
    double encephalopathy = 0.0;
    int ice_score = 10;  ///< 0-10 (immune effector cell encephalopathy score)
    bool unarousable = false;
};
ClinicalSigns clinical_signs(const SystemicState& s, const ToxicityParameters& t,
                             const InterventionParameters& p);

/// ASTCT CRS grade 0-4: fever (>= 38 C) is required, unless it was seen before and
/// tocilizumab or steroids may mask it; then the worse of hypotension and hypoxia.
int crs_grade_astct(const ClinicalSigns& signs, bool fever_masked);
/// ASTCT ICANS grade 0-4 from the ICE score and the level of consciousness.
int icans_grade_astct(const ClinicalSigns& signs);

}  // namespace cartsim::agents
