#include "cli/run_simulation.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <exception>
#include <functional>
#include <limits>
#include <ostream>
#include <sstream>
#include <string_view>
#include <utility>

#include "agents/marrow_model.hpp"
#include "agents/observables.hpp"
#include "agents/parameters.hpp"
#include "cli/version.hpp"
#include "engine/parallelism.hpp"
#include "io/hdf5_handle.hpp"
#include "io/run_file_writer.hpp"
#include "scenarios/model_parameters.hpp"
#include "scenarios/parameter_table.hpp"
#include "scenarios/scenario_error.hpp"
#include "scenarios/scenario_loader.hpp"

namespace cartsim::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kSeedKey = "run.seed";
constexpr const char* kDaysKey = "time.days";

// Flush the .partial at least this often in wall time (and every simulated day).
constexpr double kFlushWallSeconds = 10.0;
// Progress: a terminal line is redrawn at most this often; a log line (not a terminal) is written
// every tenth of the simulated time or after this long, whichever comes first.
constexpr double kTerminalRedrawSeconds = 0.5;
constexpr double kLogLineSeconds = 30.0;
constexpr int kLogLinesPerRun = 10;

double seconds_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

// "1h02m", "3m05s", "12s".
std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0.0) return "?";
    const auto total = static_cast<long long>(std::llround(seconds));
    const long long hours = total / 3600;
    const long long minutes = (total % 3600) / 60;
    const long long secs = total % 60;
    if (hours > 0) return fmt::format("{}h{:02}m", hours, minutes);
    if (minutes > 0) return fmt::format("{}m{:02}s", minutes, secs);
    return fmt::format("{}s", secs);
}

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

// Loads the scenario and applies the overrides: `sets` in order, then seed and days.
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

// Runs `body`, turning every exception into a logged error and an exit status.
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

void log_lines(std::string_view heading, const std::string& text) {
    spdlog::info("{}", heading);
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty()) spdlog::info("  {}", line);
    }
}

std::string product_name(const agents::CarTParameters& car_t) {
    const char* costimulation =
        car_t.costimulation == agents::Costimulation::cd28 ? "CD28" : "4-1BB";
    return fmt::format("{} {} CAR-T", costimulation, car_t.targets_cd22 ? "CD19/CD22" : "CD19");
}

// The /timeseries columns: every observable except time_days, which the writer keeps itself.
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

void observable_values(const agents::Observables& observables, std::vector<double>& values) {
    values.clear();
    observables.for_each([&](std::string_view name, std::string_view, double value) {
        if (name != io::layout::kTimeColumn) values.push_back(value);
    });
}

// The progress line on stderr (see RunOptions::progress_is_terminal).
class ProgressLine {
  public:
    ProgressLine(std::ostream* out, bool terminal, std::uint64_t total_steps, double total_days)
        : out_(out),
          terminal_(terminal),
          total_steps_(total_steps),
          total_days_(total_days),
          start_(Clock::now()),
          last_print_(start_) {}

    /// Called after every fine step; prints when it is time to.
    void update(std::uint64_t steps_done, double day, std::uint64_t agent_updates,
                const agents::Observables& latest) {
        if (out_ == nullptr) return;
        const Clock::time_point now = Clock::now();
        const double since_print = seconds_between(last_print_, now);
        bool due = false;
        if (terminal_) {
            due = since_print >= kTerminalRedrawSeconds;
        } else {
            const auto next_mark = static_cast<double>(next_log_mark_) / kLogLinesPerRun;
            due =
                static_cast<double>(steps_done) >= next_mark * static_cast<double>(total_steps_) ||
                since_print >= kLogLineSeconds;
        }
        if (due || steps_done == total_steps_) print(now, steps_done, day, agent_updates, latest);
    }

    /// Ends the terminal line.
    void finish() {
        if (out_ != nullptr && terminal_ && printed_) *out_ << '\n' << std::flush;
    }

