#pragma once
// Everything that makes up a MarrowModel between two steps, beyond what its parameters and seed
// rebuild (lattice, vessels, tiles, the per-step chances): what a checkpoint stores so that a
// restarted run continues bit for bit.

#include <array>
#include <cstdint>
#include <vector>

#include "agents/car_t_cells.hpp"
#include "agents/tissue_cells.hpp"
#include "engine/types.hpp"

namespace cartsim::agents {

/// A population's storage exactly as it is, dead slots included (kNoSite), in storage order.
template <class Columns>
struct PopulationState {
    std::vector<engine::AgentId> ids;
    std::vector<engine::SiteIndex> sites;
    Columns columns;
    engine::AgentId next_id = 0;
};

struct MarrowModelState {
    engine::Step step = 0;
    PopulationState<TissueColumns> tissue;
    PopulationState<CarTColumns> car_t;
    std::array<std::uint64_t, kCarTStateCount> blood_count{};  ///< by CarTState
    std::uint64_t kills_blasts = 0;
    std::uint64_t kills_b_cells = 0;
    std::vector<double> ifng_pg_per_ml;  ///< per field cell
    std::vector<double> il6_pg_per_ml;   ///< per field cell
    /// IL-6 released by lysis since the last field update, per field cell (pg).
    std::vector<double> il6_release_pg;
    /// IL-6-producing myeloid cells per field cell, as counted at the last tissue step.
    std::vector<std::uint32_t> myeloid_per_field_cell;
    double serum_ifng_pg_per_ml = 0.0;
    double serum_il6_pg_per_ml = 0.0;
};

}  // namespace cartsim::agents
