#pragma once
// `cartsim info OUT.h5` as a library function: what a run file holds, for a person at a terminal.

#include <filesystem>
#include <iosfwd>

namespace cartsim::cli {

/// Prints to `out` the file's path, format_version, cartsim_version, git_commit, created_utc,
/// run_status ("unknown" in files that predate it), scenario name, seed, days simulated and
/// time-series rows, snapshots (count and days), checkpoint (step and day) and the /summary
/// endpoints ("name = value unit", "never" for an endpoint that did not happen). Works on a
/// .partial too (what is missing there is reported as missing).
///
/// Returns kExitSuccess, or kExitOutputProblem (cli/run_simulation.hpp) after logging the error
/// with spdlog, naming the file, when it is missing, not HDF5 or not a cartsim run file; then
/// nothing is written to `out`.
int show_run_info(const std::filesystem::path& h5_path, std::ostream& out);

}  // namespace cartsim::cli
