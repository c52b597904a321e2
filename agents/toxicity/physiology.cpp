#include "agents/toxicity/physiology.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace cartsim::agents {

namespace {

constexpr double kHoursPerDay = 24.0;

double saturating(double x, double half) {
    return x > 0.0 ? x / (x + half) : 0.0;
}

// A switch (Hill coefficient 2): the steady trickle of CAR-T contacts and B-cell kills that
// maintains B-cell aplasia does not activate the myeloid compartment; expansion does.
double switching(double x, double half) {
    const double r = x / half;
    return x > 0.0 ? r * r / (1.0 + r * r) : 0.0;
}

// A switch of any steepness: (x / half)^n / (1 + (x / half)^n).
double hill(double x, double half, double n) {
    if (x <= 0.0) return 0.0;
    const double r = std::pow(x / half, n);
    return r / (1.0 + r);
}

// The ODE variables in a fixed order.
enum Var : std::size_t {
    kM,
    kIl6,
    kIl1,
    kIfng,
    kToci,
    kSteroid,
    kEndo,
    kLung,
    kCns,
    kBurst,
    kRecruit,
    kVars
};
using Vector = std::array<double, kVars>;

Vector pack(const SystemicState& s) {
    return {s.macrophage_activation,  s.il6_pg_per_ml,
            s.il1_pg_per_ml,          s.ifng_pg_per_ml,
            s.tocilizumab_ug_per_ml,  s.steroid_mg,
            s.endothelial_activation, s.lung_water,
            s.cns_inflammation,       s.cart_cells_in_activation_burst,
            s.monocyte_recruitment};
}

void unpack(const Vector& y, SystemicState& s) {
    const auto share = [](double v) { return std::clamp(v, 0.0, 1.0); };
    const auto level = [](double v) { return std::max(v, 0.0); };
    s.macrophage_activation = share(y[kM]);
    s.il6_pg_per_ml = level(y[kIl6]);
    s.il1_pg_per_ml = level(y[kIl1]);
    s.ifng_pg_per_ml = level(y[kIfng]);
    s.tocilizumab_ug_per_ml = level(y[kToci]);
    s.steroid_mg = level(y[kSteroid]);
    s.endothelial_activation = share(y[kEndo]);
    s.lung_water = share(y[kLung]);
    s.cns_inflammation = share(y[kCns]);
    s.cart_cells_in_activation_burst = level(y[kBurst]);
    s.monocyte_recruitment = level(y[kRecruit]);
}

Vector rates(const Vector& y, const SystemicDrivers& d, const ToxicityParameters& t,
             const InterventionParameters& p) {
    const double steroid = saturating(y[kSteroid], p.steroid_half_effect_mg);
    const double output = 1.0 - p.steroid_cytokine_effect * steroid;  // cytokine output left
    const double blocked = saturating(y[kToci], p.tocilizumab_kd_ug_per_ml);
    const double m = std::clamp(y[kM], 0.0, 1.0);
    const double il6 = std::max(y[kIl6], 0.0);
    const double il1 = std::max(y[kIl1], 0.0);
    const double ifng = std::max(y[kIfng], 0.0);
    const double endo = std::clamp(y[kEndo], 0.0, 1.0);
    Vector dy{};
    // Myeloid activation by CAR-T contact, by lysed targets and by IFN-g.
    const double drive =
        (t.contact_weight * switching(d.engaged_cart_cells, t.contact_half_saturation_cells) +
         t.lysis_weight * switching(d.kills_per_day, t.lysis_half_saturation_per_day) +
         t.ifng_weight * saturating(ifng, t.ifng_half_saturation_pg_per_ml)) /
        (t.contact_weight + t.lysis_weight + t.ifng_weight);
    dy[kM] = t.macrophage_activation_per_day * drive * output * (1.0 - m) -
             t.macrophage_deactivation_per_day * m;
    // Serum IL-6: myeloid and endothelial production; receptor-mediated clearance stops where
    // tocilizumab holds the receptor, so free IL-6 rises while its signalling falls.
    const double il6_clearance =
        t.il6_clearance_per_day + t.il6_receptor_clearance_per_day * (1.0 - blocked);
    const double il6_basal =
        t.il6_baseline_pg_per_ml * (t.il6_clearance_per_day + t.il6_receptor_clearance_per_day);
    const double myeloid = m * output * (d.myeloid_priming + std::max(y[kRecruit], 0.0));
    dy[kIl6] = il6_basal +
               (t.macrophage_il6_pg_per_day * myeloid + t.endothelial_il6_pg_per_day * endo) /
                   t.plasma_volume_ml -
               il6_clearance * il6;
    dy[kIl1] =
        t.macrophage_il1_pg_per_day * myeloid / t.plasma_volume_ml - t.il1_clearance_per_day * il1;
    dy[kIfng] = t.ifng_pg_per_engaged_cell_per_hour * kHoursPerDay * d.engaged_cart_cells * output /
                    t.plasma_volume_ml -
                t.ifng_clearance_per_day * ifng;
    dy[kToci] = -p.tocilizumab_elimination_per_day * y[kToci];
    dy[kSteroid] = -p.steroid_elimination_per_day * y[kSteroid];
    // Endothelium: IL-6 signalling, IL-1 and IFN-g activate it; it recovers over days.
    const double signalling =
        (1.0 - blocked) * saturating(il6, t.endothelial_il6_half_saturation_pg_per_ml);
    const double il1_signal = saturating(il1, t.il1_half_saturation_pg_per_ml);
    const double endothelial_drive =
        (signalling + t.endothelial_il1_weight * il1_signal +
         t.endothelial_ifng_weight *
             saturating(ifng, t.ifng_endothelial_half_saturation_pg_per_ml)) /
        (1.0 + t.endothelial_il1_weight + t.endothelial_ifng_weight);
    dy[kEndo] = t.endothelial_activation_per_day * endothelial_drive * (1.0 - endo) -
                t.endothelial_recovery_per_day * endo;
    const double leak = std::min(1.0, endo * t.capillary_leak_susceptibility);
    dy[kLung] = t.lung_water_per_day * (leak - y[kLung]);
    // The CNS: a leaky endothelium (the blood-brain barrier: the same vascular susceptibility)
    // lets free IL-6 and IL-1 in; tocilizumab does not cross it, so the free IL-6 it raises
    // reaches the brain. Steroids act through the cytokine output above.
    const double cns_drive = leak *
                             (saturating(il6, t.cns_il6_half_saturation_pg_per_ml) +
                              t.endothelial_il1_weight * il1_signal) /
                             (1.0 + t.endothelial_il1_weight);
    const double cns = std::clamp(y[kCns], 0.0, 1.0);
    dy[kCns] = t.cns_inflammation_per_day * cns_drive * (1.0 - cns) - t.cns_recovery_per_day * cns;
    // CAR-T cells in the cytokine burst of their activation, which fades within hours
    // (activation_burst_days).
    dy[kBurst] = d.activations_per_day - y[kBurst] / t.activation_burst_days;
    // Monocytes recruited by a large activation burst (MCP-1) add to the myeloid output for
    // days: a switch of the cells in the burst (0 for a negative intermediate of RK4).
    const double burst =
        hill(y[kBurst], t.activation_burst_half_saturation_cells, t.activation_burst_hill);
    dy[kRecruit] =
        t.monocyte_recruitment_per_day * burst - y[kRecruit] / t.monocyte_recruitment_decay_days;
    return dy;
}

}  // namespace

