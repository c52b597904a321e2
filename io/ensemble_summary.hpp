#pragma once
// The summary of a `cartsim ensemble`: DIR/summary.csv and DIR/summary.h5 (docs/ENSEMBLE.md).
// This file knows no biology: the caller (cli/ensemble_report) chooses the endpoint columns and
// the aggregate values; here they are read from run files and written, both atomically.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "io/array_group.hpp"

namespace cartsim::io {

/// What a run file says about itself.
struct RunFileState {
    /// "complete", "checkpoint", "interrupted", or "missing" (no file) or "unreadable".
    std::string status = "missing";
    std::uint64_t seed = 0;
    /// /summary values (empty unless the file could be read).
    std::map<std::string, double, std::less<>> endpoints;
};

/// Reads run_status, the seed and /summary of a run file; never throws for a missing, partial or
/// broken file (status says which).
RunFileState read_run_file_state(const std::filesystem::path& path);

/// One row: a run.
struct EnsembleRow {
    std::uint64_t index = 0;
    std::uint64_t seed = 0;
    /// One per input key, as passed to `--set` (CSV) and as numbers (HDF5; NaN for text,
    /// booleans 0 / 1).
    std::vector<std::string> input_texts;
    std::vector<double> inputs;
    std::string status;
    /// One per endpoint column; NaN where an event never happened or the run is not complete.
    std::vector<double> endpoints;
};

struct EnsembleTable {
    std::vector<std::string> input_keys;
    std::vector<std::string> endpoint_names;
    std::vector<std::string> endpoint_units;
    std::vector<EnsembleRow> rows;
};

/// The CSV text: header `index,seed,<input keys>,status,<endpoints>`, rows in index order,
/// numbers in shortest round-trip form, `nan` for NaN. Nothing depends on time or host, so the
/// same runs give the same bytes.
std::string summary_csv_text(const EnsembleTable& table);

/// Writes summary_csv_text atomically.
void write_summary_csv(const std::filesystem::path& path, const EnsembleTable& table);

/// The status labels stored in /runs/status (uint8 codes in this order).
const std::vector<std::string>& run_status_labels();

/// Writes the HDF5 summary atomically: root attributes `root_attributes`; /runs with one 1-D
/// dataset per column (index and seed uint64, status uint8 with attr labels, one float64 per
/// input key named by the key, one float64 per endpoint with attr units); then each of
/// `extra_groups` (e.g. /aggregate).
void write_summary_h5(const std::filesystem::path& path, const EnsembleTable& table,
                      const std::vector<NamedAttribute>& root_attributes,
                      const std::vector<ArrayGroup>& extra_groups);

}  // namespace cartsim::io
