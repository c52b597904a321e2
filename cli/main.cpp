// cartsim: command line entry point. Parses the command line; the commands themselves live in
// cli/run_simulation.hpp so tests can call them.

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli/ensemble_command.hpp"
#include "cli/info_command.hpp"
#include "cli/interrupt.hpp"
#include "cli/mpi_ranks.hpp"
#include "cli/process_hygiene.hpp"
#include "cli/run_simulation.hpp"
#include "cli/version.hpp"
#include "io/hdf5_handle.hpp"

namespace {

using cartsim::cli::kExitBadInput;
using cartsim::cli::kExitFailure;

constexpr const char* kFooter =
    "Exit status:\n"
    "  0  success\n"
    "  1  anything else (a bug, out of memory, ...)\n"
    "  2  bad command line or scenario (unknown key, value out of range, bad --set, missing\n"
    "     scenario file); nothing is written\n"
    "  3  output problem: cannot write the output, it exists and --force was not given, another\n"
    "     cartsim process is running or resuming the same file (OUT.h5.lock names it), or a\n"
    "     file to resume or inspect is missing, corrupt, or not a cartsim run file\n"
    "  4  interrupted by SIGTERM or SIGINT: a checkpoint was written to OUT.h5; continue with\n"
    "     `cartsim resume OUT.h5` (a second signal stops at once, leaving the last checkpoint);\n"
    "     an ensemble forwards the signal to its runs: rerun the same command to continue\n"
    "`cartsim ensemble` exits 1 when a run failed (each failure is reported with its index and\n"
    "the end of its log; the others go on) and 2 when -o DIR holds a plan of other arguments.\n"
    "\n"
    "Errors are printed to stderr as `cartsim: error: <message>`. A run writes OUT.h5.partial;\n"
    "every output.checkpoint_every_days and at the end it publishes OUT.h5 atomically (copy,\n"
    "fsync, rename), so a killed run never leaves a broken OUT.h5. Layout: docs/OUTPUT.md;\n"
    "ensembles, cohorts and Slurm: docs/ENSEMBLE.md.\n"
    "Built with the mpi preset and started by mpiexec, `run` and `resume` split the lattice\n"
    "over the MPI ranks and write the file one process writes (README, \"Across MPI ranks\").\n"
    "`cartsim-toy-demo` runs the engine's reference walker model.";

// Log lines go to stderr as "cartsim: <level>: <message>", so stdout holds only results.
void configure_logging() {
    auto logger = spdlog::stderr_color_mt("cartsim");
    logger->set_pattern("cartsim: %^%l%$: %v");
    spdlog::set_default_logger(logger);
}

// A whole number >= 0 written in digits (CLI11 would wrap "-5" around to 2^64 - 5).
CLI::Validator non_negative_integer() {
    return CLI::Validator(
        [](std::string& input) -> std::string {
            const bool digits_only =
                !input.empty() && input.find_first_not_of("0123456789") == std::string::npos;
            return digits_only ? std::string() : "must be a whole number >= 0, got '" + input + "'";
        },
        "INT>=0");
}

// A number of days > 0.
CLI::Validator positive_days() {
    return CLI::Validator(
        [](std::string& input) -> std::string {
            double value = 0.0;
            if (!CLI::detail::lexical_cast(input, value) || !std::isfinite(value) ||
                !(value > 0.0)) {
                return "must be a number of days > 0, got '" + input + "'";
            }
            return {};
        },
        "DAYS>0");
}

// "K/N" with 1 <= K <= N.
std::pair<int, int> parse_chunk(const std::string& text) {
    int k = 0;
    int n = 0;
    char slash = 0;
    std::istringstream in(text);
    if (!(in >> k >> slash >> n) || slash != '/' || !in.eof() || k < 1 || n < 1 || k > n) {
        throw CLI::ValidationError("--chunk", "must be K/N with 1 <= K <= N, got '" + text + "'");
    }
    return {k, n};
}

// The command line as one shell command (recorded in plan.toml and in every run file's
// command_line): "cartsim" and the arguments, quoted where a shell would need it.
std::string joined_command(int argc, char** argv) {
    std::string command = "cartsim";
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        const bool plain =
            !argument.empty() &&
            argument.find_first_of(" \t\n\"'\\$`*?[]{}()<>|&;#~!") == std::string::npos;
        if (plain) {
            command += " " + argument;
            continue;
        }
        // One shell word: single quotes, each ' inside written as '\''.
        std::string quoted = "'";
        for (const char c : argument)
            quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
        command += " " + quoted + "'";
    }
    return command;
}

}  // namespace