double lymphodepletion_myeloid_priming(const ToxicityParameters& t, bool lymphodepletion,
                                       double days_after_infusion) {
    if (!lymphodepletion) return 1.0;
    return 1.0 + t.lymphodepletion_myeloid_priming * std::exp(-std::max(days_after_infusion, 0.0) /
                                                              t.lymphodepletion_priming_decay_days);
}

double tocilizumab_occupancy(const SystemicState& s, const InterventionParameters& p) {
    return saturating(s.tocilizumab_ug_per_ml, p.tocilizumab_kd_ug_per_ml);
}

double steroid_effect(const SystemicState& s, const InterventionParameters& p) {
    return saturating(s.steroid_mg, p.steroid_half_effect_mg);
}

double il6_signalling(const SystemicState& s, const ToxicityParameters& t,
                      const InterventionParameters& p) {
    return (1.0 - tocilizumab_occupancy(s, p)) *
           saturating(s.il6_pg_per_ml, t.il6_signalling_half_saturation_pg_per_ml);
}

SystemicState systemic_state_at_rest(const ToxicityParameters& t) {
    SystemicState s;
    s.il6_pg_per_ml = t.il6_baseline_pg_per_ml;
    return s;
}

void step_physiology(SystemicState& s, const SystemicDrivers& drivers, const ToxicityParameters& t,
                     const InterventionParameters& p, double dt_days) {
    if (dt_days <= 0.0) return;
    const int steps = std::max(1, static_cast<int>(std::ceil(dt_days * 96.0 - 1e-9)));
    const double h = dt_days / steps;
    Vector y = pack(s);
    for (int i = 0; i < steps; ++i) {
        const auto at = [&](const Vector& k, double f) {
            Vector out{};
            for (std::size_t v = 0; v < kVars; ++v) out[v] = y[v] + f * h * k[v];
            return out;
        };
        const Vector k1 = rates(y, drivers, t, p);
        const Vector k2 = rates(at(k1, 0.5), drivers, t, p);
        const Vector k3 = rates(at(k2, 0.5), drivers, t, p);
        const Vector k4 = rates(at(k3, 1.0), drivers, t, p);
        for (std::size_t v = 0; v < kVars; ++v) {
            y[v] += h / 6.0 * (k1[v] + 2.0 * k2[v] + 2.0 * k3[v] + k4[v]);
        }
        SystemicState clamped;
        unpack(y, clamped);
        y = pack(clamped);
    }
    unpack(y, s);
}

