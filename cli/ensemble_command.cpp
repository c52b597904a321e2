#include "cli/ensemble_command.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <deque>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <thread>
#include <vector>

#include "cli/child_process.hpp"
#include "cli/ensemble_progress.hpp"
#include "cli/ensemble_report.hpp"
#include "cli/interrupt.hpp"
#include "cli/run_simulation.hpp"
#include "cli/thread_limit.hpp"
#include "io/atomic_file.hpp"
#include "io/ensemble_summary.hpp"
#include "io/hdf5_handle.hpp"

namespace cartsim::cli {
namespace {

namespace fs = std::filesystem;

constexpr auto kPollInterval = std::chrono::milliseconds(50);
constexpr std::size_t kStderrTailLines = 12;
constexpr const char* kPlanFile = "plan.toml";
constexpr const char* kScenarioFile = "scenario.toml";
constexpr const char* kPlanLockFile = ".plan.lock";

std::string read_text(const fs::path& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    return std::move(text).str();
}

/// True when DIR holds nothing but the lock file of prepare_directory.
bool holds_only_plan_lock(const fs::path& dir) {
    std::error_code error;
    for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
        if (entry.path().filename() != kPlanLockFile) return false;
    }
    return !error;
}

/// Creates DIR and its plan files, or checks that the stored plan is this one. The chunks of a
/// job array start together on a new DIR: they pass here one at a time (a lock in DIR), so the
/// first creates the plan and the others find it and compare.
void prepare_directory(const fs::path& dir, const std::string& plan, const std::string& scenario) {
    const fs::path plan_path = dir / kPlanFile;
    const fs::path scenario_path = dir / kScenarioFile;
    std::error_code error;
    fs::create_directories(dir, error);
    if (error) {
        throw io::IoError(
            fmt::format("cannot create the directory {}: {}", dir.string(), error.message()));
    }
    const RunLock plan_lock = RunLock::acquire_waiting(dir / kPlanLockFile);
    if (fs::exists(plan_path, error)) {
        const auto refuse = [&](const std::string& what, const std::string& difference) {
            throw UsageError(fmt::format(
                "{} holds an ensemble of other arguments ({} differs: {}); rerun with the "
                "arguments of its `command` line or use another -o directory",
                dir.string(), what, difference));
        };
        if (const auto difference = plan_difference(read_text(plan_path), plan)) {
            refuse(plan_path.string(), *difference);
        }
        if (const auto difference = plan_difference(read_text(scenario_path), scenario)) {
            refuse(scenario_path.string() + " (the resolved scenario)", *difference);
        }
        return;
    }
    if (!holds_only_plan_lock(dir)) {
        throw io::IoError(
            fmt::format("{} exists and is not an ensemble directory (no {}); give "
                        "an empty or new directory",
                        dir.string(), kPlanFile));
    }
    fs::create_directories(dir / "runs", error);
    if (error) {
        throw io::IoError(fmt::format("cannot create the directory {}: {}", (dir / "runs").string(),
                                      error.message()));
    }
    io::write_text_atomically(scenario_path, scenario, "the ensemble's scenario");
    io::write_text_atomically(plan_path, plan, "the ensemble plan");
}

struct Running {
    std::size_t index = 0;
    pid_t pid = 0;
    RunLock lock;
    bool resumed = false;
    std::chrono::steady_clock::time_point started;
};

class EnsembleRunner {
  public:
    EnsembleRunner(const EnsembleOptions& options, const EnsemblePlan& plan, EnsembleResult& result)
        : options_(options), plan_(plan), result_(result), runs_dir_(options.output_dir / "runs") {}

    /// Runs the selected indices; returns the indices that failed.
    void run(std::deque<std::size_t> pending) {
        EnsembleProgress progress(options_.quiet ? nullptr : options_.progress,
                                  options_.progress_is_terminal, pending.size());
        progress_ = &progress;
        std::deque<std::size_t> busy;  // locked by another process: retried later
        bool forwarded = false;
        while (!pending.empty() || !busy.empty() || !running_.empty()) {
            if (interrupt_requested()) {
                if (!forwarded) forward_interrupt();
                forwarded = true;
                pending.clear();
                busy.clear();
            }
            reap();
            while (!interrupt_requested() && static_cast<int>(running_.size()) < options_.jobs &&
                   !pending.empty()) {
                const std::size_t index = pending.front();
                pending.pop_front();
                if (!start(index)) busy.push_back(index);
            }
            if (pending.empty() && !busy.empty()) {
                if (running_.empty()) {
                    if (!told_busy_) {
                        spdlog::info(
                            "{} run(s) are locked by another process (an earlier ensemble's "
                            "run still writing its checkpoint?); waiting",
                            busy.size());
                    }
                    told_busy_ = true;
                    std::this_thread::sleep_for(std::chrono::milliseconds(500));
                }
                pending.swap(busy);
            }
            progress.update();
            if (!running_.empty()) std::this_thread::sleep_for(kPollInterval);
        }
        progress.finish();
        progress_ = nullptr;
    }

