#pragma once
// What the tissue rules read: every rate turned into a chance per tissue step once, at
// construction, so a rule never sees the parameter structs.

#include "agents/parameters.hpp"
#include "agents/tissue/columns.hpp"
#include "agents/tissue/event_law.hpp"

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
    /// The chances above per kind, in the order the rule draws them, as event laws.
    KindEventLaw blast_law;        ///< death, egress, division
    KindEventLaw b_cell_law;       ///< death
    KindEventLaw marrow_cell_law;  ///< death, regeneration, B-cell production

    const KindEventLaw& law_of(TissueKind kind) const {
        switch (kind) {
            case TissueKind::blast:
                return blast_law;
            case TissueKind::b_cell:
                return b_cell_law;
            case TissueKind::marrow_cell:
                break;
        }
        return marrow_cell_law;
    }

    static TissueConstants from(const Parameters& parameters, double tissue_step_days);
};

}  // namespace cartsim::agents
