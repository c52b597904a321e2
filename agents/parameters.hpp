#pragma once
// Every parameter of the biology model, with its unit in the name and its default here.
// Ranges, descriptions and sources live in one table (scenarios/model_parameters.cpp),
// from which validation, `cartsim validate --list-params` and docs/PARAMETERS.md are made.

#include <cstdint>
#include <string>

namespace cartsim::agents {

enum class Costimulation : std::uint8_t { four_1bb, cd28 };

struct SpaceParameters {
    std::int32_t nx = 100;
    std::int32_t ny = 100;
    std::int32_t nz = 100;  ///< 1 for a 2-D (one-layer) marrow
    double site_edge_um = 10.0;
    bool periodic = false;
    double vessel_fraction = 0.02;           ///< share of sites that are sinusoid (vessel) sites
    double total_marrow_volume_ml = 1500.0;  ///< the patient's whole marrow
    double blood_volume_ml = 5000.0;
    std::int32_t tile_edge_sites = 8;  ///< engine tuning: preferred tile edge
};

struct TimeParameters {
    double days = 60.0;
    double fine_step_min = 1.0;             ///< clock of CAR-T cells
    std::int32_t tissue_period_steps = 60;  ///< clock of tissue cells, in fine steps
    std::int32_t field_period_steps = 30;   ///< clock of cytokine fields, in fine steps
    double record_every_days = 0.25;        ///< time-series sampling interval
};

/// What a run writes besides the time series (not biology: the model never reads these).
struct OutputParameters {
    double snapshot_every_days = 7.0;             ///< 0 = no snapshots
    double checkpoint_every_days = 10.0;          ///< 0 = only at the end and on SIGTERM/SIGINT
    std::int32_t snapshot_compression_level = 1;  ///< deflate level of snapshots, 0 = none
};

struct InitialParameters {
    double cellularity = 1.0;                   ///< share of non-vessel sites holding a tissue cell
    double blast_fraction = 0.40;               ///< blasts among tissue cells at infusion
    double b_cell_fraction = 0.03;              ///< normal B cells among tissue cells at infusion
    double cd19_negative_blast_fraction = 0.0;  ///< pre-existing CAR-epitope-negative blasts
    double cd22_negative_blast_fraction = 0.0;
};

struct BlastParameters {
    double birth_rate_per_day = 0.105;
    double death_rate_per_day = 0.04;
    double cd19_median_molecules = 15000.0;
    double cd19_log_sd = 0.5;              ///< sd of ln(CD19 density) between blasts
    double cd19_inheritance_log_sd = 0.1;  ///< daughter vs mother, sd of ln ratio
    double cd22_median_molecules = 3500.0;
    double cd22_log_sd = 0.5;
    double cd19_loss_per_division = 1e-5;
    double lineage_switch_per_division = 1e-7;
    bool displace_marrow_cells = true;  ///< divide into a site held by a normal marrow cell
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

/// One CAR-T product's parameter set (4-1BB or CD28 costimulation).
struct ProductParameters {
    double cd19_threshold_molecules = 2000.0;  ///< Hill half-maximum of binding
    double cd22_threshold_molecules = 2000.0;
    double hill_coefficient = 2.0;
    double bind_probability_max = 0.5;  ///< per probe of a fully antigen-positive cell
    double kill_probability = 0.5;      ///< per completed synapse
    double synapse_min = 25.0;          ///< mean contact duration (exponential)
    double doubling_time_days = 0.78;   ///< antigen-driven division when activated
    double activation_hours = 12.0;     ///< proliferative program after a stimulation
    double effector_death_per_day = 0.16;
    double memory_fraction = 0.008;  ///< share of effector contraction going to memory
    double memory_loss_per_day = 0.0032;
    double exhaustion_per_engaged_hour = 0.002;
    double exhaustion_recovery_per_day = 0.05;
    double exhausted_kill_factor = 0.3;
    double exhausted_death_per_day = 0.35;
    double car_downregulation_hours = 20.0;  ///< continuous stimulation that stops killing
    double car_recovery_per_day = 1.0;
};

struct CarTParameters {
    Costimulation costimulation = Costimulation::four_1bb;
    bool targets_cd22 = false;  ///< dual CD19/CD22 product
    double dose_cells = 1.0e8;  ///< whole-body CAR-T cells infused on day 0
    double speed_um_per_min = 5.0;
    double turn_probability = 0.3;         ///< per move: pick a new random direction
    double blood_to_marrow_per_day = 0.5;  ///< per blood CAR-T cell, into this marrow share
    double marrow_to_blood_per_day = 1.0;  ///< per marrow CAR-T cell standing on a vessel
    bool lymphodepletion = true;
    double lymphodepletion_boost = 1.5;  ///< multiplier of division rate right after LD
    double lymphodepletion_boost_days = 14.0;
    /// Patient-specific quality of the manufactured product (T-cell fitness of the apheresis
    /// material): multiplies the division rate and divides the exhaustion accumulated per
    /// engaged hour; 1 = the product parameter set as given.
    double product_fitness = 1.0;
    ProductParameters product_41bb{};
    ProductParameters product_cd28 = cd28_defaults();

