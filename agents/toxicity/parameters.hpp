#pragma once
// Parameters of the systemic toxicity physiology (CRS and ICANS) and of the interventions that
// treat it. Units are in the names; ranges, descriptions and sources are in the parameter table
// (scenarios/model_parameters.cpp); the mechanisms in docs/MODEL.md "Toxicity".

#include <cstdint>
#include <string>

namespace cartsim::agents {

struct ToxicityParameters {
    // Monocytes/macrophages: the main IL-6 and IL-1 source (Giavridis et al., Nat Med 2018;
    // Norelli et al., Nat Med 2018). Activation a in [0, 1] of the whole body's myeloid cells.
    double macrophage_activation_per_day = 1.0;     ///< at full drive
    double macrophage_deactivation_per_day = 1.0;   ///< return to rest without drive
    double contact_half_saturation_cells = 5e9;     ///< engaged CAR-T cells (whole patient)
    double lysis_half_saturation_per_day = 1e11;    ///< target cells killed per day
    double ifng_half_saturation_pg_per_ml = 100.0;  ///< serum IFN-g activating macrophages
    double contact_weight = 1.0;                    ///< drive weights (sum of the three)
    double lysis_weight = 1.0;
    double ifng_weight = 0.5;
    /// Monocyte recruitment by the activation burst: resting or memory CAR-T cells that meet
    /// antigen release GM-CSF, TNF and chemokines for hours (Sterner et al., Blood 2019);
    /// when many activate together they recruit monocytes (MCP-1, which predicts severe CRS:
    /// Hay et al., Blood 2017) that add to the myeloid output for days. The switch is steep: the
    /// dose showed no relation to toxicity up to ~2.5e8 cells (Mueller et al., Clin Cancer Res
    /// 2018) and a strong one given at once above it (Frey et al., J Clin Oncol 2020: 5e8
    /// cells; Turtle et al., J Clin Invest 2016: 2e7/kg).
    double activation_burst_days = 0.25;                    ///< how long a cell's burst lasts
    double activation_burst_half_saturation_cells = 1.3e8;  ///< cells in their burst
    double activation_burst_hill = 8.0;                     ///< steepness of the switch
    double monocyte_recruitment_per_day = 20.0;  ///< added output multiple per day, full burst
    double monocyte_recruitment_decay_days = 4.0;
    // Serum cytokines of the whole body (one compartment, the plasma).
    double plasma_volume_ml = 3000.0;
    double macrophage_il6_pg_per_day = 2e8;       ///< all myeloid cells activated
    double endothelial_il6_pg_per_day = 5e6;      ///< fully activated endothelium
    double il6_baseline_pg_per_ml = 3.0;          ///< healthy serum level
    double il6_clearance_per_day = 1.5;           ///< not receptor-mediated (renal, other)
    double il6_receptor_clearance_per_day = 6.0;  ///< via IL-6R (blocked by tocilizumab)
    double il6_signalling_half_saturation_pg_per_ml = 1500.0;
    /// The endothelium answers IL-6 by trans-signalling (IL-6 with soluble IL-6R), which needs
    /// more IL-6 than the membrane receptors of immune and liver cells.
    double endothelial_il6_half_saturation_pg_per_ml = 2000.0;
    double macrophage_il1_pg_per_day = 1e6;
    /// Lymphodepletion primes the myeloid compartment: Cy/Flu lymphodepletion and early serum
    /// MCP-1 predict severe CRS (Hay et al., Blood 2017), read here as monocytes recruited and
    /// primed by the chemotherapy when the product arrives (a calibrated hypothesis). Myeloid IL-6
    /// and IL-1 output is multiplied by 1 + priming x exp(-t / decay) at t days after infusion (1
    /// without lymphodepletion), so a CRS that peaks early is worse than the same drive days later.
    double lymphodepletion_myeloid_priming = 2.0;
    double lymphodepletion_priming_decay_days = 4.0;
    double il1_clearance_per_day = 8.0;
    double il1_half_saturation_pg_per_ml = 50.0;
    double ifng_pg_per_engaged_cell_per_hour = 2e-5;
    double ifng_clearance_per_day = 8.0;
    double ifng_endothelial_half_saturation_pg_per_ml = 150.0;
    // Endothelium (Gust et al., Cancer Discov 2017; Obstfeld et al., Blood 2017).
    double endothelial_activation_per_day = 1.0;
    double endothelial_recovery_per_day = 0.5;
    double endothelial_il1_weight = 1.0;  ///< drive: IL-6 signalling + w1 IL-1 + wg IFN-g
    double endothelial_ifng_weight = 1.0;
    double capillary_leak_susceptibility = 1.0;  ///< patient-specific: leak = this x activation
    double lung_water_per_day = 1.0;             ///< lung water follows the leak with this rate
    // ASTCT signs (Lee et al., Biol Blood Marrow Transplant 2019): thresholds of the latent
    // leak (hypotension) and lung water (hypoxia), increasing.
    double fever_max_rise_celsius = 3.0;  ///< temperature 37 + this x pyrogen signalling
    double hypotension_fluids_leak = 0.3;
    double hypotension_one_vasopressor_leak = 0.45;
    double hypotension_vasopressors_leak = 0.65;
    double hypoxia_low_flow_lung_water = 0.35;
    double hypoxia_high_flow_lung_water = 0.5;
    double hypoxia_positive_pressure_lung_water = 0.7;
    // The CNS: inflammation driven by endothelial activation and free IL-6 and IL-1 in the CNS.
    double cns_inflammation_per_day = 2.0;
    double cns_recovery_per_day = 0.4;
    double cns_il6_half_saturation_pg_per_ml = 1000.0;
    double neuro_susceptibility = 1.0;  ///< patient-specific: encephalopathy = this x inflammation
    double icans_onset_encephalopathy = 0.4;     ///< ICE 10 up to here, then falls linearly
    double ice_score_zero_encephalopathy = 0.8;  ///< to 0 here
    double icans_grade4_encephalopathy = 0.9;    ///< unarousable, cerebral oedema
};

/// How CRS and ICANS are treated: rules triggered by grade (published management algorithms)
/// and scheduled doses, with the drugs' pharmacology.
struct InterventionParameters {
    std::int32_t tocilizumab_at_crs_grade = 2;  ///< 0 = never by rule
    double tocilizumab_dose_mg_per_kg = 8.0;
    double tocilizumab_repeat_hours = 8.0;  ///< while the trigger holds
    std::int32_t tocilizumab_max_doses = 4;
    double tocilizumab_distribution_ml_per_kg = 70.0;  ///< concentration = dose / this
    double tocilizumab_elimination_per_day = 0.15;
    double tocilizumab_kd_ug_per_ml = 0.4;          ///< IL-6R occupancy = C / (C + Kd)
    std::int32_t dexamethasone_at_crs_grade = 3;    ///< 0 = never by rule
    std::int32_t dexamethasone_at_icans_grade = 2;  ///< 0 = never by rule
    double dexamethasone_dose_mg = 10.0;
    double dexamethasone_every_hours = 6.0;     ///< while a trigger holds
    double steroid_elimination_per_day = 0.46;  ///< of the effect (dex-equivalent, mg)
    double steroid_half_effect_mg = 10.0;       ///< effect = D / (D + this)
    double steroid_proliferation_effect = 0.7;  ///< max share of CAR-T division removed
    double steroid_killing_effect = 0.3;        ///< max share of killing removed
    double steroid_cytokine_effect = 0.4;       ///< max share of cytokine output removed
    /// Scheduled doses, e.g. "tocilizumab@2, dexamethasone@3..7/6h:10" (docs/MODEL.md).
    std::string schedule;
};

}  // namespace cartsim::agents
