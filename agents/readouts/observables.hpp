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
    double lymphoid_blasts = 0.0;         ///< spleen and lymph nodes (not marrow)
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
    double il6_pg_per_ml = 0.0;         ///< serum (whole body, agents/toxicity)
    double ifng_pg_per_ml = 0.0;        ///< serum
    double il6_marrow_pg_per_ml = 0.0;  ///< mean over the simulated marrow
    double ifng_marrow_pg_per_ml = 0.0;
    double crs_grade = 0.0;      ///< ASTCT, 0-4
    double crs_max_grade = 0.0;  ///< highest grade so far (every tissue tick, not only records)
    double patient_cart_engaged = 0.0;         ///< whole patient (drives the toxicity physiology)
    double patient_kills_per_day = 0.0;        ///< target cells lysed per day, whole patient
    double patient_activations_per_day = 0.0;  ///< CAR-T cells activated per day (compartments)
    double cart_activation_burst = 0.0;        ///< CAR-T cells in their activation burst (systemic)
    double monocyte_recruitment = 0.0;         ///< added multiple of the myeloid output
    double il1_pg_per_ml = 0.0;                ///< serum
    double il6_signalling = 0.0;               ///< through receptors not held by tocilizumab, 0..1
    double macrophage_activation = 0.0;        ///< 0..1
    double endothelial_activation = 0.0;       ///< 0..1
    double temperature_celsius = 37.0;
    double icans_grade = 0.0;  ///< ASTCT, 0-4
    double ice_score = 10.0;   ///< 0-10
    double icans_max_grade = 0.0;
    double tocilizumab_ug_per_ml = 0.0;
    double tocilizumab_doses = 0.0;      ///< cumulative
    double dexamethasone_mg = 0.0;       ///< cumulative
    double steroid_effect = 0.0;         ///< 0..1
    double infused_dose_multiple = 0.0;  ///< CAR-T doses given so far (multiples of dose_cells)
    double infusions_held = 0.0;
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
               sanctuary_blasts, lymphoid_blasts, cart_rest_marrow, cart_lymphoid,
               endogenous_lymphocytes, blast_fraction, blasts, blasts_cd19_negative, normal_b_cells,
               marrow_cells, cart_marrow, cart_blood, cart_blood_per_ul, cart_resting,
               cart_effector, cart_memory, cart_exhausted, cart_engaged, il6_pg_per_ml,
               ifng_pg_per_ml, il6_marrow_pg_per_ml, ifng_marrow_pg_per_ml, crs_grade,
               crs_max_grade, patient_cart_engaged, patient_kills_per_day,
               patient_activations_per_day, cart_activation_burst, monocyte_recruitment,
               il1_pg_per_ml, il6_signalling, macrophage_activation, endothelial_activation,
               temperature_celsius, icans_grade, ice_score, icans_max_grade, tocilizumab_ug_per_ml,
               tocilizumab_doses, dexamethasone_mg, steroid_effect, infused_dose_multiple,
               infusions_held, kills_blasts, kills_b_cells, blast_cd19_mean_molecules] = self;
        f("time_days", "day", time_days);
        f("patient_blast_fraction", "1", patient_blast_fraction);
        f("patient_blasts", "cells", patient_blasts);
        f("patient_blasts_cd19_dim", "cells", patient_blasts_cd19_dim);
        f("patient_blasts_cd19_negative", "cells", patient_blasts_cd19_negative);
        f("patient_blasts_lineage_switched", "cells", patient_blasts_lineage_switched);
        f("patient_b_cells", "cells", patient_b_cells);
        f("sanctuary_blasts", "cells", sanctuary_blasts);
        f("lymphoid_blasts", "cells", lymphoid_blasts);
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
        f("crs_max_grade", "grade", crs_max_grade);
        f("patient_cart_engaged", "cells", patient_cart_engaged);
        f("patient_kills_per_day", "cells/day", patient_kills_per_day);
        f("patient_activations_per_day", "cells/day", patient_activations_per_day);
        f("cart_activation_burst", "cells", cart_activation_burst);
        f("monocyte_recruitment", "1", monocyte_recruitment);
        f("il1_pg_per_ml", "pg/mL", il1_pg_per_ml);
        f("il6_signalling", "1", il6_signalling);
        f("macrophage_activation", "1", macrophage_activation);
        f("endothelial_activation", "1", endothelial_activation);
        f("temperature_celsius", "C", temperature_celsius);
        f("icans_grade", "grade", icans_grade);
        f("ice_score", "points", ice_score);
        f("icans_max_grade", "grade", icans_max_grade);
        f("tocilizumab_ug_per_ml", "ug/mL", tocilizumab_ug_per_ml);
        f("tocilizumab_doses", "doses", tocilizumab_doses);
        f("dexamethasone_mg", "mg", dexamethasone_mg);
        f("steroid_effect", "1", steroid_effect);
        f("infused_dose_multiple", "1", infused_dose_multiple);
        f("infusions_held", "doses", infusions_held);
        f("kills_blasts", "cells", kills_blasts);
        f("kills_b_cells", "cells", kills_b_cells);
        f("blast_cd19_mean_molecules", "molecules/cell", blast_cd19_mean_molecules);
    }
};

}  // namespace cartsim::agents
