#pragma once
// `cartsim run` and `cartsim resume` across MPI ranks (issue 18, stage 1). Built into cartsim by
// the mpi preset (CARTSIM_MPI); the serial build has the same functions, inactive.
//
// Under mpiexec, rank 0 runs the command as a single process would: it checks the input, owns
// the output file and the run loop, and drives the other ranks ("followers") through a small
// command channel (build the model, step, gather the state, count, restore, snapshot, stop).
// Each rank steps its own box of the lattice (engine::MpiExchange between them). Time-series
// rows are sums of the ranks' counts; snapshots are written by every rank into the one file
// at once (parallel HDF5: each rank its own agents, in global id order); the state is gathered
// to rank 0 only for checkpoints and rebalancing. The run file is the one a single rank writes.
// Signals (mpiexec forwards them to every rank) are acted on by rank 0 only, so every rank
// checkpoints at the same step.

#include <memory>
#include <string>

#include "agents/parameters.hpp"
#include "cli/run_model.hpp"

namespace cartsim::cli::mpi_ranks {

/// Starts MPI when this cartsim was built with it and was launched by an MPI launcher
/// (mpiexec, mpirun, srun); otherwise does nothing. Call first in main.
void initialize(int& argc, char**& argv);
/// More than one rank: the run is split across them.
bool active();
int rank();
int rank_count();

/// Rank 0: the model of a run across every rank, built on every rank from the same resolved
/// scenario text (`threads` worker threads each). Throws std::invalid_argument when the model
/// cannot be split that many ways (too few tiles, well-mixed mode).
std::unique_ptr<RunModel> make_leader_model(const agents::Parameters& parameters,
                                            const std::string& resolved_toml, int threads);

/// Ranks other than 0: serve rank 0's commands until it stops; returns the exit status rank 0
/// ends with.
int follow();

/// Every rank, last: lets the followers go with rank 0's `exit_status` (rank 0) and shuts MPI
/// down. Returns `exit_status`.
int finish(int exit_status);

}  // namespace cartsim::cli::mpi_ranks
