#include "cli/run_simulation.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <exception>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <sstream>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "agents/marrow_model.hpp"
#include "agents/parameters.hpp"
#include "agents/readouts/observables.hpp"
#include "cli/json_text.hpp"
#include "cli/mpi_ranks.hpp"
#include "cli/run_lock.hpp"
#include "cli/run_loop.hpp"
#include "cli/run_model.hpp"
#include "cli/thread_limit.hpp"
#include "cli/version.hpp"
#include "engine/domain.hpp"
#include "engine/lattice.hpp"
#include "engine/parallelism.hpp"
#include "engine/tile_grid.hpp"
#include "io/hdf5_handle.hpp"
#include "io/model_checkpoint.hpp"
#include "io/model_snapshot.hpp"
#include "io/output_paths.hpp"
#include "io/run_file_reader.hpp"
#include "io/run_file_writer.hpp"
#include "scenarios/model_parameters.hpp"
#include "scenarios/parameter_table.hpp"
#include "scenarios/scenario_error.hpp"
#include "scenarios/scenario_loader.hpp"

namespace cartsim::cli {
namespace {

namespace fs = std::filesystem;

#ifndef CARTSIM_BUILD_TYPE
#define CARTSIM_BUILD_TYPE ""
#endif

constexpr const char* kSeedKey = "run.seed";
constexpr const char* kDaysKey = "time.days";

// Re-raises a ScenarioError of an override made for a command-line option (--seed, --days) so
// the message names that option rather than "--set".
void apply_option_override(scenarios::Scenario& scenario, std::string_view option,
                           const std::string& assignment, const scenarios::ParameterTable& table) {
    try {
        scenarios::apply_override(scenario, assignment, table);
    } catch (const scenarios::ScenarioError& error) {
        throw scenarios::ScenarioError(std::string(option), error.key(), error.detail());
    }
}

void log_lines(spdlog::level::level_enum level, std::string_view heading, const std::string& text) {
    spdlog::log(level, "{}", heading);
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty()) spdlog::log(level, "  {}", line);
    }
}

std::string product_name(const agents::CarTParameters& car_t) {
    const char* costimulation =
        car_t.costimulation == agents::Costimulation::cd28 ? "CD28" : "4-1BB";
    return fmt::format("{} {} CAR-T", costimulation, car_t.targets_cd22 ? "CD19/CD22" : "CD19");
}

// MemAvailable of /proc/meminfo in bytes, or nullopt where there is none.
std::optional<double> available_memory_bytes() {
    std::ifstream meminfo("/proc/meminfo");
    for (std::string line; std::getline(meminfo, line);) {
        if (line.rfind("MemAvailable:", 0) == 0) {
            std::istringstream fields(line.substr(13));
            double kib = 0.0;
            if (fields >> kib) return kib * 1024.0;
        }
    }
    return std::nullopt;
}

// Refuses a lattice that cannot fit in memory, before allocating it (a clear error instead of an
// out-of-memory kill minutes later).
// `model_states` whole-lattice model states: one, or K virtual ranks and the model their
// outputs are merged into (each rank keeps whole-lattice arrays in this stage).
void check_memory(const agents::Parameters& p, const std::string& source, int model_states = 1) {
    const std::optional<double> available = available_memory_bytes();
    if (!available) return;
    const double needed = model_states * agents::MarrowModel::estimated_bytes(p);
    if (needed > 0.9 * *available) {
        const agents::SpaceParameters& space = p.space;
        throw UsageError(fmt::format(
            "{}: space.nx x space.ny x space.nz = {} x {} x {} = {:.3g} sites need about {:.1f} "
            "GiB{} "
            "(tissue cells, occupancy layers, cytokine fields), more than the {:.1f} GiB of memory "
            "available; use a smaller lattice or a larger cytokines.field_coarsening",
            source, space.nx, space.ny, space.nz,
            static_cast<double>(space.nx) * space.ny * space.nz, needed / 0x1p30,
            model_states > 1
                ? fmt::format(" in {} model states (--virtual-ranks {} and the merged one)",
                              model_states, model_states - 1)
                : std::string(),
            *available / 0x1p30));
    }
}