    const std::vector<std::size_t>& failed() const { return failed_; }

  private:
    fs::path run_path(std::size_t index) const { return runs_dir_ / run_file_name(index); }

    /// Starts (or skips) one run; false if another process holds its lock.
    bool start(std::size_t index) {
        const fs::path output = run_path(index);
        // The run file's own lock (also taken by `cartsim run`/`resume`), handed to the child.
        std::optional<RunLock> lock = RunLock::try_acquire(lock_path_of(output));
        if (!lock) return false;
        lock->record_holder();
        const PlannedRun& run = plan_.runs[index];
        const io::RunFileState state = io::read_run_file_state(output);
        if (state.status != "missing" && state.status != "unreadable" && state.seed != run.seed) {
            fail(index, fmt::format("{} holds a run with seed {}, but the plan says {}; remove it "
                                    "to redo the run",
                                    output.string(), state.seed, run.seed));
            return true;
        }
        if (state.status == "complete") {
            ++result_.already_complete;
            progress_->skipped();
            return true;
        }
        // Nothing else writes this run (we hold its lock): leftovers of a killed run go.
        std::error_code ignored;
        fs::path partial = output;
        partial += ".partial";
        fs::remove(partial, ignored);
        fs::remove(io::temporary_path_of(output), ignored);
        const bool resume = state.status == "checkpoint" || state.status == "interrupted";
        if (!resume) fs::remove(output, ignored);
        std::vector<std::string> arguments;
        const std::string threads = std::to_string(options_.threads_per_run);
        if (resume) {
            arguments = {"resume", output.string(), "--threads", threads, "--quiet"};
        } else {
            arguments = {"run",    (options_.output_dir / kScenarioFile).string(),
                         "-o",     output.string(),
                         "--seed", std::to_string(run.seed)};
            for (const std::string& set : run_set_arguments(plan_, run)) {
                arguments.push_back("--set");
                arguments.push_back(set);
            }
            arguments.insert(arguments.end(), {"--threads", threads, "--quiet", "--force"});
        }
        fs::path log = output;
        log.replace_extension(".log");
        const pid_t pid = spawn_child(options_.executable, arguments, log, *lock);
        (resume ? result_.resumed : result_.started)++;
        running_.push_back(
            Running{index, pid, std::move(*lock), resume, std::chrono::steady_clock::now()});
        progress_->started();
        return true;
    }

    void reap() {
        for (auto it = running_.begin(); it != running_.end();) {
            const std::optional<int> status = poll_child(it->pid);
            if (!status) {
                ++it;
                continue;
            }
            const fs::path log = fs::path(run_path(it->index)).replace_extension(".log");
            if (*status == kExitSuccess) {
                progress_->finished(true);
            } else if (*status == kExitInterrupted) {
                ++result_.interrupted;
                progress_->finished(false);
            } else {
                fail(it->index,
                     fmt::format("exit status {}{}; the end of {}:\n{}", *status,
                                 *status > 128 ? fmt::format(" (signal {})", *status - 128) : "",
                                 log.string(), tail_of_file(log, kStderrTailLines)));
                progress_->finished(false);
            }
            it = running_.erase(it);
        }
    }

    void fail(std::size_t index, const std::string& why) {
        ++result_.failed;
        failed_.push_back(index);
        spdlog::error("run {} (seed {}) failed: {}", index, plan_.runs[index].seed, why);
    }

    void forward_interrupt() {
        spdlog::warn(
            "signal {}: asking {} running run(s) to checkpoint and stop; rerun the same "
            "command to continue",
            interrupt_signal(), running_.size());
        for (const Running& r : running_) ::kill(r.pid, SIGTERM);
    }

