#include "agents/readouts/clinical_readouts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace cartsim::agents {

void ClinicalReadouts::record(const Observables& o) {
    ClinicalEndpoints& e = endpoints_;
    const auto& p = parameters_;
    if (!have_previous_) baseline_b_cells_ = o.normal_b_cells;

    if (o.time_days > 0.0) {
        if (std::isnan(e.cr_day) && o.blast_fraction < p.cr_blast_fraction) e.cr_day = o.time_days;
        if (std::isnan(e.mrd_negative_day) && o.blast_fraction < p.mrd_blast_fraction) {
            e.mrd_negative_day = o.time_days;
        }
        if (o.blast_fraction < p.cr_blast_fraction) in_remission_ = true;
        if (in_remission_ && std::isnan(e.relapse_day) && o.blast_fraction >= p.cr_blast_fraction) {
            e.relapse_day = o.time_days;
            e.relapse_cd19_negative_fraction =
                o.blasts > 0 ? o.blasts_cd19_negative / o.blasts : 0.0;
        }
    }
    if (o.cart_blood_per_ul > e.cart_peak_per_ul) {
        e.cart_peak_per_ul = o.cart_blood_per_ul;
        e.cart_peak_day = o.time_days;
    }
    if (have_previous_) {
        const double dt = o.time_days - previous_.time_days;
        // Trapezoid over the part of the interval inside [0, 28].
        const double t0 = previous_.time_days;
        const double t1 = std::min(o.time_days, 28.0);
        if (t1 > t0) {
            const double v1 = previous_.cart_blood_per_ul +
                              (o.cart_blood_per_ul - previous_.cart_blood_per_ul) * (t1 - t0) / dt;
            e.cart_auc_0_28 += 0.5 * (previous_.cart_blood_per_ul + v1) * (t1 - t0);
        }
        if (baseline_b_cells_ > 0 &&
            o.normal_b_cells < p.b_cell_aplasia_fraction * baseline_b_cells_) {
            e.b_cell_aplasia_days += dt;
        }
    }
    e.il6_peak_pg_per_ml = std::max(e.il6_peak_pg_per_ml, o.il6_pg_per_ml);
    e.ifng_peak_pg_per_ml = std::max(e.ifng_peak_pg_per_ml, o.ifng_pg_per_ml);
    if (o.crs_grade > e.crs_max_grade) e.crs_max_grade = o.crs_grade;
    if (std::isnan(e.crs_onset_day) && o.crs_grade >= 1.0) e.crs_onset_day = o.time_days;
    // ICANS risk: a logistic score of peak IL-6, peak IFN-g and CAR-T expansion (calibrate;
    // Gust et al., Cancer Discov 2017 associate severe neurotoxicity with all three).
    const double score = p.icans_intercept +
                         p.icans_per_log10_il6 * std::log10(1.0 + e.il6_peak_pg_per_ml) +
                         p.icans_per_log10_ifng * std::log10(1.0 + e.ifng_peak_pg_per_ml) +
                         p.icans_per_log10_cart * std::log10(1.0 + e.cart_peak_per_ul);
    e.icans_risk = 1.0 / (1.0 + std::exp(-score));
    e.final_blast_fraction = o.blast_fraction;
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
    line(fmt::format("complete remission (<{:g}% blasts)", parameters_.cr_blast_fraction * 100),
         day(e.cr_day));
    line(fmt::format("MRD-negative (<{:g} blasts)", parameters_.mrd_blast_fraction),
         day(e.mrd_negative_day));
    line("relapse",
         day(e.relapse_day) + (std::isnan(e.relapse_day)
                                   ? std::string()
                                   : fmt::format(" ({:.0f}% CD19-negative blasts)",
                                                 100 * e.relapse_cd19_negative_fraction)));
    line("final blast fraction", fmt::format("{:.3g}", e.final_blast_fraction));
    line("CAR-T blood peak",
         fmt::format("{:.1f} cells/uL on {}", e.cart_peak_per_ul, day(e.cart_peak_day)));
    line("CAR-T AUC day 0-28", fmt::format("{:.1f} cells/uL x day", e.cart_auc_0_28));
    line("B-cell aplasia", fmt::format("{:.1f} days", e.b_cell_aplasia_days));
    line("peak serum IL-6 / IFN-g",
         fmt::format("{:.1f} / {:.1f} pg/mL", e.il6_peak_pg_per_ml, e.ifng_peak_pg_per_ml));
    line("CRS max grade", fmt::format("{:.0f} (onset {})", e.crs_max_grade, day(e.crs_onset_day)));
    line("ICANS risk score", fmt::format("{:.2f}", e.icans_risk));
    return out;
}

}  // namespace cartsim::agents
