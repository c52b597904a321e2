#pragma once
// What the tissue rules read: every rate turned into a chance per tissue step once, at
// construction, so a rule never sees the parameter structs.

#include "agents/parameters.hpp"

namespace cartsim::agents {

struct TissueConstants {
    double blast_death = 0.0;
    double blast_division = 0.0;
    double blast_egress = 0.0;  ///< leaves the window into blood (blasts.marrow_exchange_per_day)
    double b_cell_death = 0.0;
    double b_cell_production = 0.0;  ///< marrow cell -> B cell, per marrow cell
    double marrow_death = 0.0;
    double marrow_regeneration = 0.0;
    bool displace_marrow_cells = true;
    double antigen_inheritance_log_sd = 0.0;  ///< daughter vs mother, CD19 and CD22 alike
    double cd19_loss_per_division = 0.0;
    double lineage_switch_per_division = 0.0;
    double b_cell_cd19_median_molecules = 0.0;
    double b_cell_cd19_log_sd = 0.0;

    static TissueConstants from(const Parameters& parameters, double tissue_step_days);
};

}  // namespace cartsim::agents
