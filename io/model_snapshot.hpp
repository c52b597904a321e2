#pragma once
// The model as /snapshots groups (layout: docs/OUTPUT.md): every tissue and CAR-T cell with its
// position and own fields, sorted by id so the rows do not depend on storage order, and the
// cytokine fields on their grid.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "agents/marrow_model.hpp"
#include "io/array_group.hpp"

namespace cartsim::io {

/// "snapshots/000042" for ordinal 42.
std::string snapshot_path(std::size_t ordinal);

/// Ordinals of the snapshot groups in a run file, ascending (none if it has no /snapshots).
std::vector<std::size_t> snapshot_ordinals(const std::filesystem::path& file);

/// Which agents a snapshot shows.
enum class AgentsShown {
    all,          ///< every live agent of the model
    owned_sites,  ///< those on sites of this rank's box (one MPI rank's part: not its ghosts)
};

/// The groups of snapshot `ordinal` of the model as it is now. With AgentsShown::owned_sites
/// the population groups hold this rank's agents only (their "count" attribute too).
std::vector<ArrayGroup> snapshot_groups(const agents::MarrowModel& model, std::size_t ordinal,
                                        AgentsShown shown = AgentsShown::all);

/// True for the groups of snapshot_groups() with one row per agent in id order (the
/// populations: their "id" array), which ranks writing one file together split by rows.
bool holds_agent_rows(const ArrayGroup& group);

/// The /snapshots group's own attributes: count (snapshots so far), site_edge_um, lattice_shape.
ArrayGroup snapshot_index_group(const agents::MarrowModel& model, std::size_t count);

}  // namespace cartsim::io