// The command line of one process (rank 0 of an MPI run: cli/mpi_ranks.hpp).
static int run_command_line(int argc, char** argv) {
    cartsim::cli::make_standard_descriptors_safe();
    cartsim::cli::survive_broken_pipes();
    cartsim::io::skip_hdf5_cleanup_at_exit();
    configure_logging();

    CLI::App app{
        "cartsim: agent-based simulation of CD19 CAR-T cell therapy in relapsed/"
        "refractory B-cell acute lymphoblastic leukemia",
        "cartsim"};
    app.set_version_flag("--version", std::string("cartsim ") + cartsim::kVersion + " (" +
                                          cartsim::kGitCommit + ")");
    app.require_subcommand(0, 1);

    // cartsim run
    cartsim::cli::RunOptions run_options;
    bool run_verbose = false;
    std::string output_path;
    std::uint64_t seed = 0;
    double days = 0.0;
    CLI::App* run = app.add_subcommand(
        "run", "run a scenario and write its HDF5 output (time series, endpoints, scenario)");
    run->add_option("scenario", run_options.scenario_path, "the scenario file")
        ->required()
        ->type_name("SCENARIO.toml");
    CLI::Option* output_option =
        run->add_option("-o,--output", output_path,
                        "the output file (default: <scenario stem>.h5 in the current directory)")
            ->type_name("OUT.h5");
    run->add_option("--threads", run_options.threads,
                    "worker threads (default: all hardware threads); results do not depend on it")
        ->check(CLI::Range(1, 1 << 16))
        ->type_name("N");
    run->add_option("--virtual-ranks", run_options.virtual_ranks,
                    "split the lattice into K boxes, each a separate model state on its own "
                    "thread exchanging border sites as MPI ranks will (default 1); the output "
                    "does not depend on it; not with run.well_mixed")
        ->check(CLI::Range(1, 1 << 12))
        ->type_name("K");
    CLI::Option* seed_option =
        run->add_option("--seed", seed, "the random seed (same as --set run.seed=S)")
            ->check(non_negative_integer())
            ->type_name("S");
    run->add_option("--set", run_options.sets,
                    "override a parameter, e.g. --set time.days=28; repeatable, applied in order")
        ->allow_extra_args(false)
        ->type_name("KEY=VALUE");
    CLI::Option* days_option =
        run->add_option("--days", days, "days to simulate (same as --set time.days=D)")
            ->check(positive_days())
            ->type_name("D");
    run->add_flag("--force", run_options.force,
                  "replace an existing output (and a .partial left by an earlier run)");
    CLI::Option* run_quiet = run->add_flag("--quiet", run_options.quiet,
                                           "print only errors: no log lines, progress or readouts");
    run->add_flag("--verbose", run_verbose,
                  "also log the engine's set-up (lattice, tiles and colours, scheduler phases, "
                  "step counts), output costs and the time spent in each phase")
        ->excludes(run_quiet);

    // cartsim resume
    cartsim::cli::ResumeOptions resume_options;
    double resume_days = 0.0;
    bool resume_verbose = false;
    CLI::App* resume = app.add_subcommand(
        "resume",
        "continue a run from the checkpoint in its output (after a signal, a time limit or a "
        "crash), or extend a finished run with a larger --days; bitwise identical to an "
        "uninterrupted run");
    resume->add_option("run_file", resume_options.run_file, "the run's output")
        ->required()
        ->type_name("OUT.h5");
    CLI::Option* resume_days_option =
        resume
            ->add_option("--days", resume_days, "day to run to (default: the scenario's time.days)")
            ->check(positive_days())
            ->type_name("D");
    resume
        ->add_option("--threads", resume_options.threads,
                     "worker threads (default: all hardware threads); results do not depend on it")
        ->check(CLI::Range(1, 1 << 16))
        ->type_name("N");
    resume
        ->add_option("--virtual-ranks", resume_options.virtual_ranks,
                     "go on split into K model states (as run --virtual-ranks; any K, whatever "
                     "the run was started with); the output does not depend on it")
        ->check(CLI::Range(1, 1 << 12))
        ->type_name("K");
    CLI::Option* resume_quiet = resume->add_flag(
        "--quiet", resume_options.quiet, "print only errors: no log lines, progress or readouts");
    resume
        ->add_flag("--verbose", resume_verbose,
                   "also log the engine's set-up (lattice, tiles and colours, scheduler phases, "
                   "step counts), output costs and the time spent in each phase")
        ->excludes(resume_quiet);

    // cartsim ensemble
    cartsim::cli::EnsembleOptions ensemble_options;
    std::string design = "grid";
    std::int64_t samples = 0;
    double ensemble_days = 0.0;
    std::string chunk;
    CLI::App* ensemble = app.add_subcommand(
        "ensemble",
        "run many simulations of a scenario at once: replicates (seeds derived from the base "
        "seed and the run index), parameter sweeps (--vary, grid or Latin hypercube, or the rows "
        "of a --design-file) and the "
        "virtual patients of its [cohort]; one run file each in DIR/runs, DIR/summary.csv and "
        "DIR/summary.h5 with every run's inputs and endpoints and the cohort's rates; rerunning "
        "the same command continues where it stopped (docs/ENSEMBLE.md)");
    ensemble->add_option("scenario", ensemble_options.definition.scenario_path, "the scenario file")
        ->required()
        ->type_name("SCENARIO.toml");
    ensemble
        ->add_option("-o,--output", ensemble_options.output_dir,
                     "the ensemble directory (created; a rerun continues in it)")
        ->required()
        ->type_name("DIR");
    ensemble
        ->add_option("--replicates", ensemble_options.definition.replicates,
                     "runs per design point and patient, each with its own seed (default 1)")
        ->check(CLI::Range(1, 1000000))
        ->type_name("N");
    CLI::Option* vary_option =
        ensemble
            ->add_option("--vary", ensemble_options.definition.vary,
                         "vary a real or integer parameter over [LO, HI] (evenly, or in log space "
                         "with :log); repeatable")
            ->allow_extra_args(false)
            ->type_name("KEY=LO:HI[:log]");
    CLI::Option* design_option =
        ensemble
            ->add_option("--design", design,
                         "grid: --samples points per varied key, all combinations; lhs: a Latin "
                         "hypercube of --samples points in all")
            ->check(CLI::IsMember({"grid", "lhs"}))
            ->type_name("grid|lhs");
    CLI::Option* samples_option =
        ensemble
            ->add_option("--samples", samples,
                         "grid: points per varied key (default 3); lhs: points (default 10)")
            ->check(CLI::Range(1, 1000000))
            ->type_name("M");
    std::string design_file;
    CLI::Option* design_file_option =
        ensemble
            ->add_option("--design-file", design_file,
                         "the design points as a CSV file: a header row of parameter keys, one "
                         "row per point (e.g. from SALib or an ABC sampler); instead of --vary")
            ->type_name("DESIGN.csv");
    design_file_option->excludes(vary_option)->excludes(design_option)->excludes(samples_option);
    ensemble->add_option("--jobs", ensemble_options.jobs, "runs at once (default 1)")
        ->check(CLI::Range(1, 4096))
        ->type_name("J");
    ensemble
        ->add_option("--threads-per-run", ensemble_options.threads_per_run,
                     "--threads of each run (default 1); results do not depend on it")
        ->check(CLI::Range(1, 1 << 16))
        ->type_name("T");
    CLI::Option* ensemble_days_option =
        ensemble->add_option("--days", ensemble_days, "days to simulate in every run")
            ->check(positive_days())
            ->type_name("D");
    ensemble
        ->add_option("--set", ensemble_options.definition.sets,
                     "override a parameter of the base scenario; repeatable")
        ->allow_extra_args(false)
        ->type_name("KEY=VALUE");
    CLI::Option* chunk_option =
        ensemble
            ->add_option("--chunk", chunk,
                         "do only the K-th of N equal blocks of runs (Slurm job arrays: task K "
                         "of N in the same DIR); the summaries are written when all are done")
            ->type_name("K/N");
    ensemble->add_flag("--summarize-only", ensemble_options.summarize_only,
                       "start no run: write DIR/summary.csv and summary.h5 from the run files "
                       "(after the chunks of a job array)");
    ensemble->add_flag("--quiet", ensemble_options.quiet,
                       "print only errors: no log lines, progress or aggregate table");

    // cartsim info
    std::filesystem::path info_file;
    bool info_json = false;
    CLI::App* info = app.add_subcommand(
        "info",
        "describe a run file: provenance, scenario, seed, days simulated, snapshots, checkpoint, "
        "endpoints (also of a .partial or an interrupted run)");
    info->add_option("run_file", info_file, "the run's output")->required()->type_name("OUT.h5");
    info->add_flag("--json", info_json,
                   "print the same as one JSON document (for scripts; docs/OUTPUT.md)");

    // cartsim validate
    cartsim::cli::ValidateOptions validate_options;
    bool list_params = false;
    std::string list_format = "markdown";
    CLI::App* validate = app.add_subcommand(
        "validate",
        "check a scenario (and --set overrides) without running it, or list every parameter");
    CLI::Option* validate_scenario_option =
        validate->add_option("scenario", validate_options.scenario_path, "the scenario file")
            ->type_name("SCENARIO.toml");
    CLI::Option* validate_set_option =
        validate
            ->add_option("--set", validate_options.sets,
                         "override a parameter; repeatable, applied in order")
            ->allow_extra_args(false)
            ->type_name("KEY=VALUE");
    CLI::Option* list_option =
        validate
            ->add_flag("--list-params", list_params,
                       "print every parameter: key, type, unit, default, allowed values, source")
            ->excludes(validate_scenario_option)
            ->excludes(validate_set_option);
    validate
        ->add_option("--format", list_format,
                     "format of --list-params: markdown (a reference, the default), toml (a "
                     "scenario file with every default) or json (key, type, unit, default, min, "
                     "max, allowed values, description and source of every key)")
        ->check(CLI::IsMember({"markdown", "toml", "json"}))
        ->needs(list_option);

    // The exit statuses once, under `cartsim --help` (CLI11 copies a footer into subcommands
    // created after it is set, so it is set last); each command's help points there.
    for (CLI::App* command : {run, resume, ensemble, info, validate}) {
        command->footer("See cartsim --help for the exit statuses, files and crash safety.");
    }
    app.footer(kFooter);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
            return app.exit(error);  // --help, --version
        }
        const std::string command = run->parsed()        ? " run"
                                    : ensemble->parsed() ? " ensemble"
                                    : resume->parsed()   ? " resume"
                                    : info->parsed()     ? " info"
                                    : validate->parsed() ? " validate"
                                                         : "";
        spdlog::error("{} (see cartsim{} --help)", error.what(), command);
        return kExitBadInput;
    }

    try {
        if (run->parsed()) {
            if (*output_option) run_options.output_path = output_path;
            if (*seed_option) run_options.seed = seed;
            if (*days_option) run_options.days = days;
            run_options.progress = &std::cerr;
            run_options.progress_is_terminal = ::isatty(STDERR_FILENO) == 1;
            run_options.report = &std::cout;
            run_options.command_line = joined_command(argc, argv);
            if (run_options.quiet) spdlog::set_level(spdlog::level::warn);
            if (run_verbose) spdlog::set_level(spdlog::level::debug);
            cartsim::cli::install_interrupt_handlers();
            return cartsim::cli::run_simulation(run_options).exit_status;
        }
        if (resume->parsed()) {
            if (*resume_days_option) resume_options.days = resume_days;
            resume_options.progress = &std::cerr;
            resume_options.progress_is_terminal = ::isatty(STDERR_FILENO) == 1;
            resume_options.report = &std::cout;
            resume_options.command_line = joined_command(argc, argv);
            if (resume_options.quiet) spdlog::set_level(spdlog::level::warn);
            if (resume_verbose) spdlog::set_level(spdlog::level::debug);
            cartsim::cli::install_interrupt_handlers();
            return cartsim::cli::resume_run(resume_options).exit_status;
        }
        if (ensemble->parsed()) {
            cartsim::cli::EnsembleDefinition& definition = ensemble_options.definition;
            definition.design = design == "lhs" ? cartsim::scenarios::DesignKind::lhs
                                                : cartsim::scenarios::DesignKind::grid;
            if (*samples_option) definition.samples = samples;
            if (*ensemble_days_option) definition.days = ensemble_days;
            if (*design_file_option) definition.design_file = design_file;
            if (*chunk_option) {
                try {
                    ensemble_options.chunk = parse_chunk(chunk);
                } catch (const CLI::ValidationError& error) {
                    spdlog::error("{} (see cartsim ensemble --help)", error.what());
                    return kExitBadInput;
                }
            }
            std::error_code error;
            ensemble_options.executable = std::filesystem::read_symlink("/proc/self/exe", error);
            ensemble_options.command_line = joined_command(argc, argv);
            ensemble_options.progress = &std::cerr;
            ensemble_options.progress_is_terminal = ::isatty(STDERR_FILENO) == 1;
            ensemble_options.report = &std::cout;
            if (ensemble_options.quiet) spdlog::set_level(spdlog::level::warn);
            cartsim::cli::install_interrupt_handlers();
            return cartsim::cli::run_ensemble(ensemble_options).exit_status;
        }
        if (info->parsed()) {
            return cartsim::cli::show_run_info(
                info_file, std::cout,
                info_json ? cartsim::cli::InfoFormat::json : cartsim::cli::InfoFormat::text);
        }
        if (validate->parsed()) {
            if (list_params) {
                const cartsim::cli::ParameterListFormat format =
                    list_format == "toml"   ? cartsim::cli::ParameterListFormat::toml
                    : list_format == "json" ? cartsim::cli::ParameterListFormat::json
                                            : cartsim::cli::ParameterListFormat::markdown;
                return cartsim::cli::list_parameters(format, std::cout);
            }
            if (validate_options.scenario_path.empty()) {
                spdlog::error(
                    "validate needs a scenario file or --list-params (see cartsim validate "
                    "--help)");
                return kExitBadInput;
            }
            validate_options.report = &std::cout;
            return cartsim::cli::validate_scenario(validate_options);
        }
    } catch (const std::exception& error) {
        spdlog::error("{}", error.what());
        return kExitFailure;
    }
    spdlog::error("no command given; try cartsim run SCENARIO.toml (see cartsim --help)");
    return kExitBadInput;
}

int main(int argc, char** argv) {
    // Under mpiexec (the mpi preset's cartsim), ranks other than 0 only serve rank 0.
    cartsim::cli::mpi_ranks::initialize(argc, argv);
    if (cartsim::cli::mpi_ranks::rank() != 0) return cartsim::cli::mpi_ranks::follow();
    return cartsim::cli::mpi_ranks::finish(run_command_line(argc, argv));
}
