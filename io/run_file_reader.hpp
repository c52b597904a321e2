#pragma once
// RunFileReader: reads a run file written by RunFileWriter (finished, or a .partial of a run that
// is still going or never finished). Used by tests and `cartsim info`.
//
// The file is opened read-only without HDF5 file locking, so a .partial can be read while its
// writer runs (what is visible is the state as of the writer's last flush()).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/hdf5_handle.hpp"
#include "io/run_file_writer.hpp"

namespace cartsim::io {

struct TimeseriesColumnInfo {
    std::string name;
    std::string units;
    ColumnType type = ColumnType::float64;
};

// The attributes of /summary, split by type.
struct RunSummary {
    std::map<std::string, double, std::less<>> values;  // NaN: the endpoint never happened
    std::map<std::string, std::string, std::less<>> texts;
};

// One group of /snapshots (format_version 2).
struct SnapshotInfo {
    std::string group_name;  // "000003": the ordinal, zero padded
    std::uint64_t step = 0;
    double time_days = 0.0;
};

// The attributes of /checkpoint that say where a resume starts (format_version 2).
struct CheckpointInfo {
    std::uint64_t step = 0;
    double time_days = 0.0;
};

// The provenance root attributes (docs/OUTPUT.md "Provenance"); each is nothing in files written
// before cartsim recorded it (and wall_time_s in a file that was never published).
struct StoredProvenance {
    std::optional<std::string> command_line;
    std::optional<std::string> host;
    std::optional<std::int64_t> threads;
    std::optional<std::string> compiler;
    std::optional<std::string> build_type;
    std::optional<std::string> hdf5_version;
    std::optional<double> wall_time_s;
};

class RunFileReader {
  public:
    // Throws IoError naming the path if the file does not exist, is not HDF5, lacks the root
    // attribute format_version (not written by cartsim), or has a format_version this build
    // cannot read.
    explicit RunFileReader(std::filesystem::path path);

    const std::filesystem::path& path() const { return path_; }
    int format_version() const { return format_version_; }

    // Root attributes cartsim_version, git_commit, seed, created_utc.
    RunMetadata run_metadata() const;
    // /config attribute scenario_toml.
    std::string scenario_toml() const;

    // Datasets of /timeseries in declaration order, time_days first.
    std::vector<TimeseriesColumnInfo> timeseries_columns() const;
    std::size_t timeseries_rows() const;
    // All rows of one column (time_days included) as double.
    std::vector<double> read_timeseries(std::string_view column) const;

    RunSummary summary() const;

    // True if the root group has a member (group or dataset) called `name`, e.g. "summary", which
    // a .partial of a run that is still going does not have yet.
    bool has_root_member(std::string_view name) const;
    // A root string attribute, or nothing if there is none of that name (run_status is missing in
    // format_version 1 files).
    std::optional<std::string> root_text_attribute(std::string_view name) const;
    // A root numeric attribute as double, or nothing if there is none of that name.
    std::optional<double> root_number_attribute(std::string_view name) const;
    // The provenance attributes that the file has.
    StoredProvenance provenance() const;
    // The groups of /snapshots in ordinal order with their attributes step and time_days; empty
    // if the file has no /snapshots.
    std::vector<SnapshotInfo> snapshots() const;
    // The attributes step and time_days of /checkpoint, or nothing if the file has no checkpoint.
    std::optional<CheckpointInfo> checkpoint() const;

  private:
    std::filesystem::path path_;
    Hdf5Handle file_;
    int format_version_ = 0;
};

}  // namespace cartsim::io
