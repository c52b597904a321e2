#pragma once
// RunFileWriter: writes one run's HDF5 file (root attributes, /config, /timeseries, /summary) and
// never exposes a half-written file under the final name.
//
// Life of an output file:
//   1. The constructor checks the final path (it must not exist unless `force`; its directory must
//      exist and be writable) and creates "<final>.partial" beside it. Nothing is written before
//      these checks pass.
//   2. The run sets the root attributes and the scenario text, declares its time-series columns
//      once, appends rows, sets summary attributes. flush() makes everything so far readable by
//      h5py/h5dump/RunFileReader opening the .partial while the run goes on.
//   3. finish() writes the rest, closes the file, fsyncs it, renames it over the final path
//      (atomically; with `force` an existing output is replaced only now, so a run that dies keeps
//      the old output) and fsyncs the directory.
// A writer destroyed without finish() (exception, failed run) writes its buffered rows, closes the
// file and leaves it as "<final>.partial": never under the final name. A process that is killed
// leaves the .partial as of its last flush() at best (HDF5 without SWMR gives no guarantee for
// writes after it); the final path is never touched either way.
//
// The .partial is created without HDF5 file locking, so readers can open it during the run
// without HDF5_USE_FILE_LOCKING=FALSE. An existing .partial (left by an earlier run that did not
// finish, perhaps material to resume from) is replaced only with `force`.
//
// Room for what comes next (same file, same writer): /snapshots/NNNNNN groups, /checkpoint and
// the XDMF sidecar written beside the final path at finish().

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "io/array_group.hpp"
#include "io/hdf5_handle.hpp"