// The colours of a sweep run one after another and each waits for its busiest rank; boxes hold
// every colour equally only where their extent in tiles is even. With an odd number of tiles
// on an axis (e.g. 200 sites in 8-site tiles: 25) some boxes get more tiles of some colours, and
// even a uniform marrow is shared unevenly: say so, and which tile edges would even it (a
// different edge changes the results, so this is advice, not a change).
void warn_of_uneven_colours(const agents::Parameters& parameters, const engine::Lattice& lattice,
                            const engine::TileGrid& grid, std::span<const engine::TileBox> boxes,
                            const std::string& what) {
    constexpr double kWorthSaying = 1.05;
    const std::vector<std::uint64_t> uniform(grid.tile_count(), 1);
    const double now = engine::worst_color_work_over_mean(grid, boxes, uniform);
    if (now < kWorthSaying) return;
    std::vector<std::string> better;
    for (int edge = 2 * agents::MarrowModel::kReach; edge <= 16 && better.size() < 3; ++edge) {
        try {
            const engine::TileGrid other(lattice, agents::MarrowModel::kReach, edge);
            if (other.tile_edge() == grid.tile_edge()) continue;  // the edge in use
            const std::vector<std::uint64_t> even(other.tile_count(), 1);
            const double balance = engine::worst_color_work_over_mean(
                other, engine::bisect_tile_grid(other, static_cast<int>(boxes.size())), even);
            if (balance < kWorthSaying && balance < now) {
                better.push_back(fmt::format("{} ({:.2f})", edge, balance));
            }
        } catch (const std::invalid_argument&) {
            // too few tiles for the ranks at this edge
        }
    }
    spdlog::warn(
        "{}: with space.tile_edge_sites = {} the tile grid ({}) cannot give every rank an even "
        "share of each sweep colour: even a uniform marrow runs at max/mean {:.2f} (boxes need an "
        "even number of tiles on each axis they cut). {}",
        what, parameters.space.tile_edge_sites, grid.describe(), now,
        better.empty() ? std::string("No tile edge of up to 16 sites does better for this lattice.")
                       : fmt::format("Tile edges that would (results change with the edge): {}.",
                                     fmt::join(better, ", ")));
}

// The ranks a run is split over: --virtual-ranks K in this process, or the MPI ranks cartsim was
// launched on (cli/mpi_ranks.hpp); not both. Refused by name when the lattice cannot be cut
// into that many boxes or the model cannot be split.
int check_rank_split(const agents::Parameters& parameters, int virtual_ranks) {
    if (virtual_ranks < 1) {
        throw UsageError(fmt::format("--virtual-ranks must be >= 1, got {}", virtual_ranks));
    }
    const bool mpi = mpi_ranks::active();
    if (mpi && virtual_ranks > 1) {
        throw UsageError(fmt::format(
            "--virtual-ranks {} cannot be combined with {} MPI ranks; use one or the other",
            virtual_ranks, mpi_ranks::rank_count()));
    }
    const int ranks = mpi ? mpi_ranks::rank_count() : virtual_ranks;
    const std::string what =
        mpi ? fmt::format("{} MPI ranks", ranks) : fmt::format("--virtual-ranks {}", ranks);
    if (ranks == 1) return ranks;
    if (parameters.well_mixed) {
        throw UsageError(fmt::format(
            "{}: run.well_mixed = true cannot be split across ranks (every CAR-T "
            "cell jumps to a random free site of the whole lattice each step); run with "
            "{}",
            what, mpi ? "one MPI rank" : "--virtual-ranks 1"));
    }
    const engine::Lattice lattice(
        parameters.space.nx, parameters.space.ny, parameters.space.nz,
        parameters.space.periodic ? engine::Boundary::periodic : engine::Boundary::reflective);
    const engine::TileGrid grid(lattice, agents::MarrowModel::kReach,
                                parameters.space.tile_edge_sites);
    std::vector<engine::TileBox> boxes;
    try {
        boxes = engine::bisect_tile_grid(grid, ranks);
    } catch (const std::invalid_argument& error) {
        throw UsageError(fmt::format("{}: {}", what, error.what()));
    }
    warn_of_uneven_colours(parameters, lattice, grid, boxes, what);
    return ranks;
}

