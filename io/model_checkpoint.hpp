#pragma once
// The model's state (agents::MarrowModelState) as /checkpoint groups and back, with where the
// run's outputs stood at that moment, so `cartsim resume` can continue bit for bit.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "agents/marrow_model.hpp"
#include "agents/model_state.hpp"
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
    agents::MarrowModelState state;
    CheckpointProgress progress;
};

/// The /checkpoint groups of a running model, with the population columns borrowed from
/// `model` instead of copied (a checkpoint of 1e8 cells would otherwise need ~2 GB more): `model`
/// must not step until the groups are written.
std::vector<ArrayGroup> checkpoint_groups(const agents::MarrowModel& model,
                                          const CheckpointProgress& progress);

/// Reads /checkpoint of a run file. Throws IoError naming the file if it has none or it is
/// malformed.
CheckpointContents read_checkpoint(const std::filesystem::path& file);

}  // namespace cartsim::io
