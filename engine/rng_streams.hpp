#pragma once
// Every random stream id of cartsim, in one place. A stream id, with the run seed, keys a
// Philox generator; the counter holds (step, agent id, draw index). Two uses that share a
// stream id and counter would share random numbers, so ids are never reused or renumbered
// (changing one changes every result drawn from it).

#include <cstdint>

namespace cartsim {

enum class StreamId : std::uint64_t {
    // engine/ (1 - 99)
    sweep_color_order = 1,  ///< per sweep: the order in which tile colors are visited
    // engine tests and the toy walker model (100 - 199)
    test_a = 100,
    test_b = 101,
    toy_initial_placement = 110,
    toy_hunter_move = 111,
    toy_hunter_probe = 112,
    toy_hunter_fate = 113,
    toy_target_fate = 114,
    toy_target_trait = 115,
    // agents/ (1000 - 1999): the biology model
    initial_tissue = 1000,      ///< per site: which cell, its antigen densities
    initial_vessels = 1001,     ///< per vessel column / site
    tissue_fate = 1010,         ///< per tissue cell and tick: death, division, differentiation
    tissue_daughter = 1011,     ///< per dividing cell: daughter site and traits
    tissue_first_event = 1012,  ///< per new tissue cell: the tick of its first event
    cart_step = 1020,  ///< per CAR-T cell and step: every draw of the CAR-T rule, in code order
    cart_well_mixed = 1023,  ///< well-mixed test mode: the random site of each jump
    blood_exchange = 1030,   ///< per step: how many blood cells enter the window, and of which bins
    blood_entry = 1031,      ///< per step and entering cell: its vessel site and direction
    patient_initial = 1040,  ///< day 0: the rest of the marrow's blasts by phenotype
    patient_tick = 1041,     ///< per tissue period: every draw of the patient compartments
    // ensembles (2000 - 2999): keyed by the base seed, counter (what, run or patient index)
    ensemble_run_seed = 2000,  ///< per run index: the run's own seed
    ensemble_lhs = 2001,       ///< per varied key: the Latin-hypercube permutation and jitter
    cohort_patient = 2002,     ///< per patient and cohort key: the patient's sampled value
    // models and cell kinds written outside agents/: docs/tutorial and its tests (3000 - 3099);
    // an experiment's own kinds take ids from 3100 on
    tutorial_walker_step = 3000,      ///< tutorial 01: per walker and step
    tutorial_macrophage_step = 3001,  ///< tutorial 03: per macrophage and step
};

}  // namespace cartsim
