#pragma once
// The work of each tile of a whole model: its live agents, CAR-T and tissue. What the progress
// line's load balance counts and what MPI ranks rebalance their boxes by (cli/mpi_ranks.cpp).

#include <cstdint>
#include <vector>

namespace cartsim::agents {

class MarrowModel;

/// Live CAR-T and tissue cells on each tile of the model's grid (indexed by TileIndex).
std::vector<std::uint64_t> agents_per_tile(const MarrowModel& model);

}  // namespace cartsim::agents