  private:
    void print(Clock::time_point now, std::uint64_t steps_done, double day,
               std::uint64_t agent_updates, const agents::Observables& latest) {
        const double elapsed = std::max(seconds_between(start_, now), 1e-9);
        const double steps_per_second = static_cast<double>(steps_done) / elapsed;
        const double updates_per_second = static_cast<double>(agent_updates) / elapsed;
        const double eta = steps_per_second > 0.0
                               ? static_cast<double>(total_steps_ - steps_done) / steps_per_second
                               : std::nan("");
        const std::string line = fmt::format(
            "day {:.2f}/{:g} | blasts {:.0f} ({:.2f}%) | CAR-T marrow {:.0f}, blood {:.3g}/uL | "
            "{:.3g} agent-updates/s, {:.0f} steps/s | {} {}",
            day, total_days_, latest.blasts, 100.0 * latest.blast_fraction, latest.cart_marrow,
            latest.cart_blood_per_ul, updates_per_second, steps_per_second,
            steps_done == total_steps_ ? "took" : "ETA",
            format_duration(steps_done == total_steps_ ? elapsed : eta));
        if (terminal_) {
            // Pad over the rest of a longer previous line.
            *out_ << '\r' << line;
            if (line.size() < last_length_) *out_ << std::string(last_length_ - line.size(), ' ');
            *out_ << std::flush;
            last_length_ = line.size();
        } else {
            *out_ << line << '\n' << std::flush;
            while (static_cast<double>(next_log_mark_) / kLogLinesPerRun *
                       static_cast<double>(total_steps_) <=
                   static_cast<double>(steps_done)) {
                ++next_log_mark_;
            }
        }
        printed_ = true;
        last_print_ = now;
    }

    std::ostream* out_;
    bool terminal_;
    std::uint64_t total_steps_;
    double total_days_;
    Clock::time_point start_;
    Clock::time_point last_print_;
    int next_log_mark_ = 1;
    std::size_t last_length_ = 0;
    bool printed_ = false;
};