// The model a run steps: across the MPI ranks when launched on several, else in this process
// (on `virtual_ranks` virtual ranks).
std::unique_ptr<RunModel> make_model_of_run(const agents::Parameters& parameters, int virtual_ranks,
                                            const std::string& resolved_toml, int threads) {
    if (mpi_ranks::active())
        return mpi_ranks::make_leader_model(parameters, resolved_toml, threads);
    return make_run_model(parameters, virtual_ranks);
}

// What a run will do. The engine's set-up (lattice, tiles and colours, scheduler phases, step
// counts) is logged at debug level: `--verbose` shows it.
void log_run_plan(const agents::MarrowModel& model, const RunSchedule& schedule, int threads,
                  int virtual_ranks) {
    const agents::Parameters& p = model.parameters();
    spdlog::debug("{}", model.lattice().describe());
    spdlog::debug("{}", model.grid().describe());
    log_lines(spdlog::level::debug, "scheduler phases:", model.scheduler().describe());
    const double fine_step_days = model.fine_step_days();
    const auto days_of = [&](std::uint64_t steps) {
        return static_cast<double>(steps) * fine_step_days;
    };
    spdlog::debug("{} days = {} fine steps of {:g} min, a row every {} steps ({:g} days)",
                  p.time.days, schedule.total_steps, p.time.fine_step_min,
                  schedule.record_every_steps, days_of(schedule.record_every_steps));
    spdlog::info("{:g} day{}, a time-series row every {:g} days; seed {}; {} thread{}{}",
                 p.time.days, p.time.days == 1.0 ? "" : "s", days_of(schedule.record_every_steps),
                 p.seed, threads, threads == 1 ? "" : "s",
                 virtual_ranks > 1 ? fmt::format(", {} {} ranks", virtual_ranks,
                                                 mpi_ranks::active() ? "MPI" : "virtual")
                                   : std::string());
    spdlog::info("snapshots: {}; checkpoints: {}",
                 schedule.snapshot_every_steps > 0
                     ? fmt::format("every {:g} days", days_of(schedule.snapshot_every_steps))
                     : std::string("none"),
                 schedule.checkpoint_every_steps > 0
                     ? fmt::format("every {:g} days, at the end and on SIGTERM/SIGINT",
                                   days_of(schedule.checkpoint_every_steps))
                     : std::string("at the end and on SIGTERM/SIGINT"));
}

void fill_result(RunResult& result, RunModel& run, const io::RunFileWriter& writer,
                 const agents::ClinicalReadouts& readouts, const RunLoopResult& loop) {
    result.interrupted = loop.outcome == RunOutcome::interrupted;
    result.fine_steps = run.current_step();
    result.final_state_hash = run.state_hash();
    result.endpoints = readouts.endpoints();
    result.timeseries_rows = writer.timeseries_rows();
}

std::string readouts_report(const std::string& scenario_name, std::uint64_t seed, double time_days,
                            const agents::ClinicalReadouts& readouts) {
    return fmt::format("Clinical readouts of '{}' (seed {}, {:g} days):\n{}", scenario_name, seed,
                       time_days, readouts.describe());
}

int report_outcome(std::ostream* report, bool quiet, bool log_info, const RunResult& result,
                   const std::string& readouts_text) {
    if (result.interrupted) return kExitInterrupted;
    if (log_info) {
        spdlog::info("wrote {} ({} time-series rows)", result.output_path.string(),
                     result.timeseries_rows);
    }
    if (report != nullptr && !quiet) *report << readouts_text << std::flush;
    return kExitSuccess;
}

