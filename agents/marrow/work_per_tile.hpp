#pragma once
// The work of each tile of a whole model: its tissue cells and its CAR-T cells, a CAR-T cell
// weighing as much as kCarTWorkPerTissueCell tissue cells. What the progress line's load balance
// measures under mpiexec and what MPI ranks rebalance their boxes by (cli/mpi_ranks.cpp).

#include <cstdint>
#include <vector>

#include "engine/tile_grid.hpp"

namespace cartsim::agents {

class MarrowModel;

/// A CAR-T cell's cost per simulated day in tissue cells' (measured at bench_3d's CAR-T peak,
/// day 14.6, 1 thread; benchmarks/RESULTS.md session 20): a CAR-T cell steps every fine step,
/// 1,440 a day at ~167 ns each (2.4e-4 s a day); a tissue cell costs only its events, 1.7e-6 s a
/// day there (5e-7 s in the quiet months, where CAR-T cells are few). Only the balance of ranks
/// reads it; results never depend on it.
inline constexpr std::uint64_t kCarTWorkPerTissueCell = 150;

/// Tissue cells + kCarTWorkPerTissueCell x CAR-T cells on each tile of the model's grid
/// (indexed by TileIndex).
std::vector<std::uint64_t> work_per_tile(const MarrowModel& model);
/// The same on another tiling of the model's lattice (e.g. another tile edge).
std::vector<std::uint64_t> work_per_tile(const MarrowModel& model, const engine::TileGrid& grid);

}  // namespace cartsim::agents
