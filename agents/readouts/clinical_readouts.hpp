#pragma once
// Clinical endpoints of one run, updated at every record time (MODEL.md "Clinical readouts").

#include <limits>
#include <string>
#include <vector>

#include "agents/parameters.hpp"
#include "agents/readouts/observables.hpp"

namespace cartsim::agents {

struct ClinicalEndpoints {
    static constexpr double kNever = std::numeric_limits<double>::quiet_NaN();
    double cr_day = kNever;                          ///< first day blast fraction < CR threshold
    double mrd_negative_day = kNever;                ///< first day blast fraction < MRD threshold
    double relapse_day = kNever;                     ///< first day back above CR threshold after CR
    double relapse_cd19_negative_fraction = kNever;  ///< CD19-negative share of blasts then
    double cart_peak_per_ul = 0.0;
    double cart_peak_day = kNever;
    double cart_auc_0_28 = 0.0;  ///< cells/uL x day
    double b_cell_aplasia_days = 0.0;
    double il6_peak_pg_per_ml = 0.0;
    double ifng_peak_pg_per_ml = 0.0;
    double crs_max_grade = 0.0;
    double crs_onset_day = kNever;
    double icans_risk = 0.0;  ///< 0..1
    double final_blast_fraction = kNever;
    double days_simulated = 0.0;

    /// (name, unit, value) in a fixed order: the /summary contract.
    template <class F>
    void for_each(F&& f) const {
        f("cr_day", "day", cr_day);
        f("mrd_negative_day", "day", mrd_negative_day);
        f("relapse_day", "day", relapse_day);
        f("relapse_cd19_negative_fraction", "1", relapse_cd19_negative_fraction);
        f("cart_peak_per_ul", "cells/uL", cart_peak_per_ul);
        f("cart_peak_day", "day", cart_peak_day);
        f("cart_auc_0_28", "cells/uL*day", cart_auc_0_28);
        f("b_cell_aplasia_days", "day", b_cell_aplasia_days);
        f("il6_peak_pg_per_ml", "pg/mL", il6_peak_pg_per_ml);
        f("ifng_peak_pg_per_ml", "pg/mL", ifng_peak_pg_per_ml);
        f("crs_max_grade", "grade", crs_max_grade);
        f("crs_onset_day", "day", crs_onset_day);
        f("icans_risk", "1", icans_risk);
        f("final_blast_fraction", "1", final_blast_fraction);
        f("days_simulated", "day", days_simulated);
    }
};

class ClinicalReadouts {
  public:
    explicit ClinicalReadouts(const ReadoutParameters& parameters) : parameters_(parameters) {}

    /// Feed observations in time order (the first one is day 0, before infusion acts).
    void record(const Observables& o);
    const ClinicalEndpoints& endpoints() const { return endpoints_; }
    /// A few lines for the terminal.
    std::string describe() const;

  private:
    ReadoutParameters parameters_;
    ClinicalEndpoints endpoints_;
    bool have_previous_ = false;
    Observables previous_{};
    double baseline_b_cells_ = 0.0;
    bool in_remission_ = false;
};

}  // namespace cartsim::agents
