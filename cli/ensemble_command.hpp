#pragma once
// `cartsim ensemble`: runs the plan of cli/ensemble_plan.hpp as child processes of the cartsim
// binary (cli/child_process.hpp), up to `jobs` at once, into DIR/runs/run_NNNN.h5, and writes
// DIR/summary.csv and DIR/summary.h5 (cli/ensemble_report.hpp). docs/ENSEMBLE.md describes it.
//
// Rerunning the same command continues: a run whose file is complete is skipped, one with a
// checkpoint (interrupted, time limit, killed ensemble) is continued with `cartsim resume`
// (bitwise identical to an uninterrupted run), a missing or unreadable one is run again after
// removing its stale .partial. Other arguments than the stored DIR/plan.toml's are refused.

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

#include "cli/ensemble_plan.hpp"

namespace cartsim::cli {

struct EnsembleOptions {
    EnsembleDefinition definition;
    std::filesystem::path output_dir;
    /// Runs at once (>= 1).
    int jobs = 1;
    /// --threads of each run (>= 1).
    int threads_per_run = 1;
    /// `--chunk K/N`: only the K-th (1-based) of N contiguous blocks of run indices.
    std::optional<std::pair<int, int>> chunk;
    /// Write the summaries from the run files as they are; start nothing.
    bool summarize_only = false;
    /// The cartsim binary that runs each simulation (`/proc/self/exe` in cartsim itself).
    std::filesystem::path executable;
    /// The command as typed, stored in plan.toml for the record.
    std::string command_line;
    bool quiet = false;
    std::ostream* progress = nullptr;
    bool progress_is_terminal = false;
    /// Where the aggregate table goes at the end (stdout).
    std::ostream* report = nullptr;
};

struct EnsembleResult {
    int exit_status = 1;
    std::string error_message;
    std::size_t planned = 0;
    /// Of the runs this invocation handled:
    std::size_t already_complete = 0;
    std::size_t started = 0;  ///< fresh runs
    std::size_t resumed = 0;  ///< continued from a checkpoint
    std::size_t failed = 0;
    std::size_t interrupted = 0;
};

EnsembleResult run_ensemble(const EnsembleOptions& options);

}  // namespace cartsim::cli
