#pragma once
// `cartsim info OUT.h5` as a library function: what a run file holds, for a person at a terminal.

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace cartsim::cli {

/// The horizon of an endpoint that integrates over day 0 to a fixed day ("cart_auc_0_28": 28), or
/// nullopt for other endpoints. A run that ends before the horizon integrates only up to its end.
std::optional<double> endpoint_horizon_days(std::string_view endpoint);

/// "AUC day 0-3 only: the run ends before day 28": what such an endpoint covers when the run ended
/// before its horizon; "" when the run reached it.
std::string truncated_horizon_note(double horizon_days, double days_simulated);

enum class InfoFormat {
    text,  ///< aligned "label: value" lines for a person
    json,  ///< one JSON document with the same information (docs/OUTPUT.md, `cartsim info --json`)
};

/// Prints to `out` the file's path, format_version, cartsim_version, git_commit, created_utc,
/// run_status ("unknown" in files that predate it), the provenance attributes (command line, host,
/// threads, compiler, build type, HDF5 version, wall time; "not recorded" in older files),
/// scenario name, seed, days simulated and time-series rows, snapshots (count and days),
/// checkpoint (step and day) and the /summary endpoints ("name = value unit", "never" for an
/// endpoint that did not happen; an AUC whose horizon lies beyond the run's end says which days
/// it covers). Works on a .partial too (what is missing there is reported as missing).
/// InfoFormat::json prints the same as one JSON document (null for what is missing or never
/// happened).
///
/// Returns kExitSuccess, or kExitOutputProblem (cli/run_simulation.hpp) after logging the error
/// with spdlog, naming the file, when it is missing, not HDF5 or not a cartsim run file; then
/// nothing is written to `out`.
int show_run_info(const std::filesystem::path& h5_path, std::ostream& out,
                  InfoFormat format = InfoFormat::text);

}  // namespace cartsim::cli
