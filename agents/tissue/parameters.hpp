#pragma once
// Parameters of the tissue-layer cells: initial marrow composition, leukemic blasts, normal B
// cells and the other marrow cells. Units are in the names; ranges, descriptions and sources
// are in the parameter table (scenarios/model_parameters.cpp); the mechanisms in docs/MODEL.md.

namespace cartsim::agents {

struct InitialParameters {
    double cellularity = 1.0;                   ///< share of non-vessel sites holding a tissue cell
    double blast_fraction = 0.40;               ///< blasts among tissue cells (at apheresis)
    double b_cell_fraction = 0.03;              ///< normal B cells among tissue cells at infusion
    double cd19_negative_blast_fraction = 0.0;  ///< pre-existing CAR-epitope-negative blasts
    double cd22_negative_blast_fraction = 0.0;
    /// Blasts outside the marrow (CNS, testes, other extramedullary sites), as a share of the
    /// marrow's: a sanctuary that CAR-T cells reach poorly.
    double sanctuary_blast_share = 1e-3;
    /// Blasts in spleen and lymph nodes, as a share of the marrow's: antigen that CAR-T cells
    /// meet there within hours of infusion, before they reach the marrow.
    double lymphoid_blast_share = 0.2;
    /// Apheresis to infusion: blast_fraction and b_cell_fraction are the marrow at apheresis and
    /// the leukemia grows untreated for this long before day 0 (agents/patient/vein_to_vein.hpp).
    double vein_to_vein_days = 0.0;
    /// Bridging therapy at the end of the interval: share of the blasts it kills before day 0
    /// (0 = none).
    double bridging_blast_kill_fraction = 0.0;
};

struct BlastParameters {
    double birth_rate_per_day = 0.105;
    double death_rate_per_day = 0.04;
    double cd19_median_molecules = 15000.0;
    double cd19_log_sd = 0.5;                 ///< sd of ln(CD19 density) between blasts
    double antigen_inheritance_log_sd = 0.1;  ///< daughter vs mother, sd of ln ratio (CD19, CD22)
    double cd22_median_molecules = 3500.0;
    double cd22_log_sd = 0.5;
    double cd19_loss_per_division = 1e-13;  ///< counted at patient scale (~1e11 blasts)
    double lineage_switch_per_division = 1e-14;
    bool displace_marrow_cells = true;  ///< divide into a site held by a normal marrow cell
    /// Blasts leaving the marrow into blood and homing back anywhere in the marrow: how the
    /// rest of the patient reseeds the lattice window.
    double marrow_exchange_per_day = 0.02;
    double sanctuary_to_marrow_per_day = 0.01;  ///< sanctuary blasts seeding the marrow
    double sanctuary_capacity_share = 0.01;     ///< sanctuary room, share of marrow tissue sites
    double lymphoid_to_marrow_per_day = 0.02;   ///< spleen and node blasts seeding the marrow
};

struct BCellParameters {
    double lifetime_days = 60.0;
    double production_per_day = 0.0005;  ///< per normal marrow cell: differentiation rate
    double cd19_median_molecules = 22000.0;
    double cd19_log_sd = 0.31;
};

struct MarrowCellParameters {
    double regeneration_per_day = 0.5;  ///< division into a free neighbour site
    double death_rate_per_day = 0.01;
};

}  // namespace cartsim::agents