// The body of run_simulation; throws on every failure.
int run_or_throw(const RunOptions& options, RunResult& result) {
    if (options.threads != 0) check_thread_count("--threads", options.threads);
    const int threads = options.threads == 0 ? engine::hardware_threads() : options.threads;
    const io::RunProvenance provenance = current_provenance(
        options.command_line, "run_simulation of " + options.scenario_path.string(), threads);

    // 1. Everything the user gave is checked before any file is created.
    const scenarios::ParameterTable& table = scenarios::model_parameter_table();
    const scenarios::Scenario scenario =
        load_resolved_scenario(options.scenario_path, options.sets, options.seed, options.days);
    const agents::Parameters parameters = scenarios::to_model_parameters(scenario);
    const std::string resolved_toml = scenarios::render_resolved_toml(scenario, table);
    result.seed = parameters.seed;
    result.output_path =
        options.output_path.value_or(fs::path(options.scenario_path.stem().string() + ".h5"));

    const int ranks = check_rank_split(parameters, options.virtual_ranks);

    const bool log_info = !options.quiet;
    // 2. One process per run file, held until this function returns (and by the kernel until
    //    the process dies). Then fail early if the output cannot be created (exists without
    //    --force, bad directory): before the model is built, which can take long.
    const RunLock lock = hold_run_file(result.output_path);
    io::RunFileWriter::check_can_create(result.output_path, options.force);
    check_memory(parameters, options.scenario_path.string(), ranks > 1 ? ranks + 1 : 1);

    // 3. The run, with exactly `threads` worker threads. The model is built before the output
    //    is opened, so a failure while building it leaves no .partial behind.
    const RunSchedule schedule = RunSchedule::of(parameters);
    const SummaryTexts texts{scenario.name, options.scenario_path.string()};
    std::string readouts_text;
    engine::run_with_threads(threads, [&] {
        const std::unique_ptr<RunModel> run =
            make_model_of_run(parameters, options.virtual_ranks, resolved_toml, threads);
        io::RunFileWriter writer(result.output_path, options.force);
        writer.set_run_metadata({.cartsim_version = kVersion,
                                 .git_commit = kGitCommit,
                                 .seed = parameters.seed,
                                 .created_utc = ""});
        writer.set_provenance(provenance);
        writer.set_scenario_toml(resolved_toml);
        writer.declare_timeseries(timeseries_columns());
        if (log_info) {
            spdlog::info("scenario '{}' from {}", scenario.name, options.scenario_path.string());
            if (scenario.cohort) {
                spdlog::info(
                    "its [cohort] ({} patients) is for `cartsim ensemble`; this run "
                    "simulates the scenario's own values",
                    scenario.cohort->patients);
            }
            spdlog::info("output {} (written as {} until the run ends)",
                         result.output_path.string(), writer.partial_path().string());
            log_run_plan(run->layout_model(), schedule, threads, ranks);
        }
        agents::ClinicalReadouts readouts(parameters.readouts);
        ProgressLine progress(options.quiet ? nullptr : options.progress,
                              options.progress_is_terminal, 0, schedule.total_steps,
                              parameters.time.days);
        const RunLoopResult loop = run_loop(*run, writer, readouts, schedule, texts, progress,
                                            options.interrupt_after_step);
        fill_result(result, *run, writer, readouts, loop);
        readouts_text = readouts_report(scenario.name, parameters.seed, run->time_days(), readouts);
    });
    return report_outcome(options.report, options.quiet, log_info, result, readouts_text);
}

// `original` with the time.days line of `rendered` (both resolved scenario texts).
std::string with_days_line_of(const std::string& original, const std::string& rendered) {
    const auto days_line = [](const std::string& text) -> std::pair<std::size_t, std::size_t> {
        const std::size_t section = text.find("\n[time]\n");
        const std::size_t line =
            section == std::string::npos ? std::string::npos : text.find("\ndays = ", section);
        if (line == std::string::npos) return {std::string::npos, 0};
        const std::size_t end = text.find('\n', line + 1);
        return {line + 1, (end == std::string::npos ? text.size() : end) - line - 1};
    };
    const auto [at, length] = days_line(original);
    const auto [new_at, new_length] = days_line(rendered);
    if (at == std::string::npos || new_at == std::string::npos) return rendered;
    std::string text = original;
    text.replace(at, length, rendered.substr(new_at, new_length));
    return text;
}