    const EnsembleOptions& options_;
    const EnsemblePlan& plan_;
    EnsembleResult& result_;
    fs::path runs_dir_;
    std::vector<Running> running_;
    std::vector<std::size_t> failed_;
    EnsembleProgress* progress_ = nullptr;
    bool told_busy_ = false;
};

std::deque<std::size_t> selected_runs(const EnsembleOptions& options, std::size_t total) {
    std::size_t first = 0;
    std::size_t last = total;
    if (options.chunk) {
        const auto [k, n] = *options.chunk;
        first = total * static_cast<std::size_t>(k - 1) / static_cast<std::size_t>(n);
        last = total * static_cast<std::size_t>(k) / static_cast<std::size_t>(n);
    }
    std::deque<std::size_t> indices;
    for (std::size_t i = first; i < last; ++i) indices.push_back(i);
    return indices;
}

int summarize(const EnsembleOptions& options, const EnsemblePlan& plan,
              const std::vector<std::size_t>& failed) {
    // The last chunks of a job array may finish together: one writes the summaries at a time.
    const RunLock plan_lock = RunLock::acquire_waiting(options.output_dir / kPlanLockFile);
    const io::EnsembleTable table = collect_table(plan, options.output_dir / "runs", failed);
    const EnsembleAggregate totals = aggregate(table);
    write_summaries(options.output_dir, plan, table, totals);
    if (!options.quiet) {
        spdlog::info("wrote {} and {}", (options.output_dir / "summary.csv").string(),
                     (options.output_dir / "summary.h5").string());
    }
    if (options.report != nullptr && !options.quiet) {
        *options.report << aggregate_text(plan.scenario_name, totals) << std::flush;
    }
    return totals.complete == totals.runs ? kExitSuccess : kExitFailure;
}

int ensemble_or_throw(const EnsembleOptions& options, EnsembleResult& result) {
    if (options.jobs < 1)
        throw UsageError(fmt::format("--jobs must be >= 1, got {}", options.jobs));
    check_thread_count("--threads-per-run", options.threads_per_run);
    if (options.jobs > max_threads()) {
        throw UsageError(
            fmt::format("--jobs {} is more than the limit of {} ({} x the hardware "
                        "threads of this machine)",
                        options.jobs, max_threads(), kThreadsPerHardwareThread));
    }
    if (options.chunk && (options.chunk->second < 1 || options.chunk->first < 1 ||
                          options.chunk->first > options.chunk->second)) {
        throw UsageError(fmt::format("--chunk K/N needs 1 <= K <= N, got {}/{}",
                                     options.chunk->first, options.chunk->second));
    }
    if (options.output_dir.empty()) throw UsageError("ensemble needs -o DIR");
    const EnsemblePlan plan = make_plan(options.definition);
    result.planned = plan.runs.size();
    std::error_code error;
    if (!options.summarize_only && !fs::exists(options.executable, error)) {
        throw io::IoError(fmt::format("cannot find the cartsim binary '{}' to start runs",
                                      options.executable.string()));
    }
    prepare_directory(options.output_dir, plan_text(plan, options.definition, options.command_line),
                      plan.base_toml);
    if (options.summarize_only) {
        const int status = summarize(options, plan, {});
        if (status != kExitSuccess) {
            spdlog::warn("not every run is complete (see the status column of {})",
                         (options.output_dir / "summary.csv").string());
        }
        return status;
    }
    std::deque<std::size_t> selected = selected_runs(options, plan.runs.size());
    if (!options.quiet) {
        spdlog::info(
            "ensemble '{}': {} runs ({} design point(s) x {} x {} replicate(s)); "
            "this invocation: {} run(s), {} at once, {} thread(s) each; output {}",
            plan.scenario_name, plan.runs.size(), plan.points,
            plan.is_cohort() ? fmt::format("{} patients", plan.patients) : std::string("1 patient"),
            plan.replicates, selected.size(), options.jobs, options.threads_per_run,
            options.output_dir.string());
        for (const std::string& key : plan.fixed_cohort_keys) {
            spdlog::info("--set {} fixes a value [cohort] samples: every patient gets it", key);
        }
    }
    EnsembleRunner runner(options, plan, result);
    runner.run(std::move(selected));
    if (!options.quiet) {
        spdlog::info(
            "ensemble: {} already complete, {} started, {} resumed, {} failed, {} "
            "interrupted",
            result.already_complete, result.started, result.resumed, result.failed,
            result.interrupted);
    }
    if (interrupt_requested() || result.interrupted > 0) {
        spdlog::warn("interrupted: rerun the same command to continue from the checkpoints");
        return kExitInterrupted;
    }
    // A chunk writes the summaries only once every run of the plan is there (the last chunk to
    // finish, or `--summarize-only`).
    if (options.chunk) {
        const io::EnsembleTable table =
            collect_table(plan, options.output_dir / "runs", runner.failed());
        const bool all =
            std::all_of(table.rows.begin(), table.rows.end(),
                        [](const io::EnsembleRow& r) { return r.status == "complete"; });
        if (!all) {
            if (!options.quiet) {
                spdlog::info(
                    "chunk {}/{} done; other runs are not complete yet: run the same "
                    "command with --summarize-only when every chunk has finished",
                    options.chunk->first, options.chunk->second);
            }
            return result.failed > 0 ? kExitFailure : kExitSuccess;
        }
    }
    const int status = summarize(options, plan, runner.failed());
    if (result.failed > 0) {
        spdlog::error(
            "{} run(s) failed (see above and their .log files); rerun the same command "
            "to retry them",
            result.failed);
        return kExitFailure;
    }
    return status;
}

}  // namespace

EnsembleResult run_ensemble(const EnsembleOptions& options) {
    EnsembleResult result;
    result.exit_status =
        report_errors(result.error_message, [&] { return ensemble_or_throw(options, result); });
    return result;
}

}  // namespace cartsim::cli
