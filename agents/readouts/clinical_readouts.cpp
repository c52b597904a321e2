#include "agents/readouts/clinical_readouts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "agents/patient/phenotype.hpp"

namespace cartsim::agents {

double relapse_kind_of(const Observables& o) {
    const double blasts = o.patient_blasts;
    if (blasts <= 0.0) return 0.0;
    const auto code = [](BlastPhenotype p) { return 1.0 + static_cast<double>(p); };
    if (o.patient_blasts_lineage_switched >= 0.5 * blasts) {
        return code(BlastPhenotype::lineage_switched);
    }
    if (o.patient_blasts_cd19_negative + o.patient_blasts_lineage_switched >= 0.5 * blasts) {
        return code(BlastPhenotype::cd19_negative);
    }
    if (o.patient_blasts_cd19_dim >= 0.5 * blasts) return code(BlastPhenotype::cd19_dim);
    return code(BlastPhenotype::cd19_positive);
}

namespace {

// Trapezoid of the blood level over the part of [t0, t1] inside [0, horizon].
double auc_part(const Observables& previous, const Observables& now, double horizon) {
    const double t0 = previous.time_days;
    const double t1 = std::min(now.time_days, horizon);
    if (t1 <= t0) return 0.0;
    const double dt = now.time_days - t0;
    const double v1 = previous.cart_blood_per_ul +
                      (now.cart_blood_per_ul - previous.cart_blood_per_ul) * (t1 - t0) / dt;
    return 0.5 * (previous.cart_blood_per_ul + v1) * (t1 - t0);
}

}  // namespace

void LogLinearFit::add(double t, double level) {
    const double y = std::log(level);
    n += 1;
    sum_t += t;
    sum_y += y;
    sum_tt += t * t;
    sum_ty += t * y;
}

double LogLinearFit::half_life() const {
    if (n < 3) return std::numeric_limits<double>::quiet_NaN();
    const double spread = n * sum_tt - sum_t * sum_t;
    if (spread <= 0.0) return std::numeric_limits<double>::quiet_NaN();
    const double slope = (n * sum_ty - sum_t * sum_y) / spread;
    return slope < 0.0 ? std::log(2.0) / -slope : std::numeric_limits<double>::infinity();
}

void ClinicalReadouts::record(const Observables& o) {
    ClinicalEndpoints& e = endpoints_;
    const auto& p = parameters_;
    if (!have_previous_) baseline_b_cells_ = o.patient_b_cells;

    // Response is assessed at patient scale: window plus the rest of the marrow.
    const double blasts = o.patient_blast_fraction;
    if (o.time_days > 0.0) {
        const bool below = blasts < p.cr_blast_fraction;
        // Until the response assessment a remission is provisional, as the clinic's is until the
        // day-28 marrow: blasts back above the threshold undo it (a patient infused below it
        // after bridging, whose disease rises before the expansion catches up, is not in CR
        // and has not relapsed). From the assessment on, a return above it is relapse.
        // In remission while cr_day is set.
        if (!below && !std::isnan(e.cr_day) && o.time_days <= p.response_assessment_day) {
            e.cr_day = ClinicalEndpoints::kNever;
            e.mrd_negative_day = ClinicalEndpoints::kNever;
        }
        if (std::isnan(e.cr_day) && below) e.cr_day = o.time_days;
        if (std::isnan(e.mrd_negative_day) && blasts < p.mrd_blast_fraction) {
            e.mrd_negative_day = o.time_days;
        }
        if (!below && !std::isnan(e.cr_day) && std::isnan(e.relapse_day)) {
            e.relapse_day = o.time_days;
            e.relapse_cd19_negative_fraction =
                o.patient_blasts > 0
                    ? (o.patient_blasts_cd19_negative + o.patient_blasts_lineage_switched) /
                          o.patient_blasts
                    : 0.0;
            e.relapse_kind = relapse_kind_of(o);
        }
        // Expansion starts at the first rise after infusion: the dose itself, in blood at day
        // 0 and distributing into tissues, is not the peak.
        if (have_previous_ && o.cart_blood_per_ul > previous_.cart_blood_per_ul) {
            expanding_ = true;
        }
        if (expanding_ && o.cart_blood_per_ul > e.cart_peak_per_ul) {
            e.cart_peak_per_ul = o.cart_blood_per_ul;
            e.cart_peak_day = o.time_days;
            // Fold expansion: the peak over the trough before it (the distribution phase's).
            if (trough_before_peak_ > 0.0) {
                e.cart_fold_expansion = o.cart_blood_per_ul / trough_before_peak_;
            }
            contraction_ = LogLinearFit{};  // the contraction phase starts at the (new) peak
        }
        if (o.cart_blood_per_ul > 0.0 &&
            (trough_before_peak_ <= 0.0 || o.cart_blood_per_ul < trough_before_peak_)) {
            trough_before_peak_ = o.cart_blood_per_ul;
        }
        if (o.cart_blood_per_ul >= p.cart_detection_limit_per_ul) {
            e.cart_last_detectable_day = o.time_days;
        }
    }
    // Half-lives as a pharmacologist reads them: a log-linear fit of each phase (the
    // biexponential decline after Tmax of Stein et al., CPT:PSP 2019).
    if (o.cart_blood_per_ul > 0.0 && !std::isnan(e.cart_peak_day) &&
        o.time_days <= e.cart_peak_day + p.contraction_window_days) {
        contraction_.add(o.time_days, o.cart_blood_per_ul);
        e.cart_contraction_half_life_days = contraction_.half_life();
    }
    if (o.time_days >= p.persistence_from_day && o.cart_blood_per_ul > 0.0 &&
        o.cart_blood_per_ul >= p.cart_detection_limit_per_ul) {
        persistence_.add(o.time_days, o.cart_blood_per_ul);
        e.cart_persistence_half_life_days = persistence_.half_life();
    }
    if (have_previous_) {
        const double dt = o.time_days - previous_.time_days;
        e.cart_auc_0_28 += auc_part(previous_, o, 28.0);
        e.cart_auc_0_84 += auc_part(previous_, o, 84.0);
        const bool aplastic = baseline_b_cells_ > 0 &&
                              o.patient_b_cells < p.b_cell_aplasia_fraction * baseline_b_cells_;
        if (aplastic) e.b_cell_aplasia_days += dt;
        if (aplastic) in_aplasia_ = true;
        if (in_aplasia_ && !aplastic && std::isnan(e.b_cell_recovery_day)) {
            e.b_cell_recovery_day = o.time_days;
        }
    }
    e.il6_peak_pg_per_ml = std::max(e.il6_peak_pg_per_ml, o.il6_pg_per_ml);
    e.ifng_peak_pg_per_ml = std::max(e.ifng_peak_pg_per_ml, o.ifng_pg_per_ml);
    e.il1_peak_pg_per_ml = std::max(e.il1_peak_pg_per_ml, o.il1_pg_per_ml);
    // Toxicity as the ASTCT consensus grades it (agents/toxicity): maximum, onset, time spent
    // at grade >= 1 (the interval before a record counts at that record's grade).
    // The maxima come from every tissue tick (a grade between two records counts).
    e.crs_max_grade = std::max({e.crs_max_grade, o.crs_grade, o.crs_max_grade});
    e.icans_max_grade = std::max({e.icans_max_grade, o.icans_grade, o.icans_max_grade});
    if (std::isnan(e.crs_onset_day) && e.crs_max_grade >= 1.0) e.crs_onset_day = o.time_days;
    if (std::isnan(e.icans_onset_day) && e.icans_max_grade >= 1.0) {
        e.icans_onset_day = o.time_days;
    }
    if (have_previous_) {
        const double dt = o.time_days - previous_.time_days;
        if (o.crs_grade >= 1.0) e.crs_duration_days += dt;
        if (o.icans_grade >= 1.0) e.icans_duration_days += dt;
    }
    e.tocilizumab_doses = o.tocilizumab_doses;
    e.dexamethasone_mg = o.dexamethasone_mg;
    if (std::isnan(e.tocilizumab_first_day) && o.tocilizumab_doses > 0.0) {
        e.tocilizumab_first_day = o.time_days;
    }
    if (std::isnan(e.dexamethasone_first_day) && o.dexamethasone_mg > 0.0) {
        e.dexamethasone_first_day = o.time_days;
    }
    e.infused_dose_multiple = o.infused_dose_multiple;
    e.final_blast_fraction = o.patient_blast_fraction;
    e.days_simulated = o.time_days;
    previous_ = o;
    have_previous_ = true;
}

std::string ClinicalReadouts::describe() const {
    const ClinicalEndpoints& e = endpoints_;
    auto day = [](double d) {
        return std::isnan(d) ? std::string("never") : fmt::format("day {:.2f}", d);
    };
    std::string out;
    auto line = [&out](const std::string& label, const std::string& value) {
        out += fmt::format("  {:<38} {}\n", label + ":", value);
    };
    // A remission seen before the assessment day is provisional (it may still be undone).
    const bool provisional =
        !std::isnan(e.cr_day) && e.days_simulated < parameters_.response_assessment_day;
    line(fmt::format("complete remission (<{:g}% blasts)", parameters_.cr_blast_fraction * 100),
         day(e.cr_day) + (provisional ? fmt::format(" (provisional: the run ends before the "
                                                    "day-{:g} assessment)",
                                                    parameters_.response_assessment_day)
                                      : std::string()));
    line(fmt::format("MRD-negative (<{:g} blasts)", parameters_.mrd_blast_fraction),
         day(e.mrd_negative_day));
    line("relapse",
         day(e.relapse_day) +
             (std::isnan(e.relapse_day)
                  ? std::string()
                  : fmt::format(" ({}; {:.0f}% CD19-negative blasts)",
                                kRelapseKindLabels[static_cast<std::size_t>(e.relapse_kind)],
                                100 * e.relapse_cd19_negative_fraction)));
    line("final blast fraction (patient)", fmt::format("{:.3g}", e.final_blast_fraction));
    line("CAR-T blood Cmax", fmt::format("{:.2f} cells/uL on {} ({} fold expansion)",
                                         e.cart_peak_per_ul, day(e.cart_peak_day),
                                         std::isnan(e.cart_fold_expansion)
                                             ? std::string("no")
                                             : fmt::format("{:.0f}x", e.cart_fold_expansion)));
    // An AUC whose horizon the run did not reach covers the days it ran, and says so.
    for (const auto& [horizon, auc] :
         {std::pair{28.0, e.cart_auc_0_28}, std::pair{84.0, e.cart_auc_0_84}}) {
        if (e.days_simulated >= horizon) {
            line(fmt::format("CAR-T AUC day 0-{:g}", horizon),
                 fmt::format("{:.1f} cells/uL x day", auc));
        } else {
            line(fmt::format("CAR-T AUC day 0-{:g}", e.days_simulated),
                 fmt::format("{:.1f} cells/uL x day (the run ends before day {:g})", auc, horizon));
            break;  // a longer horizon's AUC is the same number
        }
    }
    line("CAR-T last detectable", day(e.cart_last_detectable_day));
    const auto half_life = [](double d) {
        if (std::isnan(d)) return std::string("not measured");
        if (std::isinf(d)) return std::string("no decline");
        return fmt::format("{:.1f} days", d);
    };
    line("CAR-T half-life contraction / persistence",
         half_life(e.cart_contraction_half_life_days) + " / " +
             half_life(e.cart_persistence_half_life_days));
    line("B-cell aplasia", fmt::format("{:.1f} days (recovery {})", e.b_cell_aplasia_days,
                                       day(e.b_cell_recovery_day)));
    line("peak serum IL-6 / IFN-g",
         fmt::format("{:.1f} / {:.1f} pg/mL", e.il6_peak_pg_per_ml, e.ifng_peak_pg_per_ml));
    line("CRS max grade (ASTCT)", fmt::format("{:.0f} (onset {}, {:.1f} days)", e.crs_max_grade,
                                              day(e.crs_onset_day), e.crs_duration_days));
    line("ICANS max grade (ASTCT)", fmt::format("{:.0f} (onset {}, {:.1f} days)", e.icans_max_grade,
                                                day(e.icans_onset_day), e.icans_duration_days));
    line("tocilizumab / dexamethasone",
         fmt::format("{:.0f} doses (first {}) / {:.0f} mg (first {})", e.tocilizumab_doses,
                     day(e.tocilizumab_first_day), e.dexamethasone_mg,
                     day(e.dexamethasone_first_day)));
    return out;
}

}  // namespace cartsim::agents