// The scenario stored in a run file. cartsim wrote it valid, so a problem in it means a damaged
// or foreign file: an output problem (exit 3), not a bad command line.
scenarios::Scenario stored_scenario(const std::string& text, const std::string& origin,
                                    const scenarios::ParameterTable& table) {
    try {
        return scenarios::load_scenario_text(text, origin, table);
    } catch (const scenarios::ScenarioError& error) {
        throw io::IoError(
            fmt::format("cannot resume: the scenario stored in the run file is not "
                        "valid (a damaged or foreign file): {}",
                        error.what()));
    }
}

// The body of resume_run; throws on every failure.
int resume_or_throw(const ResumeOptions& options, RunResult& result) {
    if (options.threads != 0) check_thread_count("--threads", options.threads);
    const int threads = options.threads == 0 ? engine::hardware_threads() : options.threads;
    io::RunProvenance provenance = current_provenance(
        options.command_line, "resume_run of " + options.run_file.string(), threads);
    result.output_path = options.run_file;
    const bool log_info = !options.quiet;

    // 1. The run file, locked before it is read (a checkpoint read before another process
    //    publishes a newer one would be resumed and overwrite it), then its scenario and
    //    checkpoint.
    std::error_code missing;
    if (!fs::exists(fs::symlink_status(options.run_file, missing))) {
        throw io::IoError(
            fmt::format("cannot resume '{}': no such file", options.run_file.string()));
    }
    const RunLock lock = hold_run_file(options.run_file);
    io::check_output_paths(options.run_file);  // before hours of simulation, not at the end
    const io::RunFileReader reader(options.run_file);
    const scenarios::ParameterTable& table = scenarios::model_parameter_table();
    const std::string config_name = options.run_file.string() + ":/config/scenario_toml";
    const std::string original_toml = reader.scenario_toml();
    scenarios::Scenario scenario = stored_scenario(original_toml, config_name, table);
    if (options.days) {
        if (!(*options.days > 0.0) || !std::isfinite(*options.days)) {
            throw UsageError(fmt::format("--days must be a number > 0, got {}", *options.days));
        }
        apply_option_override(scenario, "--days", fmt::format("{}={}", kDaysKey, *options.days),
                              table);
    }
    const agents::Parameters parameters = scenarios::to_model_parameters(scenario);
    const std::string resolved_toml = scenarios::render_resolved_toml(scenario, table);
    result.seed = parameters.seed;
    const int ranks = check_rank_split(parameters, options.virtual_ranks);
    check_memory(parameters, config_name, ranks > 1 ? ranks + 1 : 1);
    // The agents are read when the model is made (each MPI rank its share); here only where
    // the checkpoint stands.
    const io::CheckpointHeader checkpoint = io::read_checkpoint_header(options.run_file);
    const RunSchedule schedule = RunSchedule::of(parameters);
    const std::uint64_t checkpoint_step = checkpoint.step;
    const double fine_step_days = parameters.time.fine_step_min / 1440.0;
    if (schedule.total_steps < checkpoint_step) {
        throw UsageError(fmt::format(
            "--days {:g} ends before the checkpoint of '{}' at day {:g}; give a later day",
            parameters.time.days, options.run_file.string(), checkpoint.progress.time_days));
    }
    if (checkpoint.progress.timeseries_rows != schedule.rows_at(checkpoint_step) ||
        checkpoint.progress.snapshot_count != schedule.snapshots_at(checkpoint_step)) {
        throw io::IoError(fmt::format(
            "cannot resume '{}': its checkpoint (day {:g}, {} rows, {} snapshots) does not match "
            "its own scenario's output grids",
            options.run_file.string(), checkpoint.progress.time_days,
            checkpoint.progress.timeseries_rows, checkpoint.progress.snapshot_count));
    }
    const io::RunSummary old_summary = reader.summary();
    // Provenance: the commands that made the file, one a line; the wall time of every leg.
    const io::StoredProvenance earlier = reader.provenance();
    if (earlier.command_line && !earlier.command_line->empty()) {
        provenance.command_line = *earlier.command_line + "\n" + provenance.command_line;
    }
    provenance.earlier_wall_seconds = earlier.wall_time_s.value_or(0.0);
    SummaryTexts texts;
    texts.scenario_name = scenario.name;
    if (const auto it = old_summary.texts.find("scenario_file"); it != old_summary.texts.end()) {
        texts.scenario_file = it->second;
    }
    if (schedule.total_steps == checkpoint_step) {
        if (log_info) {
            spdlog::info("'{}' already reached day {:g}: nothing to do (give --days to extend it)",
                         options.run_file.string(),
                         static_cast<double>(checkpoint_step) * fine_step_days);
        }
        result.fine_steps = checkpoint_step;
        return kExitSuccess;
    }

    // 2. The readouts so far, replayed from the time series the checkpoint covers.
    agents::ClinicalReadouts readouts(parameters.readouts);
    {
        std::vector<std::vector<double>> columns;
        std::vector<std::string> names;
        const agents::Observables prototype{};
        prototype.for_each([&](std::string_view name, std::string_view, double) {
            names.emplace_back(name);
            columns.push_back(reader.read_timeseries(name));
            if (columns.back().size() < checkpoint.progress.timeseries_rows) {
                throw io::IoError(fmt::format(
                    "cannot resume '{}': /timeseries/{} has {} rows, fewer than the {} of its "
                    "checkpoint (a damaged file)",
                    options.run_file.string(), name, columns.back().size(),
                    checkpoint.progress.timeseries_rows));
            }
        });
        for (std::size_t row = 0; row < checkpoint.progress.timeseries_rows; ++row) {
            agents::Observables observed{};
            std::size_t column = 0;
            observed.for_each_mutable([&](std::string_view, std::string_view, double& value) {
                value = columns[column++].at(row);
            });
            readouts.record(observed);
        }
    }

    // 3. The model from the checkpoint, and the file taken up where the checkpoint left it.
    std::string readouts_text;
    engine::run_with_threads(threads, [&] {
        const std::unique_ptr<RunModel> run =
            make_model_of_run(parameters, options.virtual_ranks, resolved_toml, threads);
        try {
            run->restore_checkpoint(options.run_file);
        } catch (const std::invalid_argument& error) {
            // Nothing has been written yet: the run file is left as it was.
            throw io::IoError(
                fmt::format("cannot resume '{}': its /checkpoint does not fit this "
                            "model: {}",
                            options.run_file.string(), error.what()));
        }
        io::ResumePoint point;
        point.timeseries_rows = checkpoint.progress.timeseries_rows;
        point.remove_paths.emplace_back(io::layout::kCheckpointGroup);
        for (const std::size_t ordinal : io::snapshot_ordinals(options.run_file)) {
            if (ordinal >= checkpoint.progress.snapshot_count) {
                point.remove_paths.push_back(io::snapshot_path(ordinal));
            }
        }
        io::RunFileWriter writer = io::RunFileWriter::resume(options.run_file, point);
        writer.set_provenance(provenance);
        // /config keeps the run's own text (with where each value came from); only a new --days
        // changes its time.days line, to what `run --days` would have written.
        if (options.days) {
            writer.set_scenario_toml(with_days_line_of(original_toml, resolved_toml));
        }
        if (log_info) {
            spdlog::info("resuming '{}' from day {:g} (step {}) to day {:g}",
                         options.run_file.string(), run->time_days(), checkpoint_step,
                         parameters.time.days);
            log_run_plan(run->layout_model(), schedule, threads, ranks);
        }
        ProgressLine progress(options.quiet ? nullptr : options.progress,
                              options.progress_is_terminal, checkpoint_step, schedule.total_steps,
                              parameters.time.days);
        const RunLoopResult loop = run_loop(*run, writer, readouts, schedule, texts, progress,
                                            options.interrupt_after_step);
        fill_result(result, *run, writer, readouts, loop);
        readouts_text = readouts_report(scenario.name, parameters.seed, run->time_days(), readouts);
    });
    return report_outcome(options.report, options.quiet, log_info, result, readouts_text);
}

}  // namespace

