#pragma once
// The model's state as /checkpoint groups and back, with where the run's outputs stood at that
// moment, so `cartsim resume` can continue bit for bit. Nothing here lists the model's state:
// the groups are made from what the model declares (MarrowModel::visit_state), and a
// checkpoint is read back generically into an engine::SavedState, which the model's
// restore_state() matches against its declaration.
//
// Layout: /checkpoint holds the top-level scalars as attributes (step, kills, ...) and the
// progress attributes below; each population is a group /checkpoint/<name> (ids, sites,
// column_<name> datasets, attribute next_id); every other component is a group
// /checkpoint/<group> with its arrays as datasets and its scalars as attributes.

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

struct CheckpointContents {
    engine::SavedState state;
    CheckpointProgress progress;
    std::uint64_t step = 0;  ///< the model's step (the state's top-level scalar "step")
};

/// The /checkpoint groups of a running model, with the population columns and arrays borrowed
/// from `model` instead of copied (a checkpoint of 1e8 cells would otherwise need ~2 GB more):
/// `model` must not step until the groups are written.
std::vector<ArrayGroup> checkpoint_groups(const agents::MarrowModel& model,
                                          const CheckpointProgress& progress);

/// Reads /checkpoint of a run file. Throws IoError naming the file if it has none or it is
/// malformed.
CheckpointContents read_checkpoint(const std::filesystem::path& file);

}  // namespace cartsim::io
