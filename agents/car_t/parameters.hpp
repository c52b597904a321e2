#pragma once
// Parameters of the CAR-T product and its trafficking. Units are in the names; ranges,
// descriptions and sources are in the parameter table (scenarios/model_parameters.cpp); the
// mechanisms in docs/MODEL.md.

#include <cstdint>
#include <string>

namespace cartsim::agents {

enum class Costimulation : std::uint8_t { four_1bb, cd28 };

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
    /// Homeostatic (antigen-independent) division of memory cells at normal lymphocyte counts;
    /// scaled by the availability of IL-7/IL-15 (higher after lymphodepletion).
    double memory_self_renewal_per_day = 0.002;
    /// Chance that a memory cell that binds stays memory (its daughters become effectors):
    /// antigen-driven re-expansion without draining the pool.
    double memory_stemness = 0.95;
    double exhaustion_per_engaged_hour = 0.0015;
    /// Share of the score gained while engaged that rest cannot heal (epigenetic scar).
    double exhaustion_fixed_fraction = 0.2;
    /// Score every antigen-driven division adds to the daughter (and to a mother that is not
    /// memory), all of it fixed: differentiation toward terminal effectors.
    double exhaustion_per_division = 0.006;
    /// Fixed exhaustion at which antigen-driven division stops (agents/car_t/exhaustion.hpp
    /// burst_proliferation): the end of a lineage's proliferative burst.
    double division_stop_fixed_exhaustion = 1.0;
    double exhaustion_recovery_per_day = 0.05;
    double exhausted_kill_factor = 0.3;
    double exhausted_death_per_day = 0.35;
    double car_downregulation_hours = 20.0;  ///< continuous stimulation that stops killing
    double car_recovery_per_day = 1.0;
};

struct CarTParameters {
    Costimulation costimulation = Costimulation::four_1bb;
    bool targets_cd22 = false;  ///< dual CD19/CD22 product
    double dose_cells = 1.0e8;  ///< whole-body CAR-T cells of one dose (multiple 1)
    /// When the doses are given: "DAY:MULTIPLE, ..." in multiples of dose_cells
    /// (agents/toxicity/schedule.hpp); "0:1" is the whole dose on day 0.
    std::string infusion_schedule = "0:1";
    /// A dose falling due while CRS is at this grade or above is not given (0 = never held).
    std::int32_t hold_at_crs_grade = 0;
    /// Share of the product infused as memory-phenotype cells (central memory, stem-like:
    /// Fraietta et al., Nat Med 2018); the rest are resting (naive-like) cells.
    double memory_phenotype_fraction = 0.0;
    /// CD4:CD8 composition of the product (agents/car_t/composition.hpp): the CD4 share; 0.5 is
    /// the 1:1 product the parameter sets describe.
    double cd4_fraction = 0.5;
    double cd4_relative_killing = 0.5;      ///< kill probability of a CD4 cell / a CD8 cell's
    double cd8_help_dependence = 0.4;       ///< fitness lost without any CD4 help
    double cd4_help_half_saturation = 0.1;  ///< CD4 share giving half the help
    double speed_um_per_min = 5.0;
    double turn_probability = 0.3;           ///< per move: pick a new random direction
    double blood_to_marrow_per_day = 0.5;    ///< per blood CAR-T cell, into the whole marrow
    double marrow_to_blood_per_day = 1.0;    ///< per marrow CAR-T cell standing on a vessel
    double blood_to_lymphoid_per_day = 3.0;  ///< distribution into spleen and lymph nodes
    double lymphoid_to_blood_per_day = 0.3;  ///< return from spleen and lymph nodes
    /// Host immune rejection of CAR-T cells at normal lymphocyte counts (per cell); scaled by
    /// the endogenous lymphocytes, so it rises as they recover from lymphodepletion.
    double rejection_per_day = 0.0;
    /// CAR-T density in the sanctuary (CNS, extramedullary) relative to the marrow's.
    double sanctuary_access = 0.1;
    bool lymphodepletion = true;
    /// Endogenous lymphocytes right after lymphodepletion, as a share of normal counts.
    double lymphodepletion_depth = 0.1;
    double lymphocyte_recovery_per_day = 0.05;  ///< logistic regrowth of endogenous lymphocytes
    /// IL-7/IL-15 availability a = (K + 1) / (K + lymphocytes): K is this half-saturation.
    double homeostatic_half_saturation = 0.1;
    /// Antigen-driven division scales as (a / a_after_standard_lymphodepletion)^this, so the
    /// fitted doubling time holds in lymphodepleted patients and is slower without it.
    double homeostatic_sensitivity = 0.3;
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
        p.memory_self_renewal_per_day = 0.0;
        p.memory_stemness = 0.6;
        p.exhaustion_per_engaged_hour = 0.003;
        p.exhaustion_per_division = 0.03;
        p.exhaustion_recovery_per_day = 0.03;
        return p;
    }
};

}  // namespace cartsim::agents