io::RunProvenance current_provenance(const std::string& command_line,
                                     const std::string& library_call, int threads) {
    io::RunProvenance provenance;
    provenance.command_line =
        command_line.empty() ? "(library call) " + library_call : command_line;
    std::array<char, 256> host{};
    provenance.host = ::gethostname(host.data(), host.size() - 1) == 0 ? std::string(host.data())
                                                                       : std::string("unknown");
    provenance.threads = threads;
#if defined(__clang__)
    provenance.compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
    provenance.compiler = "gcc " __VERSION__;
#else
    provenance.compiler = "unknown";
#endif
    provenance.build_type = CARTSIM_BUILD_TYPE;
    if (provenance.build_type.empty()) provenance.build_type = "none";
    provenance.hdf5_version = io::hdf5_library_version();
    return provenance;
}

int report_errors(std::string& error_message, const std::function<int()>& body) {
    int status = kExitFailure;
    try {
        return body();
    } catch (const scenarios::ScenarioError& error) {
        error_message = error.what();
        status = kExitBadInput;
    } catch (const UsageError& error) {
        error_message = error.what();
        status = kExitBadInput;
    } catch (const io::IoError& error) {
        error_message = error.what();
        status = kExitOutputProblem;
    } catch (const std::exception& error) {
        error_message = error.what();
        status = kExitFailure;
    } catch (...) {
        error_message = "unknown exception";
        status = kExitFailure;
    }
    spdlog::error("{}", error_message);
    return status;
}