    const ProductParameters& product() const {
        return costimulation == Costimulation::cd28 ? product_cd28 : product_41bb;
    }
    static ProductParameters cd28_defaults() {
        ProductParameters p;
        p.cd19_threshold_molecules = 1000.0;
        p.cd22_threshold_molecules = 1000.0;
        p.doubling_time_days = 0.6;
        p.effector_death_per_day = 0.25;
        p.memory_fraction = 0.002;
        p.memory_loss_per_day = 0.02;
        p.exhaustion_per_engaged_hour = 0.005;
        p.exhaustion_recovery_per_day = 0.03;
        return p;
    }
};

struct CytokineParameters {
    std::int32_t field_coarsening = 4;  ///< field cell edge in sites
    double ifng_diffusion_um2_per_min = 600.0;
    double ifng_decay_per_min = 0.02;          ///< local clearance and drainage to blood
    double ifng_secretion_pg_per_hour = 2e-5;  ///< per engaged CAR-T cell
    double il6_diffusion_um2_per_min = 600.0;
    double il6_decay_per_min = 0.02;
    double il6_per_ifng_pg_per_hour = 1.5e-9;  ///< per myeloid cell per pg/mL of local IFN-g
    double il6_per_lysis_pg = 1e-5;            ///< released around each killed target
    double plasma_volume_ml = 3000.0;
    double ifng_systemic_clearance_per_day = 8.0;
    double il6_systemic_clearance_per_day = 4.0;
    double crs_grade1_il6_pg_per_ml = 40.0;
    double crs_grade2_il6_pg_per_ml = 150.0;
    double crs_grade3_il6_pg_per_ml = 500.0;
    double crs_grade4_il6_pg_per_ml = 2000.0;
};

struct ReadoutParameters {
    double cr_blast_fraction = 0.05;
    double mrd_blast_fraction = 1e-4;
    double b_cell_aplasia_fraction = 0.1;  ///< B cells below this share of day-0 count
    double icans_intercept = -6.0;         ///< logistic ICANS score coefficients
    double icans_per_log10_il6 = 1.0;
    double icans_per_log10_ifng = 0.5;
    double icans_per_log10_cart = 0.8;
};

struct Parameters {
    std::uint64_t seed = 1;
    bool well_mixed = false;  ///< test mode: CAR-T cells jump to random sites every step
    SpaceParameters space;
    TimeParameters time;
    OutputParameters output;
    InitialParameters initial;
    BlastParameters blasts;
    BCellParameters b_cells;
    MarrowCellParameters marrow_cells;
    CarTParameters car_t;
    CytokineParameters cytokines;
    ReadoutParameters readouts;
};

}  // namespace cartsim::agents