ClinicalSigns clinical_signs(const SystemicState& s, const ToxicityParameters& t,
                             const InterventionParameters& p) {
    ClinicalSigns signs;
    // Pyrogens: IL-6 signalling and IL-1 (either raises the hypothalamic set point).
    const double pyrogen =
        1.0 - (1.0 - il6_signalling(s, t, p)) *
                  (1.0 - saturating(s.il1_pg_per_ml, t.il1_half_saturation_pg_per_ml));
    signs.temperature_celsius = 37.0 + t.fever_max_rise_celsius * pyrogen;
    const double leak = std::min(1.0, s.endothelial_activation * t.capillary_leak_susceptibility);
    signs.hypotension = leak >= t.hypotension_vasopressors_leak      ? 3
                        : leak >= t.hypotension_one_vasopressor_leak ? 2
                        : leak >= t.hypotension_fluids_leak          ? 1
                                                                     : 0;
    const double w = s.lung_water;
    signs.oxygen = w >= t.hypoxia_positive_pressure_lung_water ? 3
                   : w >= t.hypoxia_high_flow_lung_water       ? 2
                   : w >= t.hypoxia_low_flow_lung_water        ? 1
                                                               : 0;
    signs.encephalopathy = s.cns_inflammation * t.neuro_susceptibility;
    // The loader keeps the ICE-zero point above the onset; a NaN never reaches the cast.
    const double span = t.ice_score_zero_encephalopathy - t.icans_onset_encephalopathy;
    const double impairment =
        span > 0.0 ? (signs.encephalopathy - t.icans_onset_encephalopathy) / span
                   : (signs.encephalopathy > t.icans_onset_encephalopathy ? 1.0 : 0.0);
    const double ice = std::round(10.0 * (1.0 - impairment));
    signs.ice_score = std::isfinite(ice) ? static_cast<int>(std::clamp(ice, 0.0, 10.0)) : 0;
    signs.unarousable = signs.encephalopathy >= t.icans_grade4_encephalopathy;
    return signs;
}

int crs_grade_astct(const ClinicalSigns& signs, bool fever_masked) {
    const bool fever = signs.temperature_celsius >= 38.0;
    if (!fever && !fever_masked) return 0;
    // Hypotension: fluids only -> 2, one vasopressor -> 3, several -> 4; hypoxia: low-flow
    // oxygen -> 2, high-flow -> 3, positive pressure -> 4.
    const int worst = std::max(signs.hypotension, signs.oxygen);
    if (worst == 0) return fever ? 1 : 0;  // masked fever alone: resolved
    return worst + 1;
}

int icans_grade_astct(const ClinicalSigns& signs) {
    if (signs.unarousable) return 4;
    if (signs.ice_score <= 2) return 3;
    if (signs.ice_score <= 6) return 2;
    if (signs.ice_score <= 9) return 1;
    return 0;
}

}  // namespace cartsim::agents