scenarios::Scenario load_resolved_scenario(const fs::path& scenario_path,
                                           const std::vector<std::string>& sets,
                                           const std::optional<std::uint64_t>& seed,
                                           const std::optional<double>& days) {
    const scenarios::ParameterTable& table = scenarios::model_parameter_table();
    scenarios::Scenario scenario = scenarios::load_scenario_file(scenario_path, table);
    for (const std::string& assignment : sets) {
        scenarios::apply_override(scenario, assignment, table);
    }
    if (seed) {
        // --set parses the value as a signed 64-bit integer; say what the range is instead.
        if (*seed > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            throw scenarios::ScenarioError(
                "--seed", kSeedKey,
                fmt::format("{} = {} is outside the allowed range {}", kSeedKey, *seed,
                            scenarios::format_allowed(table.at(kSeedKey))));
        }
        apply_option_override(scenario, "--seed", fmt::format("{}={}", kSeedKey, *seed), table);
    }
    if (days) {
        if (!(*days > 0.0) || !std::isfinite(*days)) {
            throw UsageError(fmt::format("--days must be a number > 0, got {}", *days));
        }
        apply_option_override(scenario, "--days", fmt::format("{}={}", kDaysKey, *days), table);
    }
    return scenario;
}

RunResult run_simulation(const RunOptions& options) {
    RunResult result;
    result.exit_status =
        report_errors(result.error_message, [&] { return run_or_throw(options, result); });
    return result;
}

RunResult resume_run(const ResumeOptions& options) {
    RunResult result;
    result.exit_status =
        report_errors(result.error_message, [&] { return resume_or_throw(options, result); });
    return result;
}

