#pragma once
// The commands of the `cartsim` executable as library functions, so tests can call them without a
// process: `cartsim run` (run_simulation), `cartsim validate` (validate_scenario) and
// `cartsim validate --list-params` (list_parameters). cli/main.cpp only parses the command line.
//
// None of these functions throws for a problem the user can cause: they log it with spdlog
// ("error" level, the message names the file, the key and the allowed range) and return one of the
// exit statuses below. Nothing is written before the scenario and every option have been checked,
// and an existing output is never replaced without `force`.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "agents/readouts/clinical_readouts.hpp"
#include "io/run_file_writer.hpp"
#include "scenarios/scenario_loader.hpp"

namespace cartsim::cli {

/// Exit statuses of `cartsim` (listed in the --help footer).
enum ExitStatus : int {
    kExitSuccess = 0,
    kExitFailure = 1,        ///< anything not covered below (a bug, out of memory, ...)
    kExitBadInput = 2,       ///< bad command line or scenario (CLI11 parse error, ScenarioError)
    kExitOutputProblem = 3,  ///< io::IoError, e.g. the output exists and --force was not given
    kExitInterrupted = 4,    ///< SIGTERM/SIGINT: a checkpoint was written; `cartsim resume` goes on
};

/// A command-line value the parser could not reject (e.g. a negative thread count passed by a
/// caller of the library). Reported like a ScenarioError: exit status 2.
class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Runs `body`, turning every exception into a logged error (spdlog), its message in
/// `error_message`, and an exit status: ScenarioError and UsageError 2, io::IoError 3, others 1.
int report_errors(std::string& error_message, const std::function<int()>& body);

/// Loads a scenario file and applies the command line's overrides: `sets` in order, then
/// `seed` (as run.seed, messages naming --seed) and `days` (as time.days, naming --days).
/// Throws scenarios::ScenarioError or UsageError.
scenarios::Scenario load_resolved_scenario(const std::filesystem::path& scenario_path,
                                           const std::vector<std::string>& sets,
                                           const std::optional<std::uint64_t>& seed,
                                           const std::optional<double>& days);

/// Everything `cartsim run` takes.
struct RunOptions {
    std::filesystem::path scenario_path;
    /// Default: "<scenario file stem>.h5" in the current directory.
    std::optional<std::filesystem::path> output_path;
    /// Worker threads; 0 means engine::hardware_threads().
    int threads = 0;
    /// Model states the lattice is split into, each a box of tiles on its own thread
    /// (engine/virtual_ranks.hpp): the rank protocol of a multi-node run, in one process. The
    /// run file is the same for any count. Well-mixed mode takes 1 only.
    int virtual_ranks = 1;
    /// Applied as `--set run.seed=S` after `sets`, so the resolved scenario shows it.
    std::optional<std::uint64_t> seed;
    /// Applied as `--set time.days=D` after `sets`.
    std::optional<double> days;
    /// `key=value` overrides, applied in order.
    std::vector<std::string> sets;
    /// Replace an existing output (and a .partial left by an earlier run).
    bool force = false;
    /// No info log lines, no progress line, no readouts: only errors.
    bool quiet = false;
    /// Where the progress line goes; nullptr for none.
    std::ostream* progress = nullptr;
    /// True when `progress` is a terminal: one line updated in place with '\r'. Otherwise a new
    /// line every ~10 % of the simulated time or ~30 s.
    bool progress_is_terminal = false;
    /// Where the clinical readouts go at the end (stdout in `cartsim`); nullptr for none.
    std::ostream* report = nullptr;
    /// Test hook: behave as if SIGTERM arrived during this step (checkpoint, kExitInterrupted).
    std::optional<std::uint64_t> interrupt_after_step;
    /// The command as typed, for the root attribute command_line ("" when called as a library:
    /// then a description of the call is stored).
    std::string command_line;
};

/// Everything `cartsim resume` takes.
struct ResumeOptions {
    /// A run file with /checkpoint (complete, interrupted, or published mid-run).
    std::filesystem::path run_file;
    /// New end (simulated days); default: the scenario's time.days. Applied as time.days=D.
    std::optional<double> days;
    int threads = 0;
    /// As RunOptions::virtual_ranks: the run goes on split into this many model states (any
    /// count, whatever the run was started with).
    int virtual_ranks = 1;
    bool quiet = false;
    std::ostream* progress = nullptr;
    bool progress_is_terminal = false;
    std::ostream* report = nullptr;
    std::optional<std::uint64_t> interrupt_after_step;
    /// The command as typed; appended on a new line to the file's command_line.
    std::string command_line;
};

/// What a run did.
struct RunResult {
    int exit_status = kExitFailure;
    /// The error message ("" on success): what `cartsim` prints after "cartsim: error: ".
    std::string error_message;
    /// The output file (set once known, even if the run then failed).
    std::filesystem::path output_path;
    /// Values below are meaningful only on success.
    std::uint64_t seed = 0;
    /// True when the run stopped at a signal (exit status kExitInterrupted) after a checkpoint.
    bool interrupted = false;
    /// The step the model reached.
    std::uint64_t fine_steps = 0;
    std::size_t timeseries_rows = 0;
    std::uint64_t final_state_hash = 0;
    agents::ClinicalEndpoints endpoints{};
};

/// `cartsim run`: loads the scenario, applies `sets` in order then `seed` and `days`, converts
/// it to model parameters, and only then creates the output (see io::RunFileWriter). Writes the
/// root attributes, /config (the resolved scenario), /timeseries (one row at day 0, then every
/// time.record_every_days rounded to whole fine steps, and one at the end if the last step is
/// not a record step), /summary (the clinical endpoints, NaN for one that never happened, plus
/// the text attributes scenario_name and scenario_file). The .partial is flushed every simulated
/// day and at least every ~10 s of wall time.
///
/// Snapshots go to /snapshots every output.snapshot_every_days; every
/// output.checkpoint_every_days, at the end, and when SIGTERM/SIGINT arrive (see
/// cli/interrupt.hpp) the run so far is published under the output name with /checkpoint
/// (docs/OUTPUT.md). An interrupted run returns kExitInterrupted. The XDMF sidecar is written
/// beside the output with every publication.
RunResult run_simulation(const RunOptions& options);

/// `cartsim resume`: continues a run file from its /checkpoint to `days` (default: its scenario's
/// time.days), rewriting it in place the same way (the original stays under its name until the
/// first publication). The result is bitwise identical, dataset by dataset, to an uninterrupted
/// run, at any thread counts. Errors: a file without /checkpoint, not written by cartsim or of
/// another format_version (kExitOutputProblem); --days before the checkpoint (kExitBadInput).
RunResult resume_run(const ResumeOptions& options);

/// The provenance of a run file written by this process (io::RunProvenance): the command line
/// ("(library call) " + `library_call` when it is empty: a run started from the library),
/// gethostname(), `threads`, the compiler and CMAKE_BUILD_TYPE this binary was built with and the
/// HDF5 library it runs with; the wall time counts from now.
io::RunProvenance current_provenance(const std::string& command_line,
                                     const std::string& library_call, int threads);

/// Everything `cartsim validate SCENARIO.toml` takes.
struct ValidateOptions {
    std::filesystem::path scenario_path;
    std::vector<std::string> sets;
    /// Where the one-paragraph summary goes; nullptr for none.
    std::ostream* report = nullptr;
};

/// `cartsim validate`: loads the scenario, applies the overrides and converts it to model
/// parameters (which checks what the loader cannot, e.g. contradictions between keys), then
/// prints name, lattice, days, seed, product and dose. kExitSuccess or kExitBadInput. Creates no
/// file.
int validate_scenario(const ValidateOptions& options);

/// Formats of `cartsim validate --list-params`.
enum class ParameterListFormat {
    markdown,  ///< scenarios::parameter_reference_markdown()
    toml,      ///< a scenario file with every parameter at its default, commented
    json,      ///< parameter_list_json(): one JSON document, for scripts
};

/// The parameter table as one JSON document (`cartsim validate --list-params --format json`):
///     {"cartsim_version": "...", "parameters": [{"key": ..., "type": "real", "unit": ...,
///      "default": ..., "min": ..., "max": ..., "allowed": ..., "description": ...,
///      "source": ...}, ...]}
/// in registration order. min and max are the inclusive range of real and integer parameters
/// (null for an open end and for other types); allowed lists the values of choice (strings) and
/// boolean (true, false) parameters and is null for the others (text takes any string).
std::string parameter_list_json(const scenarios::ParameterTable& table);

/// `cartsim validate --list-params`: writes the parameter reference to `out`.
int list_parameters(ParameterListFormat format, std::ostream& out);

}  // namespace cartsim::cli
