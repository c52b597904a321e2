#include "agents/tissue/constants.hpp"

#include "agents/chance.hpp"

namespace cartsim::agents {

TissueConstants TissueConstants::from(const Parameters& parameters, double tissue_step_days) {
    const BlastParameters& blasts = parameters.blasts;
    TissueConstants c;
    c.blast_death = chance(blasts.death_rate_per_day, tissue_step_days);
    c.blast_division = chance(blasts.birth_rate_per_day, tissue_step_days);
    c.blast_egress = chance(blasts.marrow_exchange_per_day, tissue_step_days);
    c.b_cell_death = chance(1.0 / parameters.b_cells.lifetime_days, tissue_step_days);
    c.b_cell_production = chance(parameters.b_cells.production_per_day, tissue_step_days);
    c.marrow_death = chance(parameters.marrow_cells.death_rate_per_day, tissue_step_days);
    c.marrow_regeneration = chance(parameters.marrow_cells.regeneration_per_day, tissue_step_days);
    c.displace_marrow_cells = blasts.displace_marrow_cells;
    c.antigen_inheritance_log_sd = blasts.antigen_inheritance_log_sd;
    c.cd19_loss_per_division = blasts.cd19_loss_per_division;
    c.lineage_switch_per_division = blasts.lineage_switch_per_division;
    c.b_cell_cd19_median_molecules = parameters.b_cells.cd19_median_molecules;
    c.b_cell_cd19_log_sd = parameters.b_cells.cd19_log_sd;
    c.blast_law = KindEventLaw::of({c.blast_death, c.blast_egress, c.blast_division});
    c.b_cell_law = KindEventLaw::of({c.b_cell_death});
    c.marrow_cell_law =
        KindEventLaw::of({c.marrow_death, c.marrow_regeneration, c.b_cell_production});
    return c;
}

}  // namespace cartsim::agents
