#pragma once
// The stepping loop shared by `cartsim run` and `cartsim resume`: advances the model to the last
// step, recording time-series rows, snapshots and checkpoints on their fine-step grids, flushing
// the .partial, updating the progress line, and stopping cleanly on SIGTERM/SIGINT.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "agents/marrow_model.hpp"
#include "agents/readouts/clinical_readouts.hpp"
#include "cli/progress_line.hpp"
#include "cli/run_model.hpp"
#include "io/run_file_writer.hpp"

namespace cartsim::cli {

/// Output grids in fine steps (0 = never), derived from the parameters.
struct RunSchedule {
    std::uint64_t total_steps = 0;
    std::uint64_t record_every_steps = 1;
    std::uint64_t snapshot_every_steps = 0;
    std::uint64_t checkpoint_every_steps = 0;
    std::uint64_t flush_every_steps = 1;  ///< about one simulated day
    std::uint64_t tissue_period_steps = 1;
    int snapshot_compression_level = 1;

    static RunSchedule of(const agents::Parameters& parameters);

    /// Time-series rows on the record grid at step s (day 0 included).
    std::size_t rows_at(std::uint64_t step) const { return 1 + step / record_every_steps; }
    /// Snapshots written by step s (day 0 included).
    std::size_t snapshots_at(std::uint64_t step) const {
        return snapshot_every_steps == 0 ? 0 : 1 + step / snapshot_every_steps;
    }
};

/// Text attributes of /summary kept across resumes.
struct SummaryTexts {
    std::string scenario_name;
    std::string scenario_file;
};

enum class RunOutcome { complete, interrupted };

struct RunLoopResult {
    RunOutcome outcome = RunOutcome::complete;
    std::uint64_t agent_updates = 0;  ///< by this process
    // What output cost this process (wall time), for the end-of-run log and benchmarks.
    double wall_seconds = 0.0;
    std::size_t snapshots_written = 0;
    double snapshot_seconds = 0.0;    ///< building and writing snapshots
    double snapshot_raw_bytes = 0.0;  ///< uncompressed size of their arrays
    std::size_t checkpoints_published = 0;
    double checkpoint_seconds = 0.0;  ///< saving the state, copying and publishing
};

/// Runs from model.current_step() to schedule.total_steps (outputs through RunModel). At step 0
/// it first records row 0 and snapshot 0. On completion it finishes the writer (summary, final
/// checkpoint, run_status complete) and writes the XDMF sidecar; when interrupted (a signal, or
/// `interrupt_after_step` for tests) it publishes a checkpoint with run_status interrupted and
/// removes the .partial (the published file holds everything).
RunLoopResult run_loop(RunModel& model, io::RunFileWriter& writer,
                       agents::ClinicalReadouts& readouts, const RunSchedule& schedule,
                       const SummaryTexts& texts, ProgressLine& progress,
                       std::optional<std::uint64_t> interrupt_after_step);

/// The /timeseries columns: every observable except time_days (the writer's own).
std::vector<io::TimeseriesColumn> timeseries_columns();

}  // namespace cartsim::cli
