#include "cli/run_loop.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string_view>
#include <variant>
#include <vector>

#include "cli/interrupt.hpp"
#include "io/model_checkpoint.hpp"
#include "io/model_snapshot.hpp"
#include "io/xdmf_sidecar.hpp"

namespace cartsim::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Flush the .partial at least this often in wall time (and every simulated day).
constexpr double kFlushWallSeconds = 10.0;

std::uint64_t steps_of(double days, double fine_step_days) {
    return static_cast<std::uint64_t>(std::max(0LL, std::llround(days / fine_step_days)));
}

void observable_values(const agents::Observables& observables, std::vector<double>& values) {
    values.clear();
    observables.for_each([&](std::string_view name, std::string_view, double value) {
        if (name != io::layout::kTimeColumn) values.push_back(value);
    });
}

void write_summary(io::RunFileWriter& writer, const agents::ClinicalReadouts& readouts,
                   const SummaryTexts& texts) {
    readouts.endpoints().for_each([&](std::string_view name, std::string_view, double value) {
        writer.set_summary(name, value);
    });
    writer.set_summary_text("scenario_name", texts.scenario_name);
    writer.set_summary_text("scenario_file", texts.scenario_file);
}

}  // namespace

RunSchedule RunSchedule::of(const agents::Parameters& parameters) {
    const double fine_step_days = parameters.time.fine_step_min / 1440.0;
    RunSchedule s;
    s.total_steps = steps_of(parameters.time.days, fine_step_days);
    s.record_every_steps =
        std::max<std::uint64_t>(1, steps_of(parameters.time.record_every_days, fine_step_days));
    s.snapshot_every_steps =
        parameters.output.snapshot_every_days > 0.0
            ? std::max<std::uint64_t>(
                  1, steps_of(parameters.output.snapshot_every_days, fine_step_days))
            : 0;
    s.checkpoint_every_steps =
        parameters.output.checkpoint_every_days > 0.0
            ? std::max<std::uint64_t>(
                  1, steps_of(parameters.output.checkpoint_every_days, fine_step_days))
            : 0;
    s.flush_every_steps = std::max<std::uint64_t>(1, steps_of(1.0, fine_step_days));
    s.tissue_period_steps =
        static_cast<std::uint64_t>(std::max(1, parameters.time.tissue_period_steps));
    s.snapshot_compression_level = parameters.output.snapshot_compression_level;
    return s;
}

std::vector<io::TimeseriesColumn> timeseries_columns() {
    std::vector<io::TimeseriesColumn> columns;
    const agents::Observables observables{};
    observables.for_each([&](std::string_view name, std::string_view unit, double) {
        if (name != io::layout::kTimeColumn) {
            columns.push_back({std::string(name), std::string(unit), io::ColumnType::float64});
        }
    });
    return columns;
}

