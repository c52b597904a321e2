#pragma once
// Every parameter of the biology model, with its unit in the name and its default here: space,
// time and outputs below, each concept's own parameters in its folder. Ranges, descriptions
// and sources live in one table (scenarios/model_parameters.cpp), from which validation,
// `cartsim validate --list-params` and docs/PARAMETERS.md are made; the mechanisms they drive
// are described in docs/MODEL.md.

#include <cstdint>
#include <string>

#include "agents/car_t/parameters.hpp"
#include "agents/cytokines/parameters.hpp"
#include "agents/readouts/parameters.hpp"
#include "agents/tissue/parameters.hpp"
#include "agents/toxicity/parameters.hpp"

namespace cartsim::agents {

struct SpaceParameters {
    std::int32_t nx = 100;
    std::int32_t ny = 100;
    std::int32_t nz = 100;  ///< 1 for a 2-D (one-layer) marrow
    double site_edge_um = 10.0;
    bool periodic = false;
    double vessel_fraction = 0.02;           ///< share of sites that are sinusoid (vessel) sites
    double total_marrow_volume_ml = 1500.0;  ///< the patient's whole marrow
    double blood_volume_ml = 5000.0;
    double lymphoid_volume_ml = 300.0;  ///< spleen and lymph nodes: where lymphoid CAR-T search
    std::int32_t tile_edge_sites = 8;   ///< engine tuning: preferred tile edge
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
    ToxicityParameters toxicity;
    InterventionParameters interventions;
    ReadoutParameters readouts;
};

}  // namespace cartsim::agents
