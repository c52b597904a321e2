#pragma once
// The plan of `cartsim ensemble`: which runs, with which seeds and parameter values. A pure
// function of the command line and the scenario (never of --jobs, --threads-per-run or --chunk):
//
//   run index = ((point * patients) + patient) * replicates + replicate
//
// where `point` walks the sweep design (--vary: grid or Latin hypercube; or the rows of
// --design-file), `patient` the
// [cohort] (one patient when the scenario has none) and `replicate` the --replicates. Run i's
// seed is derive_run_seed(base seed, i); a patient's sampled values depend only on (base seed,
// patient), so patient p is the same virtual patient at every design point and replicate.
//
// The plan is stored as DIR/plan.toml (every run's arguments) beside DIR/scenario.toml (the
// resolved base scenario that every run loads); a rerun must produce the same plan.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/parameter_table.hpp"
#include "scenarios/sweep_design.hpp"

namespace cartsim::cli {

/// What defines an ensemble's plan (the command line minus how it is executed).
struct EnsembleDefinition {
    std::filesystem::path scenario_path;
    std::int64_t replicates = 1;
    /// `key=lo:hi[:log]`, in order.
    std::vector<std::string> vary;
    /// `--design-file DESIGN.csv`: the design points as rows of a CSV file (excludes vary,
    /// samples and design lhs).
    std::optional<std::filesystem::path> design_file;
    scenarios::DesignKind design = scenarios::DesignKind::grid;
    /// Grid: points per varied key (default 3); LHS: points in all (default 10).
    std::optional<std::int64_t> samples;
    /// `--days D` (as --set time.days=D on the base scenario).
    std::optional<double> days;
    /// `--set key=value` on the base scenario, in order.
    std::vector<std::string> sets;
};

/// One run of the plan.
struct PlannedRun {
    std::size_t index = 0;
    std::uint64_t seed = 0;
    std::int64_t point = 0;
    std::int64_t patient = -1;  ///< -1 without a cohort
    std::int64_t replicate = 0;
    /// One value per EnsemblePlan::input_keys.
    std::vector<scenarios::ParameterValue> inputs;
};

struct EnsemblePlan {
    std::string scenario_name;
    /// The resolved base scenario (sets and days applied): DIR/scenario.toml.
    std::string base_toml;
    std::uint64_t base_seed = 0;
    /// The varied keys (or the design file's columns), then the cohort's keys.
    std::vector<std::string> input_keys;
    /// Keys the cohort samples that a --set fixes for every patient (the other sampled keys keep
    /// each patient's values: a value depends only on the base seed, the patient and its key).
    std::vector<std::string> fixed_cohort_keys;
    std::int64_t patients = 0;  ///< 0 without a cohort
    std::int64_t points = 1;
    std::int64_t replicates = 1;
    std::vector<PlannedRun> runs;
    /// With --design-file: the file line of each design point (for messages); empty otherwise.
    std::vector<std::size_t> design_lines;

    bool is_cohort() const { return patients > 0; }
};

/// Seed of run `index`: 63 bits of Philox4x64 keyed by (base seed, StreamId::ensemble_run_seed)
/// at counter (0, index). Deterministic, distinct in practice, in run.seed's range [0, 2^63 - 1].
std::uint64_t derive_run_seed(std::uint64_t base_seed, std::uint64_t index);

/// Loads the scenario, applies sets and days, checks every option (replicates >= 1, samples >= 1,
/// each --vary range, a key both varied and in the cohort; a design file's every value, see
/// scenarios::read_design_file, and a column that is also sampled by [cohort], also --set or
/// time.days with --days) and converts every planned run's
/// parameters with scenarios::to_model_parameters, so a contradiction anywhere stops the ensemble
/// before anything is written. Throws scenarios::ScenarioError or UsageError (exit status 2).
EnsemblePlan make_plan(const EnsembleDefinition& definition);

/// "run_0007.h5" (at least four digits).
std::string run_file_name(std::size_t index);

/// The `--set key=value` arguments of a run (its inputs).
std::vector<std::string> run_set_arguments(const EnsemblePlan& plan, const PlannedRun& run);

/// The text of DIR/plan.toml: `command` (informational) and every value that defines the plan,
/// one run per line.
std::string plan_text(const EnsemblePlan& plan, const EnsembleDefinition& definition,
                      const std::string& command);

/// The first line where two plan texts (or scenario texts) differ in what they define (comments
/// and the `command` line ignored), as "'old' is now 'new'"; nullopt when they agree.
std::optional<std::string> plan_difference(const std::string& stored, const std::string& fresh);

}  // namespace cartsim::cli
