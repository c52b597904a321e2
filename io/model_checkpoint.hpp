#pragma once
// The model's state as /checkpoint groups and back, with where the run's outputs stood at that
// moment, so `cartsim resume` can continue bit for bit. Nothing here lists the model's state:
// the groups are made from what the model declares (MarrowModel::visit_state), and a
// checkpoint is read back generically into an engine::SavedState, which the model's
// restore_state() matches against its declaration.
//
// Layout: /checkpoint holds the top-level scalars as attributes (step, kills, ...), the
// progress attributes below and checkpoint_format; each population is a group
// /checkpoint/<name> with its live agents in id order (ids, sites, column_<name> datasets) and
// ids_issued_by_tile (one count per tile: the sequence of the tile's next id); every other
// component is a group /checkpoint/<group> with its arrays as datasets and its scalars as
// attributes. The content is canonical: it depends on the model's state only, never on how
// the agents were stored (slot order, dead slots, sorting or compaction history).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "agents/marrow_model.hpp"
#include "engine/model_state.hpp"
#include "io/array_group.hpp"

namespace cartsim::io {

/// Where the outputs stood when the checkpoint was taken.
struct CheckpointProgress {
    double time_days = 0.0;
    /// Time-series rows on the record grid up to the checkpoint (a trailing end-of-run row that
    /// is off that grid is not counted: a longer run would not have it).
    std::size_t timeseries_rows = 0;
    std::size_t snapshot_count = 0;
};

/// Version of the /checkpoint layout (attribute checkpoint_format). 2: canonical populations with
/// per-tile id counters (ids tag : tile : sequence); files without the attribute hold the
/// earlier storage-order layout with one next_id per population, which is refused.
inline constexpr std::uint64_t kCheckpointFormat = 2;

struct CheckpointContents {
    engine::SavedState state;
    CheckpointProgress progress;
    std::uint64_t step = 0;  ///< the model's step (the state's top-level scalar "step")
};

/// What a checkpoint says of itself without its state: where the outputs stood, and its step.
struct CheckpointHeader {
    CheckpointProgress progress;
    std::uint64_t step = 0;
};

/// Share `index` of `count` of a checkpoint's agents, for processes that read one checkpoint
/// together: of each population the rows [n * index / count, n * (index + 1) / count) of its n,
/// in id order; everything else (the per-tile id counters, the other groups and the scalars)
/// whole. The shares of 0..count-1 together are the whole checkpoint, each agent in one.
struct CheckpointShare {
    std::uint64_t index = 0;
    std::uint64_t count = 1;
};

/// The /checkpoint groups of a running model, with the population columns and arrays borrowed
/// from `model` instead of copied (a checkpoint of 1e8 cells would otherwise need ~2 GB more):
/// `model` must not step until the groups are written. The populations' storage is first put
/// in id order (a pure layout change: nothing the model computes depends on it), so that what
/// is borrowed is the canonical content.
std::vector<ArrayGroup> checkpoint_groups(agents::MarrowModel& model,
                                          const CheckpointProgress& progress);

/// The /checkpoint groups of a saved state, as checkpoint_groups(model) makes them of the model
/// it was saved from (same paths, datasets, values and attributes), with its arrays borrowed:
/// `state` must outlive the groups. For the ranks of an MPI run, each writing its own agents.
std::vector<ArrayGroup> checkpoint_groups(const engine::SavedState& state,
                                          const CheckpointProgress& progress);

/// In a /checkpoint population group: the ids (one row per agent, ascending, as every array of
/// the group but one) and that one, the per-tile id counters. Ranks writing a checkpoint
/// together split the rows among them and write the counters once.
inline constexpr const char* kCheckpointIds = "ids";
inline constexpr const char* kCheckpointIdsIssuedByTile = "ids_issued_by_tile";

/// Reads /checkpoint of a run file, or with `share` that share of its agents. Throws IoError naming
/// the file if it has none, if it is of another checkpoint_format (the format changed), or if it is
/// malformed (naming the dataset: ids not strictly ascending, of two tags, of a tile the lattice
/// lacks, or not yet issued by their tile's counter).
CheckpointContents read_checkpoint(const std::filesystem::path& file, CheckpointShare share = {});

/// The header of /checkpoint of a run file, with the same checks of the file and format as
/// read_checkpoint (not of the agents, which it does not read).
CheckpointHeader read_checkpoint_header(const std::filesystem::path& file);

}  // namespace cartsim::io