namespace cartsim::io {

// Version of the layout below; bump it when a reader of the previous version would misread a file.
// 2: /snapshots, /checkpoint and the root attribute run_status (docs/OUTPUT.md).
inline constexpr int kFormatVersion = 2;

// Names inside the file: the public contract of docs/OUTPUT.md "Layout".
namespace layout {
inline constexpr const char* kFormatVersionAttr = "format_version";    // root, int32
inline constexpr const char* kCartsimVersionAttr = "cartsim_version";  // root, string
inline constexpr const char* kGitCommitAttr = "git_commit";            // root, string
inline constexpr const char* kSeedAttr = "seed";                       // root, uint64
inline constexpr const char* kCreatedUtcAttr = "created_utc";          // root, ISO-8601 string
// Provenance (root; absent in files written before cartsim recorded it: see RunProvenance).
inline constexpr const char* kCommandLineAttr = "command_line";  // string
inline constexpr const char* kHostAttr = "host";                 // string
inline constexpr const char* kThreadsAttr = "threads";           // int64
inline constexpr const char* kCompilerAttr = "compiler";         // string
inline constexpr const char* kBuildTypeAttr = "build_type";      // string
inline constexpr const char* kHdf5VersionAttr = "hdf5_version";  // string
inline constexpr const char* kWallTimeAttr = "wall_time_s";      // double, seconds
inline constexpr const char* kConfigGroup = "config";
inline constexpr const char* kScenarioTomlAttr = "scenario_toml";  // /config, string
inline constexpr const char* kTimeseriesGroup = "timeseries";
inline constexpr const char* kTimeColumn = "time_days";  // first dataset of /timeseries
inline constexpr const char* kTimeUnits = "day";
inline constexpr const char* kUnitsAttr = "units";  // string attribute of every time-series dataset
inline constexpr const char* kSummaryGroup = "summary";
inline constexpr const char* kRunStatusAttr = "run_status";  // root, string: see RunStatus
inline constexpr const char* kSnapshotsGroup = "snapshots";
inline constexpr const char* kCheckpointGroup = "checkpoint";
}  // namespace layout

// Values of the root attribute run_status.
namespace run_status {
inline constexpr const char* kComplete = "complete";        // the run reached its last day
inline constexpr const char* kCheckpoint = "checkpoint";    // published mid-run; still going
inline constexpr const char* kInterrupted = "interrupted";  // stopped by a signal; resumable
}  // namespace run_status

// Where a resumed run takes up its file (see RunFileWriter::resume).
struct ResumePoint {
    std::size_t timeseries_rows = 0;        // rows to keep; later ones are dropped
    std::vector<std::string> remove_paths;  // groups/datasets to delete, e.g. "checkpoint"
};

// Root attributes of a run (format_version is added by the writer).
struct RunMetadata {
    std::string cartsim_version;
    std::string git_commit;
    std::uint64_t seed = 0;
    std::string created_utc;  // ISO-8601 UTC; the writer fills in the current time if empty
};

// How a run file was made (root attributes of the same names, docs/OUTPUT.md "Provenance").
struct RunProvenance {
    std::string command_line;  // the command as typed; a resume appends its own on a new line
    std::string host;          // gethostname() of the machine that last wrote the file
    std::int64_t threads = 0;  // worker threads of the process that last wrote the file
    std::string compiler;      // e.g. "gcc 12.2.0"
    std::string build_type;    // CMAKE_BUILD_TYPE of the binary, e.g. "RelWithDebInfo"
    std::string hdf5_version;  // of the HDF5 library the binary runs with, e.g. "1.10.8"
    // wall_time_s = earlier_wall_seconds + the wall time since `started`, written at every
    // publication (checkpoint, interrupt, finish): a resume passes the file's earlier value.
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    double earlier_wall_seconds = 0.0;
};

// "1.10.8": the version of the HDF5 library this process runs with (H5get_libversion).
std::string hdf5_library_version();

// Storage type of a time-series column. Values are always passed and read as double; an int64
// column accepts only integral values (counts) and stores them exactly as integers.
enum class ColumnType { float64, int64 };

struct TimeseriesColumn {
    std::string name;   // dataset name under /timeseries: not empty, no '/', not "time_days"
    std::string units;  // e.g. "cell", "cell/uL", "1"
    ColumnType type = ColumnType::float64;
};

// Chunking and compression of the time-series datasets.
struct TimeseriesStorage {
    std::size_t chunk_rows = 1024;  // rows per chunk, also the size of the write batches
    int deflate_level = 4;          // 0 = no compression; shuffle + deflate when HDF5 has it
};

// The current time as "YYYY-MM-DDTHH:MM:SSZ".
std::string current_utc_iso8601();

class RunFileWriter {
  public:
    // Throws IoError naming the path if the final path exists and `force` is false, if it is a
    // directory, if its directory is missing or not writable, if a .partial exists and `force` is
    // false, or if HDF5 cannot create the file.
    RunFileWriter(std::filesystem::path final_path, bool force, TimeseriesStorage storage = {});
    // Continues an existing run file (`cartsim resume`): copies it to "<final>.partial"
    // (replacing a .partial left by a run that died after its last checkpoint), keeps the first
    // point.timeseries_rows rows, deletes point.remove_paths, and reopens it for appending. The
    // file under the final name stays as it is until publish_checkpoint() or finish() replace it.
    // Metadata and scenario text are kept (set them again to change them).
    static RunFileWriter resume(std::filesystem::path final_path, const ResumePoint& point,
                                TimeseriesStorage storage = {});
    // Without finish(): writes buffered rows, closes, leaves "<final>.partial". Never throws.
    ~RunFileWriter();
    RunFileWriter(RunFileWriter&&) noexcept;
    RunFileWriter& operator=(RunFileWriter&&) noexcept;
    RunFileWriter(const RunFileWriter&) = delete;
    RunFileWriter& operator=(const RunFileWriter&) = delete;

    /// Throws IoError if the writer could not be created: the path names no file, its directory
    /// is missing or not writable, or the output (or a .partial of it) exists and force is false.
    /// Lets callers fail before expensive set-up; the constructor repeats it.
    static void check_can_create(const std::filesystem::path& final_path, bool force);
    static std::filesystem::path partial_path_for(const std::filesystem::path& final_path);
    const std::filesystem::path& final_path() const;
    const std::filesystem::path& partial_path() const;

