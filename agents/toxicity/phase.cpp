#include "agents/toxicity/phase.hpp"

#include <algorithm>
#include <cmath>

#include "agents/toxicity/physiology.hpp"

namespace cartsim::agents {

namespace {

constexpr double kDayTolerance = 1e-9;

void give(SystemicState& s, const InterventionParameters& p, Drug drug, double amount, double day) {
    switch (drug) {
        case Drug::tocilizumab:
            s.tocilizumab_ug_per_ml += amount * 1000.0 / p.tocilizumab_distribution_ml_per_kg;
            s.tocilizumab_doses += 1;
            s.last_tocilizumab_day = day;
            break;
        case Drug::dexamethasone:
            s.steroid_mg += amount;
            s.dexamethasone_mg_total += amount;
            s.last_dexamethasone_day = day;
            break;
    }
}

// What a cumulative count added since the last tick; remembers the count for the next one.
double since_last_tick(std::uint64_t total, std::uint64_t& seen) {
    const std::uint64_t added = total - std::min(total, seen);
    seen = total;
    return static_cast<double>(added);
}

bool since(double last_day, double now, double hours) {
    return last_day < 0.0 || (now - last_day) * 24.0 >= hours - kDayTolerance;
}

}  // namespace

void infuse(CarTPool& blood, double cells, double memory_phenotype_fraction) {
    const auto memory = static_cast<std::uint64_t>(std::llround(cells * memory_phenotype_fraction));
    const auto all = static_cast<std::uint64_t>(std::llround(cells));
    blood.at(CarTState::memory, 0, 0) += memory;
    blood.at(CarTState::resting, 0, 0) += all - std::min(memory, all);
}

std::uint64_t day_zero_infusions(const std::vector<InfusionDose>& infusions) {
    std::uint64_t n = 0;
    while (n < infusions.size() && infusions[n].day <= kDayTolerance) ++n;
    return n;
}

void systemic_step(const SystemicView& view) {
    SystemicState& s = view.state;
    const Parameters& parameters = view.parameters;
    const InterventionParameters& p = parameters.interventions;
    const double now = view.time_days;
    // Infusions due: a dose falls due at the first tick at or after its day; the hold rule
    // (Frey et al., J Clin Oncol 2020) skips it while CRS is at or above the hold grade.
    while (s.next_infusion < view.infusions.size() &&
           view.infusions[s.next_infusion].day <= now + kDayTolerance) {
        const InfusionDose& dose = view.infusions[s.next_infusion];
        const std::int32_t hold = parameters.car_t.hold_at_crs_grade;
        if (hold > 0 && s.crs_grade >= hold) {
            s.held_infusions += 1;
        } else {
            infuse(view.blood, dose.dose_multiple * parameters.car_t.dose_cells,
                   parameters.car_t.memory_phenotype_fraction);
            s.infused_dose_multiple += dose.dose_multiple;
        }
        s.next_infusion += 1;
    }
    // Scheduled doses.
    while (s.next_scheduled_dose < view.drug_doses.size() &&
           view.drug_doses[s.next_scheduled_dose].day <= now + kDayTolerance) {
        const DrugDose& dose = view.drug_doses[s.next_scheduled_dose];
        give(s, p, dose.drug, dose.amount, now);
        s.next_scheduled_dose += 1;
    }
    // Rules triggered by grade (management algorithms, e.g. Neelapu et al., Nat Rev Clin Oncol
    // 2018): tocilizumab at CRS grade >= g, repeated while it holds; dexamethasone every few
    // hours while CRS or ICANS is at or above its trigger.
    if (p.tocilizumab_at_crs_grade > 0 && s.crs_grade >= p.tocilizumab_at_crs_grade &&
        s.tocilizumab_doses < static_cast<std::uint64_t>(p.tocilizumab_max_doses) &&
        since(s.last_tocilizumab_day, now, p.tocilizumab_repeat_hours)) {
        give(s, p, Drug::tocilizumab, p.tocilizumab_dose_mg_per_kg, now);
    }
    const bool steroid_for_crs =
        p.dexamethasone_at_crs_grade > 0 && s.crs_grade >= p.dexamethasone_at_crs_grade;
    const bool steroid_for_icans =
        p.dexamethasone_at_icans_grade > 0 && s.icans_grade >= p.dexamethasone_at_icans_grade;
    if ((steroid_for_crs || steroid_for_icans) &&
        since(s.last_dexamethasone_day, now, p.dexamethasone_every_hours)) {
        give(s, p, Drug::dexamethasone, p.dexamethasone_dose_mg, now);
    }

    const double kills = since_last_tick(view.kills_total, s.kills_seen);
    const double activations = since_last_tick(view.activations_total, s.activations_seen);
    // The priming of the tick's middle holds over the tick, like the drivers.
    const SystemicDrivers drivers{
        view.engaged_cart_cells, view.tick_days > 0 ? kills / view.tick_days : 0.0,
        lymphodepletion_myeloid_priming(parameters.toxicity, parameters.car_t.lymphodepletion,
                                        now + 0.5 * view.tick_days),
        view.tick_days > 0 ? activations / view.tick_days : 0.0};
    s.engaged_cart_cells = drivers.engaged_cart_cells;
    s.kills_per_day = drivers.kills_per_day;
    s.activations_per_day = drivers.activations_per_day;
    step_physiology(s, drivers, parameters.toxicity, p, view.tick_days);

    const ClinicalSigns signs = clinical_signs(s, parameters.toxicity, p);
    if (signs.temperature_celsius >= 38.0) s.fever_seen = 1.0;
    const bool treated = s.tocilizumab_doses > 0 || s.dexamethasone_mg_total > 0.0;
    s.crs_grade = crs_grade_astct(signs, s.fever_seen > 0.0 && treated);
    s.icans_grade = icans_grade_astct(signs);
    s.ice_score = signs.ice_score;
    s.crs_max_grade = std::max(s.crs_max_grade, s.crs_grade);
    s.icans_max_grade = std::max(s.icans_max_grade, s.icans_grade);
}

}  // namespace cartsim::agents
