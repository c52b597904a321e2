#pragma once
// Parameters of the cytokine fields of the marrow window and their drainage into serum (the
// reported serum levels and grades are the whole body's: agents/toxicity). Units are in the
// names; ranges, descriptions and sources are in the parameter table
// (scenarios/model_parameters.cpp); the mechanisms in docs/MODEL.md.

#include <cstdint>

namespace cartsim::agents {

struct CytokineParameters {
    std::int32_t field_coarsening = 4;  ///< field cell edge in sites
    double ifng_diffusion_um2_per_min = 600.0;
    double ifng_decay_per_min = 0.02;          ///< local clearance and drainage to blood
    double ifng_secretion_pg_per_hour = 2e-5;  ///< per engaged CAR-T cell
    double il6_diffusion_um2_per_min = 600.0;
    double il6_decay_per_min = 0.02;
    double il6_per_ifng_pg_per_hour = 1.5e-9;  ///< per marrow cell per pg/mL of local IFN-g
    double il6_per_lysis_pg = 1e-5;            ///< released around each killed target
    double plasma_volume_ml = 3000.0;
    double ifng_systemic_clearance_per_day = 8.0;
    double il6_systemic_clearance_per_day = 4.0;
};

}  // namespace cartsim::agents