    // Root attributes cartsim_version, git_commit, seed, created_utc. Required before finish();
    // a second call replaces the values.
    void set_run_metadata(const RunMetadata& metadata);
    // Root attributes command_line, host, threads, compiler, build_type, hdf5_version; from now
    // on every publish_checkpoint() and finish() also writes wall_time_s (see RunProvenance).
    // Optional: a file without it has none of these attributes. A second call replaces them.
    void set_provenance(const RunProvenance& provenance);
    // /config attribute scenario_toml: the fully resolved scenario text (any length). Required
    // before finish(); a second call replaces it.
    void set_scenario_toml(std::string_view resolved_scenario_text);

    // Creates /timeseries/time_days and one dataset per column, in this order. Once per file.
    void declare_timeseries(std::span<const TimeseriesColumn> columns);
    // One row: the time and one value per declared column, in declaration order. Buffered and
    // written in batches of chunk_rows.
    void append_row(double time_days, std::span<const double> values);
    // Rows appended so far (written or buffered).
    std::size_t timeseries_rows() const;

    // /summary attributes: clinical endpoints. NaN stands for an endpoint that never happened.
    // Setting a name again replaces it.
    void set_summary(std::string_view name, double value);
    void set_summary_text(std::string_view name, std::string_view text);

    // Writes groups of arrays (snapshots) into the .partial; see io/array_group.hpp.
    void write_groups(std::span<const ArrayGroup> groups, const ArrayStorage& storage);

    // Writes groups into the .partial through `write`, which opens the file itself (every MPI
    // rank at once, io/collective_file.hpp) and leaves it closed: buffered rows are written and
    // the .partial closed before the call and reopened after it. If `write` throws, the writer
    // is unusable and the .partial stays a .partial.
    void write_groups_with(const std::function<void(const std::filesystem::path& file)>& write);

    // Writes buffered rows and flushes HDF5's caches to the .partial, which readers can then open.
    void flush();
    // Publishes the run so far under the final name, atomically, without stopping the run: closes
    // the .partial, copies it to "<final>.tmp", adds `extra` (the /checkpoint groups, written
    // uncompressed) and root run_status = `status` to the copy, fsyncs it and renames it over the
    // final path, then reopens the .partial for the run to go on. A failure leaves the final path
    // as it was (the previous checkpoint) and the writer unusable.
    void publish_checkpoint(std::span<const ArrayGroup> extra, std::string_view status);
    // As publish_checkpoint(extra, status), with the extra groups written by `write_extra` into
    // the copy (a closed file it opens itself: every MPI rank at once, io/collective_file.hpp).
    void publish_checkpoint(
        const std::function<void(const std::filesystem::path& file)>& write_extra,
        std::string_view status);
    // After a publish_checkpoint() that ends the run early (an interrupt): closes and deletes the
    // .partial, whose content the published file holds. Every other call throws afterwards.
    void discard_partial();
    // Completes the file and moves it to the final path (see the top of this header): adds
    // `extra` (a final checkpoint, so that a longer run can resume from the end) and root
    // run_status = `status`. After finish() every other call throws. If finish() throws, the
    // .partial is left behind.
    void finish(std::span<const ArrayGroup> extra = {},
                std::string_view status = run_status::kComplete);
    // As finish(extra, status), with the extra groups written by `write_extra` into the closed
    // .partial, which the writer then reopens for run_status.
    void finish(const std::function<void(const std::filesystem::path& file)>& write_extra,
                std::string_view status);
    bool finished() const;

  private:
    struct State;
    RunFileWriter() = default;
    State& usable_state(std::string_view operation);
    std::unique_ptr<State> state_;
};

}  // namespace cartsim::io
