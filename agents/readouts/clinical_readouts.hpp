#pragma once
// Clinical endpoints of one run, updated at every record time (MODEL.md "Clinical readouts").

#include <array>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "agents/parameters.hpp"
#include "agents/readouts/observables.hpp"

namespace cartsim::agents {

/// relapse_kind codes: 0 no relapse, then the relapse's dominant phenotype.
inline constexpr std::array<std::string_view, 5> kRelapseKindLabels = {
    "none", "CD19-positive", "CD19-dim", "CD19-negative", "lineage switch"};

/// The kind of a relapse from the patient's blasts then: lineage switch or CD19-negative when
/// those make up half the blasts, else CD19-dim when dim cells are half, else CD19-positive.
double relapse_kind_of(const Observables& o);

struct ClinicalEndpoints {
    static constexpr double kNever = std::numeric_limits<double>::quiet_NaN();
    /// First day of the remission that holds through readouts.response_assessment_day (blast
    /// fraction < CR threshold); a return above the threshold by then resets it.
    double cr_day = kNever;
    double mrd_negative_day = kNever;  ///< first day < MRD threshold (reset with cr_day)
    double relapse_day = kNever;       ///< first day back above the CR threshold after the
                                       ///< response assessment, in remission
    double relapse_cd19_negative_fraction = kNever;  ///< CD19-negative share of blasts then
    double relapse_kind = 0.0;            ///< 0 none, then 1 + BlastPhenotype (kRelapseKindLabels)
    double cart_peak_per_ul = 0.0;        ///< Cmax in blood: the expansion's peak (0: no expansion)
    double cart_peak_day = kNever;        ///< Tmax
    double cart_auc_0_28 = 0.0;           ///< cells/uL x day
    double cart_auc_0_84 = 0.0;           ///< cells/uL x day
    double cart_fold_expansion = kNever;  ///< Cmax / the lowest level before it (distribution)
    double cart_last_detectable_day = kNever;  ///< last record at or above the detection limit
    /// ln 2 / the decline rate of a log-linear fit of the blood level over [Tmax, Tmax + window];
    /// +inf when the level does not fall; NaN with fewer than 3 positive records.
    double cart_contraction_half_life_days = kNever;
    /// The same fit over detectable records from readouts.persistence_from_day on.
    double cart_persistence_half_life_days = kNever;
    double b_cell_aplasia_days = 0.0;
    double b_cell_recovery_day = kNever;  ///< first record back above the aplasia line after it
    double il6_peak_pg_per_ml = 0.0;
    double ifng_peak_pg_per_ml = 0.0;
    double il1_peak_pg_per_ml = 0.0;
    double crs_max_grade = 0.0;      ///< ASTCT (Lee et al., BBMT 2019)
    double crs_onset_day = kNever;   ///< first record at grade >= 1
    double crs_duration_days = 0.0;  ///< time at grade >= 1
    double icans_max_grade = 0.0;    ///< ASTCT
    double icans_onset_day = kNever;
    double icans_duration_days = 0.0;
    double tocilizumab_doses = 0.0;
    double tocilizumab_first_day = kNever;
    double dexamethasone_mg = 0.0;  ///< total given
    double dexamethasone_first_day = kNever;
    double infused_dose_multiple = 0.0;  ///< CAR-T doses given (multiples of dose_cells)
    double final_blast_fraction = kNever;
    double days_simulated = 0.0;

    /// (name, unit, value) in a fixed order: the /summary contract.
    template <class F>
    void for_each(F&& f) const {
        f("cr_day", "day", cr_day);
        f("mrd_negative_day", "day", mrd_negative_day);
        f("relapse_day", "day", relapse_day);
        f("relapse_cd19_negative_fraction", "1", relapse_cd19_negative_fraction);
        f("relapse_kind", "code", relapse_kind);
        f("cart_peak_per_ul", "cells/uL", cart_peak_per_ul);
        f("cart_peak_day", "day", cart_peak_day);
        f("cart_auc_0_28", "cells/uL*day", cart_auc_0_28);
        f("cart_auc_0_84", "cells/uL*day", cart_auc_0_84);
        f("cart_fold_expansion", "1", cart_fold_expansion);
        f("cart_last_detectable_day", "day", cart_last_detectable_day);
        f("cart_contraction_half_life_days", "day", cart_contraction_half_life_days);
        f("cart_persistence_half_life_days", "day", cart_persistence_half_life_days);
        f("b_cell_aplasia_days", "day", b_cell_aplasia_days);
        f("b_cell_recovery_day", "day", b_cell_recovery_day);
        f("il6_peak_pg_per_ml", "pg/mL", il6_peak_pg_per_ml);
        f("ifng_peak_pg_per_ml", "pg/mL", ifng_peak_pg_per_ml);
        f("il1_peak_pg_per_ml", "pg/mL", il1_peak_pg_per_ml);
        f("crs_max_grade", "grade", crs_max_grade);
        f("crs_onset_day", "day", crs_onset_day);
        f("crs_duration_days", "day", crs_duration_days);
        f("icans_max_grade", "grade", icans_max_grade);
        f("icans_onset_day", "day", icans_onset_day);
        f("icans_duration_days", "day", icans_duration_days);
        f("tocilizumab_doses", "doses", tocilizumab_doses);
        f("tocilizumab_first_day", "day", tocilizumab_first_day);
        f("dexamethasone_mg", "mg", dexamethasone_mg);
        f("dexamethasone_first_day", "day", dexamethasone_first_day);
        f("infused_dose_multiple", "1", infused_dose_multiple);
        f("final_blast_fraction", "1", final_blast_fraction);
        f("days_simulated", "day", days_simulated);
    }
};

/// Least-squares fit of ln(level) against time, accumulated one record at a time.
struct LogLinearFit {
    double n = 0, sum_t = 0, sum_y = 0, sum_tt = 0, sum_ty = 0;
    void add(double t, double level);
    /// ln 2 / decline rate; +inf when the fitted level does not fall; NaN below 3 records.
    double half_life() const;
};

class ClinicalReadouts {
  public:
    explicit ClinicalReadouts(const ReadoutParameters& parameters) : parameters_(parameters) {}

    /// Feed observations in time order (the first one is day 0, before infusion acts).
    void record(const Observables& o);
    const ClinicalEndpoints& endpoints() const { return endpoints_; }
    /// A few lines for the terminal; an AUC whose horizon the run did not reach is shown for the
    /// days it ran, marked "(the run ends before day 28)".
    std::string describe() const;

  private:
    ReadoutParameters parameters_;
    ClinicalEndpoints endpoints_;
    bool have_previous_ = false;
    Observables previous_{};
    double baseline_b_cells_ = 0.0;
    bool in_aplasia_ = false;
    double trough_before_peak_ = 0.0;  // lowest positive blood level after day 0 so far
    bool expanding_ = false;           // the blood level has risen since infusion
    LogLinearFit contraction_;  // blood level over [Tmax, Tmax + window], reset at a new peak
    LogLinearFit persistence_;  // detectable blood level from persistence_from_day on
};

}  // namespace cartsim::agents