int validate_scenario(const ValidateOptions& options) {
    std::string error_message;
    return report_errors(error_message, [&] {
        const scenarios::Scenario scenario =
            load_resolved_scenario(options.scenario_path, options.sets, std::nullopt, std::nullopt);
        const agents::Parameters p = scenarios::to_model_parameters(scenario);
        if (options.report != nullptr) {
            const agents::SpaceParameters& space = p.space;
            const auto extent_mm = [&](std::int32_t sites) {
                return static_cast<double>(sites) * space.site_edge_um / 1000.0;
            };
            std::string text =
                fmt::format("Scenario '{}' ({}", scenario.name, options.scenario_path.string());
            if (!scenario.description.empty()) text += fmt::format(": {}", scenario.description);
            text += ") is valid.";
            text += fmt::format(
                " Marrow: {}-D lattice of {} x {} x {} sites of {:g} um ({:g} x {:g} x {:g} mm{}). "
                "Time: {:g} days in {:g}-min steps, recorded every {:g} days; seed {}. "
                "Product: {} cells, dose {:g} cells{}{}.\n",
                space.nz == 1 ? 2 : 3, space.nx, space.ny, space.nz, space.site_edge_um,
                extent_mm(space.nx), extent_mm(space.ny), extent_mm(space.nz),
                space.periodic ? ", periodic" : "", p.time.days, p.time.fine_step_min,
                p.time.record_every_days, p.seed, product_name(p.car_t), p.car_t.dose_cells,
                p.car_t.infusion_schedule == "0:1"
                    ? std::string(" on day 0")
                    : fmt::format(" given as '{}' (day:multiple)", p.car_t.infusion_schedule),
                p.car_t.lymphodepletion ? " after lymphodepletion" : ", no lymphodepletion");
            if (scenario.cohort) {
                text += fmt::format("Cohort for `cartsim ensemble`: {} patients, sampling",
                                    scenario.cohort->patients);
                for (const auto& d : scenario.cohort->distributions) {
                    text += fmt::format(" {} ~ {};", d.key, scenarios::describe_distribution(d));
                }
                text.back() = '.';
                text += "\n";
            }
            *options.report << text << std::flush;
        }
        return static_cast<int>(kExitSuccess);
    });
}

std::string parameter_list_json(const scenarios::ParameterTable& table) {
    using json::json_string;
    const auto number_or_null = [](const scenarios::ParameterSpec& spec, double bound) {
        const bool number = spec.type == scenarios::ParameterType::real ||
                            spec.type == scenarios::ParameterType::integer;
        return number ? json::json_number(bound) : std::string("null");
    };
    const auto value_json = [](const scenarios::ParameterValue& value) {
        return std::visit(
            [](const auto& v) -> std::string {
                using V = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<V, std::string>) {
                    return json::json_string(v);
                } else if constexpr (std::is_same_v<V, bool>) {
                    return json::json_bool(v);
                } else {
                    return json::json_number(v);
                }
            },
            value);
    };
    std::string text =
        fmt::format("{{\n  \"cartsim_version\": {},\n  \"parameters\": [\n", json_string(kVersion));
    const std::vector<scenarios::ParameterSpec>& specs = table.specs();
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const scenarios::ParameterSpec& spec = specs[i];
        std::string allowed = "null";
        if (spec.type == scenarios::ParameterType::choice) {
            allowed = "[";
            for (std::size_t c = 0; c < spec.choices.size(); ++c) {
                allowed += (c > 0 ? ", " : "") + json_string(spec.choices[c]);
            }
            allowed += "]";
        } else if (spec.type == scenarios::ParameterType::boolean) {
            allowed = "[true, false]";
        }
        text += fmt::format(
            "    {{\"key\": {}, \"type\": {}, \"unit\": {}, \"default\": {}, \"min\": {}, "
            "\"max\": {}, \"allowed\": {}, \"description\": {}, \"source\": {}}}{}\n",
            json_string(spec.key), json_string(scenarios::type_name(spec.type)),
            json_string(spec.unit), value_json(spec.default_value), number_or_null(spec, spec.min),
            number_or_null(spec, spec.max), allowed, json_string(spec.description),
            json_string(spec.source), i + 1 < specs.size() ? "," : "");
    }
    return text + "  ]\n}\n";
}

int list_parameters(ParameterListFormat format, std::ostream& out) {
    std::string error_message;
    return report_errors(error_message, [&] {
        if (format == ParameterListFormat::markdown) {
            out << scenarios::parameter_reference_markdown();
        } else if (format == ParameterListFormat::json) {
            out << parameter_list_json(scenarios::model_parameter_table());
        } else {
            const scenarios::ParameterTable& table = scenarios::model_parameter_table();
            scenarios::Scenario defaults;
            defaults.values = scenarios::ParameterSet(table);
            defaults.name = "defaults";
            defaults.description = "every parameter at its default";
            out << scenarios::render_resolved_toml(defaults, table);
        }
        out << std::flush;
        return static_cast<int>(kExitSuccess);
    });
}

}  // namespace cartsim::cli
