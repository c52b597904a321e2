#pragma once
// The systemic (whole-body) state behind cytokine release syndrome and neurotoxicity: myeloid
// activation, serum cytokines, drug levels, endothelium, lung water, CNS inflammation, and what
// the grading and the treatment rules remember (docs/MODEL.md "Toxicity").

#include <cstdint>

#include "engine/model_state.hpp"

namespace cartsim::agents {

struct SystemicState {
    double macrophage_activation = 0.0;  ///< share of the body's monocytes/macrophages, 0..1
    double il6_pg_per_ml = 0.0;          ///< serum, free (not bound to tocilizumab-held IL-6R)
    double il1_pg_per_ml = 0.0;
    double ifng_pg_per_ml = 0.0;
    double tocilizumab_ug_per_ml = 0.0;
    double steroid_mg = 0.0;              ///< dexamethasone-equivalent in the effect compartment
    double endothelial_activation = 0.0;  ///< 0..1 (angiopoietin-2 release, Gust et al. 2017)
    double lung_water = 0.0;              ///< 0..1, follows the capillary leak
    double cns_inflammation = 0.0;        ///< 0..1
    double cart_cells_in_activation_burst = 0.0;  ///< activated within hours (cells)
    double monocyte_recruitment = 0.0;  ///< added multiple of myeloid output (recruited monocytes)
    double fever_seen = 0.0;            ///< 1 once the temperature reached 38 C
    double crs_grade = 0.0;             ///< ASTCT grade at the end of the last tick
    double icans_grade = 0.0;
    double ice_score = 10.0;
    double crs_max_grade = 0.0;  ///< highest grade of any tick so far
    double icans_max_grade = 0.0;
    std::uint64_t tocilizumab_doses = 0;
    double last_tocilizumab_day = -1.0;  ///< -1: none yet
    double dexamethasone_mg_total = 0.0;
    double last_dexamethasone_day = -1.0;
    std::uint64_t next_infusion = 0;        ///< index into car_t.infusion_schedule
    std::uint64_t held_infusions = 0;       ///< doses not given under car_t.hold_at_crs_grade
    double infused_dose_multiple = 0.0;     ///< sum of the given doses' multiples
    std::uint64_t next_scheduled_dose = 0;  ///< index into interventions.schedule
    std::uint64_t kills_seen = 0;           ///< whole-patient kills at the last tick
    double engaged_cart_cells = 0.0;        ///< the last tick's drivers (whole patient)
    double kills_per_day = 0.0;
    std::uint64_t activations_seen = 0;  ///< whole-patient CAR-T activations at the last tick
    double activations_per_day = 0.0;

    template <class Self, class Visitor>
    static void visit_state(Self& self, Visitor& visitor) {
        const auto entry = [](const char* name, const char* unit) {
            return engine::StateEntry{"systemic", name, unit};
        };
        visitor.scalar(entry("macrophage_activation", "1"), self.macrophage_activation);
        visitor.scalar(entry("il6_pg_per_ml", "pg/mL"), self.il6_pg_per_ml);
        visitor.scalar(entry("il1_pg_per_ml", "pg/mL"), self.il1_pg_per_ml);
        visitor.scalar(entry("ifng_pg_per_ml", "pg/mL"), self.ifng_pg_per_ml);
        visitor.scalar(entry("tocilizumab_ug_per_ml", "ug/mL"), self.tocilizumab_ug_per_ml);
        visitor.scalar(entry("steroid_mg", "mg"), self.steroid_mg);
        visitor.scalar(entry("endothelial_activation", "1"), self.endothelial_activation);
        visitor.scalar(entry("lung_water", "1"), self.lung_water);
        visitor.scalar(entry("cns_inflammation", "1"), self.cns_inflammation);
        visitor.scalar(entry("cart_cells_in_activation_burst", "cells"),
                       self.cart_cells_in_activation_burst);
        visitor.scalar(entry("monocyte_recruitment", "1"), self.monocyte_recruitment);
        visitor.scalar(entry("fever_seen", "1"), self.fever_seen);
        visitor.scalar(entry("crs_grade", "grade"), self.crs_grade);
        visitor.scalar(entry("icans_grade", "grade"), self.icans_grade);
        visitor.scalar(entry("ice_score", "points"), self.ice_score);
        visitor.scalar(entry("crs_max_grade", "grade"), self.crs_max_grade);
        visitor.scalar(entry("icans_max_grade", "grade"), self.icans_max_grade);
        visitor.scalar(entry("tocilizumab_doses", "doses"), self.tocilizumab_doses);
        visitor.scalar(entry("last_tocilizumab_day", "day"), self.last_tocilizumab_day);
        visitor.scalar(entry("dexamethasone_mg_total", "mg"), self.dexamethasone_mg_total);
        visitor.scalar(entry("last_dexamethasone_day", "day"), self.last_dexamethasone_day);
        visitor.scalar(entry("next_infusion", "index"), self.next_infusion);
        visitor.scalar(entry("held_infusions", "doses"), self.held_infusions);
        visitor.scalar(entry("infused_dose_multiple", "1"), self.infused_dose_multiple);
        visitor.scalar(entry("next_scheduled_dose", "index"), self.next_scheduled_dose);
        visitor.scalar(entry("kills_seen", "cells"), self.kills_seen);
        visitor.scalar(entry("engaged_cart_cells", "cells"), self.engaged_cart_cells);
        visitor.scalar(entry("kills_per_day", "cells/day"), self.kills_per_day);
        visitor.scalar(entry("activations_seen", "cells"), self.activations_seen);
        visitor.scalar(entry("activations_per_day", "cells/day"), self.activations_per_day);
    }
};

}  // namespace cartsim::agents