// The body of run_simulation; throws on every failure.
int run_or_throw(const RunOptions& options, RunResult& result) {
    if (options.threads < 0) {
        throw UsageError(fmt::format("--threads must be >= 1, got {}", options.threads));
    }
    const int threads = options.threads == 0 ? engine::hardware_threads() : options.threads;

    // 1. Everything the user gave is checked before any file is created.
    const scenarios::ParameterTable& table = scenarios::model_parameter_table();
    const scenarios::Scenario scenario =
        load_resolved_scenario(options.scenario_path, options.sets, options.seed, options.days);
    const agents::Parameters parameters = scenarios::to_model_parameters(scenario);
    const std::string resolved_toml = scenarios::render_resolved_toml(scenario, table);
    result.seed = parameters.seed;
    result.output_path =
        options.output_path.value_or(fs::path(options.scenario_path.stem().string() + ".h5"));

    const bool log_info = !options.quiet;
    // 2. Fail early if the output cannot be created (exists without --force, bad directory):
    //    before the model is built, which can take long for big lattices.
    io::RunFileWriter::check_can_create(result.output_path, options.force);

    // 3. The run, with exactly `threads` worker threads. The model is built before the output
    //    is opened, so a failure while building it leaves no .partial behind.
    std::string readouts_text;
    engine::run_with_threads(threads, [&] {
        agents::MarrowModel model(parameters);
        io::RunFileWriter writer(result.output_path, options.force);
        writer.set_run_metadata({.cartsim_version = kVersion,
                                 .git_commit = kGitCommit,
                                 .seed = parameters.seed,
                                 .created_utc = ""});
        writer.set_scenario_toml(resolved_toml);
        const std::vector<io::TimeseriesColumn> columns = timeseries_columns();
        writer.declare_timeseries(columns);
        if (log_info) {
            spdlog::info("scenario '{}' from {}", scenario.name, options.scenario_path.string());
            spdlog::info("output {} (written as {} until the run ends)",
                         result.output_path.string(), writer.partial_path().string());
        }
        const double fine_step_days = model.fine_step_days();
        const auto total_steps =
            static_cast<std::uint64_t>(std::llround(parameters.time.days / fine_step_days));
        const auto record_every_steps = static_cast<std::uint64_t>(
            std::max(1LL, std::llround(parameters.time.record_every_days / fine_step_days)));
        const auto flush_every_steps =
            static_cast<std::uint64_t>(std::max(1LL, std::llround(1.0 / fine_step_days)));
        const auto tissue_period_steps =
            static_cast<std::uint64_t>(std::max(1, parameters.time.tissue_period_steps));

        if (log_info) {
            spdlog::info("{}", model.lattice().describe());
            spdlog::info("{}", model.grid().describe());
            log_lines("scheduler phases:", model.scheduler().describe());
            spdlog::info(
                "{} days = {} fine steps of {:g} min, a row every {} steps ({:g} days); {} "
                "threads; seed {}",
                parameters.time.days, total_steps, parameters.time.fine_step_min,
                record_every_steps, static_cast<double>(record_every_steps) * fine_step_days,
                threads, parameters.seed);
        }

        agents::ClinicalReadouts readouts(parameters.readouts);
        std::vector<double> row_values;
        row_values.reserve(columns.size());
        agents::Observables latest{};
        auto record = [&] {
            latest = model.observe();
            readouts.record(latest);
            observable_values(latest, row_values);
            writer.append_row(latest.time_days, row_values);
        };

        ProgressLine progress(options.quiet ? nullptr : options.progress,
                              options.progress_is_terminal, total_steps, parameters.time.days);
        record();
        writer.flush();
        std::uint64_t last_flush_step = 0;
        Clock::time_point last_flush_time = Clock::now();
        std::uint64_t agent_updates = 0;
        for (std::uint64_t step = 0; step < total_steps; ++step) {
            agent_updates += model.car_t().live_count();
            if (step % tissue_period_steps == 0) agent_updates += model.tissue().live_count();
            model.step();
            const std::uint64_t steps_done = step + 1;
            const bool last = steps_done == total_steps;
            if (steps_done % record_every_steps == 0 || last) {
                record();
                const Clock::time_point now = Clock::now();
                if (steps_done - last_flush_step >= flush_every_steps ||
                    seconds_between(last_flush_time, now) >= kFlushWallSeconds) {
                    writer.flush();
                    last_flush_step = steps_done;
                    last_flush_time = now;
                }
            }
            progress.update(steps_done, model.time_days(), agent_updates, latest);
        }
        progress.finish();
        result.fine_steps = total_steps;
        result.final_state_hash = model.state_hash();
        result.endpoints = readouts.endpoints();
        readouts_text =
            fmt::format("Clinical readouts of '{}' (seed {}, {:g} days):\n{}", scenario.name,
                        parameters.seed, model.time_days(), readouts.describe());

        // 4. /summary and the final rename.
        result.endpoints.for_each([&](std::string_view name, std::string_view, double value) {
            writer.set_summary(name, value);
        });
        writer.set_summary_text("scenario_name", scenario.name);
        writer.set_summary_text("scenario_file", options.scenario_path.string());
        result.timeseries_rows = writer.timeseries_rows();
        writer.finish();
    });
    if (log_info) {
        spdlog::info("wrote {} ({} time-series rows)", result.output_path.string(),
                     result.timeseries_rows);
    }
    if (options.report != nullptr && !options.quiet) *options.report << readouts_text << std::flush;
    return kExitSuccess;
}

}  // namespace

RunResult run_simulation(const RunOptions& options) {
    RunResult result;
    result.exit_status =
        report_errors(result.error_message, [&] { return run_or_throw(options, result); });
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
                "Product: {} cells, dose {:g} cells on day 0{}.\n",
                space.nz == 1 ? 2 : 3, space.nx, space.ny, space.nz, space.site_edge_um,
                extent_mm(space.nx), extent_mm(space.ny), extent_mm(space.nz),
                space.periodic ? ", periodic" : "", p.time.days, p.time.fine_step_min,
                p.time.record_every_days, p.seed, product_name(p.car_t), p.car_t.dose_cells,
                p.car_t.lymphodepletion ? " after lymphodepletion" : ", no lymphodepletion");
            *options.report << text << std::flush;
        }
        return static_cast<int>(kExitSuccess);
    });
}

int list_parameters(ParameterListFormat format, std::ostream& out) {
    std::string error_message;
    return report_errors(error_message, [&] {
        if (format == ParameterListFormat::markdown) {
            out << scenarios::parameter_reference_markdown();
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
