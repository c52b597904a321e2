#pragma once
// Agents moved to the ranks that hold their sites: a checkpoint read in parts (each rank a slice
// of every population's rows, in id order) or a state recut onto new boxes becomes each rank's
// own state, the agents of its owned and ghost sites, without any rank holding the whole model
// (issue 18: checkpoints read collectively and redistributed). Built only with CARTSIM_MPI.

#include <mpi.h>

#include <span>

#include "engine/domain.hpp"
#include "engine/model_state.hpp"

namespace cartsim::engine {

/// Replaces every population of `state` by the rows that the ranks of `communicator` hold for
/// this rank: each row goes to every rank whose domain holds its site (Domain::holds_site: the
/// owner and the ranks that mirror the site as a ghost), and each rank's received rows come in
/// ascending id order. `domains` is every rank's domain in rank order (MpiExchange::domains()).
/// Collective: every rank calls it with populations of the same names and columns (types
/// included) in the same order, no agent on two ranks, and every site on the lattice. The other
/// arrays of `state` and the per-tile id counters stay as they are. Throws std::invalid_argument
/// when `domains` does not have one domain per rank, a site is off the lattice (on that rank
/// only: the caller checks sites first where a bad one can come from a file), or a rank would
/// receive more rows than an MPI count holds.
void redistribute_agents(SavedState& state, std::span<const Domain* const> domains,
                         MPI_Comm communicator);

}  // namespace cartsim::engine
