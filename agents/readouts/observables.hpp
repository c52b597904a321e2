#pragma once
// What the model reports at each record time. Names match the /timeseries datasets.

#include <array>
#include <cstdint>
#include <string_view>

namespace cartsim::agents {

struct Observables {
    double time_days = 0.0;
    // The patient: the window plus the compartments (docs/MODEL.md "Patient scale").
    double patient_blast_fraction = 0.0;  ///< blasts / nucleated marrow cells, whole marrow
    double patient_blasts = 0.0;
    double patient_blasts_cd19_dim = 0.0;       ///< CD19 below readouts.cd19_dim_molecules
    double patient_blasts_cd19_negative = 0.0;  ///< CAR epitope lost
    double patient_blasts_lineage_switched = 0.0;
    double patient_b_cells = 0.0;
    double sanctuary_blasts = 0.0;        ///< CNS and other extramedullary sites (not marrow)
    double cart_rest_marrow = 0.0;        ///< CAR-T cells in the marrow outside the window
    double cart_lymphoid = 0.0;           ///< CAR-T cells in spleen and lymph nodes
    double endogenous_lymphocytes = 0.0;  ///< share of normal counts
    // The window (the lattice).
    double blast_fraction = 0.0;  ///< blasts / nucleated marrow cells (tissue + CAR-T)
    double blasts = 0.0;
    double blasts_cd19_negative = 0.0;  ///< blasts without CAR-bindable CD19
    double normal_b_cells = 0.0;
    double marrow_cells = 0.0;
    double cart_marrow = 0.0;  ///< in the window
    double cart_blood = 0.0;   ///< in the patient's blood
    double cart_blood_per_ul = 0.0;
    double cart_resting = 0.0;  ///< whole patient (window + compartments), by state
    double cart_effector = 0.0;
    double cart_memory = 0.0;
    double cart_exhausted = 0.0;
    double cart_engaged = 0.0;
    double il6_pg_per_ml = 0.0;         ///< serum
    double ifng_pg_per_ml = 0.0;        ///< serum
    double il6_marrow_pg_per_ml = 0.0;  ///< mean over the simulated marrow
    double ifng_marrow_pg_per_ml = 0.0;
    double crs_grade = 0.0;
    double kills_blasts = 0.0;   ///< cumulative
    double kills_b_cells = 0.0;  ///< cumulative
    double blast_cd19_mean_molecules = 0.0;

    /// (name, unit, value) for every field, in a fixed order; the time-series contract.
    template <class F>
    void for_each(F&& f) const {
        visit(*this, f);
    }
    /// The same on a mutable object: f(name, unit, double&), e.g. to read a row back.
    template <class F>
    void for_each_mutable(F&& f) {
        visit(*this, f);
    }

  private:
    template <class Self, class F>
    static void visit(Self& self, F& f) {
        auto& [time_days, patient_blast_fraction, patient_blasts, patient_blasts_cd19_dim,
               patient_blasts_cd19_negative, patient_blasts_lineage_switched, patient_b_cells,
               sanctuary_blasts, cart_rest_marrow, cart_lymphoid, endogenous_lymphocytes,
               blast_fraction, blasts, blasts_cd19_negative, normal_b_cells, marrow_cells,
               cart_marrow, cart_blood, cart_blood_per_ul, cart_resting, cart_effector, cart_memory,
               cart_exhausted, cart_engaged, il6_pg_per_ml, ifng_pg_per_ml, il6_marrow_pg_per_ml,
               ifng_marrow_pg_per_ml, crs_grade, kills_blasts, kills_b_cells,
               blast_cd19_mean_molecules] = self;
        f("time_days", "day", time_days);
        f("patient_blast_fraction", "1", patient_blast_fraction);
        f("patient_blasts", "cells", patient_blasts);
        f("patient_blasts_cd19_dim", "cells", patient_blasts_cd19_dim);
        f("patient_blasts_cd19_negative", "cells", patient_blasts_cd19_negative);
        f("patient_blasts_lineage_switched", "cells", patient_blasts_lineage_switched);
        f("patient_b_cells", "cells", patient_b_cells);
        f("sanctuary_blasts", "cells", sanctuary_blasts);
        f("cart_rest_marrow", "cells", cart_rest_marrow);
        f("cart_lymphoid", "cells", cart_lymphoid);
        f("endogenous_lymphocytes", "1", endogenous_lymphocytes);
        f("blast_fraction", "1", blast_fraction);
        f("blasts", "cells", blasts);
        f("blasts_cd19_negative", "cells", blasts_cd19_negative);
        f("normal_b_cells", "cells", normal_b_cells);
        f("marrow_cells", "cells", marrow_cells);
        f("cart_marrow", "cells", cart_marrow);
        f("cart_blood", "cells", cart_blood);
        f("cart_blood_per_ul", "cells/uL", cart_blood_per_ul);
        f("cart_resting", "cells", cart_resting);
        f("cart_effector", "cells", cart_effector);
        f("cart_memory", "cells", cart_memory);
        f("cart_exhausted", "cells", cart_exhausted);
        f("cart_engaged", "cells", cart_engaged);
        f("il6_pg_per_ml", "pg/mL", il6_pg_per_ml);
        f("ifng_pg_per_ml", "pg/mL", ifng_pg_per_ml);
        f("il6_marrow_pg_per_ml", "pg/mL", il6_marrow_pg_per_ml);
        f("ifng_marrow_pg_per_ml", "pg/mL", ifng_marrow_pg_per_ml);
        f("crs_grade", "grade", crs_grade);
        f("kills_blasts", "cells", kills_blasts);
        f("kills_b_cells", "cells", kills_b_cells);
        f("blast_cd19_mean_molecules", "molecules/cell", blast_cd19_mean_molecules);
    }
};

}  // namespace cartsim::agents