RunLoopResult run_loop(RunModel& model, io::RunFileWriter& writer,
                       agents::ClinicalReadouts& readouts, const RunSchedule& schedule,
                       const SummaryTexts& texts, ProgressLine& progress,
                       std::optional<std::uint64_t> interrupt_after_step) {
    RunLoopResult result;
    progress.set_note([&model] { return model.balance_note(); });
    std::vector<double> row_values;
    agents::Observables latest{};
    const io::ArrayStorage snapshot_storage{.chunk_elements = 1U << 16,
                                            .deflate_level = schedule.snapshot_compression_level};
    auto record = [&] {
        latest = model.observe();
        readouts.record(latest);
        observable_values(latest, row_values);
        writer.append_row(latest.time_days, row_values);
    };
    const Clock::time_point loop_start = Clock::now();
    const auto seconds_since = [](Clock::time_point start) {
        return std::chrono::duration<double>(Clock::now() - start).count();
    };
    auto snapshot = [&](std::uint64_t step) {
        const Clock::time_point start = Clock::now();
        const std::size_t ordinal = schedule.snapshots_at(step) - 1;
        result.snapshot_raw_bytes += model.write_snapshot(writer, ordinal, snapshot_storage);
        ++result.snapshots_written;
        result.snapshot_seconds += seconds_since(start);
    };
    auto progress_at = [&](std::uint64_t step) {
        return io::CheckpointProgress{.time_days = model.time_days(),
                                      .timeseries_rows = schedule.rows_at(step),
                                      .snapshot_count = schedule.snapshots_at(step)};
    };
    auto publish = [&](std::uint64_t step, const char* status) {
        const Clock::time_point start = Clock::now();
        model.publish_checkpoint(writer, progress_at(step), status);
        io::write_xdmf_sidecar(writer.final_path());
        ++result.checkpoints_published;
        result.checkpoint_seconds += seconds_since(start);
    };

    const std::uint64_t first_step = model.current_step();
    if (first_step == 0) {
        record();
        if (schedule.snapshot_every_steps > 0) snapshot(0);
        writer.flush();
    } else {
        latest = model.observe();  // for the progress line only
    }
    std::uint64_t last_flush_step = first_step;
    Clock::time_point last_flush_time = Clock::now();
    for (std::uint64_t step = first_step; step < schedule.total_steps; ++step) {
        result.agent_updates += model.live_car_t();
        if (step % schedule.tissue_period_steps == 0) result.agent_updates += model.live_tissue();
        model.step();
        const std::uint64_t done = step + 1;
        const bool last = done == schedule.total_steps;
        if (done % schedule.record_every_steps == 0 || last) record();
        if (schedule.snapshot_every_steps > 0 && done % schedule.snapshot_every_steps == 0) {
            snapshot(done);
        }
        const Clock::time_point now = Clock::now();
        if (done - last_flush_step >= schedule.flush_every_steps ||
            std::chrono::duration<double>(now - last_flush_time).count() >= kFlushWallSeconds) {
            writer.flush();
            last_flush_step = done;
            last_flush_time = now;
        }
        progress.update(done, model.time_days(), result.agent_updates, latest);
        if (last) break;
        const bool interrupted =
            interrupt_requested() || (interrupt_after_step && done >= *interrupt_after_step);
        if (interrupted ||
            (schedule.checkpoint_every_steps > 0 && done % schedule.checkpoint_every_steps == 0)) {
            write_summary(writer, readouts, texts);
            publish(done, interrupted ? io::run_status::kInterrupted : io::run_status::kCheckpoint);
            if (interrupted) {
                writer.discard_partial();
                progress.finish();
                spdlog::warn(
                    "interrupted{} at day {:g}: checkpoint written to {}; continue with "
                    "`cartsim resume {}`",
                    interrupt_signal() != 0 ? fmt::format(" by signal {}", interrupt_signal())
                                            : std::string(),
                    model.time_days(), writer.final_path().string(), writer.final_path().string());
                result.outcome = RunOutcome::interrupted;
                result.wall_seconds = seconds_since(loop_start);
                return result;
            }
            spdlog::debug("checkpoint at day {:g} published to {}", model.time_days(),
                          writer.final_path().string());
            if (const std::string note = model.rebalance(); !note.empty()) {
                spdlog::info("{}", note);
            }
        }
    }
    progress.finish();
    write_summary(writer, readouts, texts);
    const Clock::time_point finish_start = Clock::now();
    model.finish_run_file(writer, progress_at(model.current_step()), io::run_status::kComplete);
    io::write_xdmf_sidecar(writer.final_path());
    ++result.checkpoints_published;
    result.checkpoint_seconds += seconds_since(finish_start);
    result.wall_seconds = seconds_since(loop_start);
    const double share = 100.0 / std::max(result.wall_seconds, 1e-9);
    spdlog::debug(  // --verbose
        "output cost: {} snapshots ({:.1f} MB raw) in {:.2f} s = {:.1f}% of the run ({:.0f} MB/s); "
        "{} checkpoints in {:.2f} s = {:.1f}%",
        result.snapshots_written, result.snapshot_raw_bytes / 1e6, result.snapshot_seconds,
        result.snapshot_seconds * share,
        result.snapshot_seconds > 0 ? result.snapshot_raw_bytes / 1e6 / result.snapshot_seconds
                                    : 0.0,
        result.checkpoints_published, result.checkpoint_seconds, result.checkpoint_seconds * share);
    if (const engine::Scheduler* scheduler = model.stepping_scheduler()) {
        // Outside the phases: observation, records, snapshots, checkpoints, the progress line.
        spdlog::debug("time by phase: {}", scheduler->describe_time(result.wall_seconds));
    }
    return result;
}

}  // namespace cartsim::cli
