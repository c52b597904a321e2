#include "io/run_file_writer.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "io/exclusive_file.hpp"
#include "io/output_paths.hpp"

namespace cartsim::io {
namespace {

namespace fs = std::filesystem;

std::string errno_text(int error_number) {
    return std::generic_category().message(error_number);
}

// Variable-length UTF-8 strings: h5py reads them as str, and their text lives in the global heap,
// so a long scenario does not hit the 64 KiB limit of an attribute stored in an object header.
Hdf5Handle make_string_type(const fs::path& file) {
    Hdf5Handle type(check_hdf5_id(H5Tcopy(H5T_C_S1), "create a string type", file), H5Tclose);
    check_hdf5_status(H5Tset_size(type.get(), H5T_VARIABLE), "create a string type", file);
    check_hdf5_status(H5Tset_cset(type.get(), H5T_CSET_UTF8), "create a string type", file);
    return type;
}

// Creates (or replaces) a scalar attribute `name` on `object`; `value` points to one element of
// `memory_type` (for strings: to a const char*).
void write_scalar_attribute(hid_t object, std::string_view object_name, const std::string& name,
                            hid_t file_type, hid_t memory_type, const void* value,
                            const fs::path& file) {
    const std::string what = fmt::format("attribute '{}' of '{}'", name, object_name);
    if (check_hdf5_bool(H5Aexists(object, name.c_str()), "look up " + what, file)) {
        check_hdf5_status(H5Adelete(object, name.c_str()), "replace " + what, file);
    }
    Hdf5Handle space(check_hdf5_id(H5Screate(H5S_SCALAR), "create " + what, file), H5Sclose);
    Hdf5Handle attribute(check_hdf5_id(H5Acreate2(object, name.c_str(), file_type, space.get(),
                                                  H5P_DEFAULT, H5P_DEFAULT),
                                       "create " + what, file),
                         H5Aclose);
    check_hdf5_status(H5Awrite(attribute.get(), memory_type, value), "write " + what, file);
}

// HDF5 strings end at the first NUL; refuse text that would be cut short silently.
std::string nul_free_text(std::string_view text, const std::string& name,
                          std::string_view object_name, const fs::path& file) {
    if (text.find('\0') != std::string_view::npos) {
        throw IoError(
            fmt::format("cannot write attribute '{}' of '{}' in '{}': the text contains "
                        "a NUL character",
                        name, object_name, file.string()));
    }
    return std::string(text);
}

void write_string_attribute(hid_t object, std::string_view object_name, const std::string& name,
                            std::string_view text, const fs::path& file) {
    const std::string terminated = nul_free_text(text, name, object_name, file);
    const char* characters = terminated.c_str();
    const Hdf5Handle type = make_string_type(file);
    write_scalar_attribute(object, object_name, name, type.get(), type.get(), &characters, file);
}

// Like write_scalar_attribute, but an existing attribute of the same type is overwritten in place,
// so it keeps its position in the creation order (a resumed file lists its root attributes in the
// same order as an uninterrupted run's).
void overwrite_scalar_attribute(hid_t object, std::string_view object_name, const std::string& name,
                                hid_t file_type, hid_t memory_type, const void* value,
                                const fs::path& file) {
    const std::string what = fmt::format("attribute '{}' of '{}'", name, object_name);
    if (check_hdf5_bool(H5Aexists(object, name.c_str()), "look up " + what, file)) {
        Hdf5Handle attribute(
            check_hdf5_id(H5Aopen(object, name.c_str(), H5P_DEFAULT), "open " + what, file),
            H5Aclose);
        const Hdf5Handle type(check_hdf5_id(H5Aget_type(attribute.get()), "read " + what, file),
                              H5Tclose);
        const Hdf5Handle space(check_hdf5_id(H5Aget_space(attribute.get()), "read " + what, file),
                               H5Sclose);
        const bool same_type =
            check_hdf5_bool(H5Tequal(type.get(), file_type), "read " + what, file) &&
            H5Sget_simple_extent_type(space.get()) == H5S_SCALAR;
        if (same_type) {
            check_hdf5_status(H5Awrite(attribute.get(), memory_type, value), "write " + what, file);
            return;
        }
    }
    write_scalar_attribute(object, object_name, name, file_type, memory_type, value, file);
}

void overwrite_string_attribute(hid_t object, std::string_view object_name, const std::string& name,
                                std::string_view text, const fs::path& file) {
    const std::string terminated = nul_free_text(text, name, object_name, file);
    const char* characters = terminated.c_str();
    const Hdf5Handle type = make_string_type(file);
    overwrite_scalar_attribute(object, object_name, name, type.get(), type.get(), &characters,
                               file);
}

void write_double_attribute(hid_t object, std::string_view object_name, const std::string& name,
                            double value, const fs::path& file) {
    write_scalar_attribute(object, object_name, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value,
                           file);
}

void check_attribute_name(std::string_view name, std::string_view object_name,
                          const fs::path& file) {
    if (name.empty() || name.find('\0') != std::string_view::npos) {
        throw IoError(fmt::format("cannot write an attribute of '{}' in '{}': invalid name '{}'",
                                  object_name, file.string(), name));
    }
}

// True if this HDF5 build can write with the filter (deflate needs zlib at build time).
bool filter_can_encode(H5Z_filter_t filter) {
    if (H5Zfilter_avail(filter) <= 0) {
        return false;
    }
    unsigned int configuration = 0;
    if (H5Zget_filter_info(filter, &configuration) < 0) {
        return false;
    }
    return (configuration & H5Z_FILTER_CONFIG_ENCODE_ENABLED) != 0;
}

// Object creation properties shared by our groups and datasets: no access/modification times in
// object headers, so two runs with the same content give the same bytes except created_utc.
void set_common_object_properties(hid_t properties, const fs::path& file) {
    check_hdf5_status(H5Pset_obj_track_times(properties, false), "set object creation properties",
                      file);
}

Hdf5Handle make_group_properties(unsigned link_order_flags, unsigned attribute_order_flags,
                                 const fs::path& file) {
    Hdf5Handle properties(
        check_hdf5_id(H5Pcreate(H5P_GROUP_CREATE), "create group creation properties", file),
        H5Pclose);
    set_common_object_properties(properties.get(), file);
    if (link_order_flags != 0) {
        check_hdf5_status(H5Pset_link_creation_order(properties.get(), link_order_flags),
                          "set group creation properties", file);
    }
    if (attribute_order_flags != 0) {
        check_hdf5_status(H5Pset_attr_creation_order(properties.get(), attribute_order_flags),
                          "set group creation properties", file);
    }
    return properties;
}

Hdf5Handle make_time_series_properties(const TimeseriesStorage& storage, const fs::path& file) {
    Hdf5Handle properties(
        check_hdf5_id(H5Pcreate(H5P_DATASET_CREATE), "create dataset creation properties", file),
        H5Pclose);
    set_common_object_properties(properties.get(), file);
    const hsize_t chunk_rows = storage.chunk_rows;
    check_hdf5_status(H5Pset_chunk(properties.get(), 1, &chunk_rows), "set the chunk size", file);
    // Without zlib in the HDF5 build the data stays uncompressed rather than failing the run.
    if (storage.deflate_level > 0 && filter_can_encode(H5Z_FILTER_DEFLATE)) {
        // Shuffle groups the bytes of equal significance, which deflate then compresses far better
        // for slowly varying doubles.
        if (filter_can_encode(H5Z_FILTER_SHUFFLE)) {
            check_hdf5_status(H5Pset_shuffle(properties.get()), "set the shuffle filter", file);
        }
        check_hdf5_status(
            H5Pset_deflate(properties.get(), static_cast<unsigned>(storage.deflate_level)),
            "set the deflate filter", file);
    }
    return properties;
}

Hdf5Handle make_file_access_properties(const fs::path& file) {
    Hdf5Handle properties(
        check_hdf5_id(H5Pcreate(H5P_FILE_ACCESS), "create file access properties", file), H5Pclose);
#if (H5_VERS_MAJOR == 1 && H5_VERS_MINOR == 10 && H5_VERS_RELEASE >= 7) || H5_VERSION_GE(1, 12, 1)
    // No lock on the .partial: h5py, h5dump and RunFileReader may open it while the run goes on.
    // Exclusive use of the file is already ensured by creating it exclusively under its own name.
    check_hdf5_status(H5Pset_file_locking(properties.get(), false, true), "disable file locking",
                      file);
#endif
    // Closing the file closes whatever is still open in it: a failed run cannot keep it open.
    check_hdf5_status(H5Pset_fclose_degree(properties.get(), H5F_CLOSE_STRONG),
                      "set the file close degree", file);
    return properties;
}

Hdf5Handle create_group(hid_t parent, const char* name, hid_t properties, const fs::path& file) {
    return Hdf5Handle(check_hdf5_id(H5Gcreate2(parent, name, H5P_DEFAULT, properties, H5P_DEFAULT),
                                    fmt::format("create group '/{}'", name), file),
                      H5Gclose);
}

// Values an int64 column can store exactly: integral doubles in [-2^63, 2^63).
bool is_exact_int64(double value) {
    return std::trunc(value) == value && value >= -0x1p63 && value < 0x1p63;
}

void check_column_name(std::string_view name, const std::vector<std::string>& earlier,
                       const fs::path& file) {
    const bool valid = !name.empty() && name != "." &&
                       name.find_first_of(std::string_view("/\0", 2)) == std::string_view::npos;
    if (!valid) {
        throw IoError(
            fmt::format("cannot declare time-series column '{}' in '{}': a column name is "
                        "not empty and contains no '/'",
                        name, file.string()));
    }
    if (name == layout::kTimeColumn) {
        throw IoError(
            fmt::format("cannot declare time-series column '{}' in '{}': the writer "
                        "adds it itself",
                        name, file.string()));
    }
    for (const std::string& other : earlier) {
        if (other == name) {
            throw IoError(
                fmt::format("cannot declare time-series column '{}' in '{}': declared "
                            "twice",
                            name, file.string()));
        }
    }
}

void sync_file(const fs::path& file) {
    const int descriptor = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (descriptor < 0) {
        throw IoError(
            fmt::format("cannot open '{}' to sync it: {}", file.string(), errno_text(errno)));
    }
    if (::fsync(descriptor) != 0) {
        const int error = errno;
        ::close(descriptor);
        throw IoError(
            fmt::format("cannot sync '{}' to disk: {}", file.string(), errno_text(error)));
    }
    ::close(descriptor);
}

// Makes the rename itself durable. File systems that cannot sync a directory say EINVAL.
void sync_directory(const fs::path& directory) {
    const int descriptor = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (descriptor < 0) {
        throw IoError(fmt::format("cannot open directory '{}' to sync it: {}", directory.string(),
                                  errno_text(errno)));
    }
    if (::fsync(descriptor) != 0 && errno != EINVAL) {
        const int error = errno;
        ::close(descriptor);
        throw IoError(fmt::format("cannot sync directory '{}' to disk: {}", directory.string(),
                                  errno_text(error)));
    }
    ::close(descriptor);
}

IoError output_appeared(const fs::path& partial, const fs::path& final_path) {
    return IoError(
        fmt::format("cannot finish '{}': it was created by someone else during the run "
                    "and force is off; the output is left in '{}'",
                    final_path.string(), partial.string()));
}

// Atomic rename. Without `replace` an output that appeared during the run is not overwritten
// (renameat2 with RENAME_NOREPLACE; a check-then-rename where the file system lacks it).
void move_into_place(const fs::path& partial, const fs::path& final_path, bool replace) {
    if (!replace) {
        if (::renameat2(AT_FDCWD, partial.c_str(), AT_FDCWD, final_path.c_str(),
                        RENAME_NOREPLACE) == 0) {
            return;
        }
        const int error = errno;
        if (error == EEXIST) {
            throw output_appeared(partial, final_path);
        }
        if (error != EINVAL && error != ENOSYS && error != ENOTSUP) {
            throw IoError(fmt::format("cannot rename '{}' to '{}': {}", partial.string(),
                                      final_path.string(), errno_text(error)));
        }
        std::error_code ignored;
        if (fs::exists(fs::symlink_status(final_path, ignored))) {
            throw output_appeared(partial, final_path);
        }
    }
    if (std::rename(partial.c_str(), final_path.c_str()) != 0) {
        throw IoError(fmt::format("cannot rename '{}' to '{}': {}", partial.string(),
                                  final_path.string(), errno_text(errno)));
    }
}

fs::path directory_of(const fs::path& file) {
    return file.has_parent_path() ? file.parent_path() : fs::path(".");
}

}  // namespace

std::string hdf5_library_version() {
    unsigned major = 0;
    unsigned minor = 0;
    unsigned release = 0;
    if (H5get_libversion(&major, &minor, &release) < 0) return "unknown";
    return fmt::format("{}.{}.{}", major, minor, release);
}

std::string current_utc_iso8601() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    char text[32];
    const std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return std::string(text, length);
}

struct RunFileWriter::State {
    struct Column {
        std::string name;
        ColumnType type = ColumnType::float64;
        Hdf5Handle dataset;
        std::vector<double> pending;  // appended, not yet written
    };

    fs::path final_path;
    fs::path partial_path;
    bool force = false;
    TimeseriesStorage storage;

    // Declaration order matters: members are destroyed in reverse, datasets before the file.
    Hdf5Handle file;
    Hdf5Handle config_group;
    Hdf5Handle timeseries_group;
    Hdf5Handle summary_group;
    std::vector<Column> columns;  // time_days first, then the declared columns
    std::size_t rows_written = 0;
    std::size_t rows_pending = 0;

    bool metadata_set = false;
    bool scenario_set = false;
    // Set by set_provenance(): wall_time_s is written at every publication.
    std::optional<RunProvenance> provenance;
    bool published = false;  // a checkpoint was renamed over final_path (so it is ours to replace)
    bool finished = false;
    bool broken = false;  // an earlier failure may have left the datasets of unequal length

    State() = default;
    State(const State&) = delete;
    State& operator=(const State&) = delete;

    // The abandon path of a writer that never finished: keep what was appended in the .partial.
    ~State() {
        if (file.valid()) {
            const ScopedHdf5ErrorSilence silence;
            try {
                if (!broken) {
                    write_pending_rows();
                }
            } catch (...) {  // a destructor reports nothing; the .partial stays as it is
            }
            (void)H5Fflush(file.get(), H5F_SCOPE_GLOBAL);
            close_all();
        }
    }

    void write_pending_rows() {
        if (rows_pending == 0) {
            return;
        }
        try {
            const hsize_t first_row = rows_written;
            const hsize_t row_count = rows_pending;
            const hsize_t new_row_count = first_row + row_count;
            Hdf5Handle memory_space(check_hdf5_id(H5Screate_simple(1, &row_count, nullptr),
                                                  "create a dataspace", partial_path),
                                    H5Sclose);
            for (Column& column : columns) {
                const hid_t dataset = column.dataset.get();
                check_hdf5_status(H5Dset_extent(dataset, &new_row_count),
                                  "extend dataset '/timeseries/" + column.name + "'", partial_path);
                Hdf5Handle file_space(
                    check_hdf5_id(H5Dget_space(dataset), "get a dataspace", partial_path),
                    H5Sclose);
                check_hdf5_status(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &first_row,
                                                      nullptr, &row_count, nullptr),
                                  "select rows", partial_path);
                // Memory is always double; HDF5 converts for int64 columns (values checked to be
                // integral by append_row, so the conversion is exact).
                check_hdf5_status(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, memory_space.get(),
                                           file_space.get(), H5P_DEFAULT, column.pending.data()),
                                  "write rows to dataset '/timeseries/" + column.name + "'",
                                  partial_path);
                column.pending.clear();
            }
            rows_written = new_row_count;
            rows_pending = 0;
        } catch (...) {
            broken = true;
            throw;
        }
    }

    // Root wall_time_s as of now, once set_provenance() was called.
    void write_wall_time() {
        if (!provenance) return;
        const double seconds =
            provenance->earlier_wall_seconds +
            std::chrono::duration<double>(std::chrono::steady_clock::now() - provenance->started)
                .count();
        overwrite_scalar_attribute(file.get(), "/", layout::kWallTimeAttr, H5T_IEEE_F64LE,
                                   H5T_NATIVE_DOUBLE, &seconds, partial_path);
    }

    // Closes the .partial with every close checked (HDF5 writes metadata on close).
    void close_checked() {
        for (Column& column : columns) {
            check_hdf5_status(column.dataset.close(),
                              "close dataset '/timeseries/" + column.name + "'", partial_path);
        }
        check_hdf5_status(summary_group.close(), "close group '/summary'", partial_path);
        check_hdf5_status(timeseries_group.close(), "close group '/timeseries'", partial_path);
        check_hdf5_status(config_group.close(), "close group '/config'", partial_path);
        check_hdf5_status(file.close(), "close the file", partial_path);
    }

    // Opens an existing .partial for appending: its groups and its time-series datasets, in
    // creation order, with rows_written from their length.
    void open_existing() {
        const Hdf5Handle access = make_file_access_properties(partial_path);
        file = Hdf5Handle(check_hdf5_id(H5Fopen(partial_path.c_str(), H5F_ACC_RDWR, access.get()),
                                        "open the file for appending", partial_path),
                          H5Fclose);
        const auto open_group = [&](const char* name) {
            return Hdf5Handle(check_hdf5_id(H5Gopen2(file.get(), name, H5P_DEFAULT),
                                            fmt::format("open group '/{}'", name), partial_path),
                              H5Gclose);
        };
        config_group = open_group(layout::kConfigGroup);
        timeseries_group = open_group(layout::kTimeseriesGroup);
        summary_group = open_group(layout::kSummaryGroup);
        H5G_info_t info{};
        check_hdf5_status(H5Gget_info(timeseries_group.get(), &info), "list '/timeseries'",
                          partial_path);
        std::vector<Column> opened;
        for (hsize_t k = 0; k < info.nlinks; ++k) {
            const ssize_t length =
                H5Lget_name_by_idx(timeseries_group.get(), ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, k,
                                   nullptr, 0, H5P_DEFAULT);
            check_hdf5_status(length < 0 ? -1 : 0, "list '/timeseries'", partial_path);
            Column column;
            column.name.assign(static_cast<std::size_t>(length), '\0');
            H5Lget_name_by_idx(timeseries_group.get(), ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, k,
                               column.name.data(), column.name.size() + 1, H5P_DEFAULT);
            column.dataset = Hdf5Handle(
                check_hdf5_id(H5Dopen2(timeseries_group.get(), column.name.c_str(), H5P_DEFAULT),
                              "open dataset '/timeseries/" + column.name + "'", partial_path),
                H5Dclose);
            const Hdf5Handle type(check_hdf5_id(H5Dget_type(column.dataset.get()),
                                                "read a dataset type", partial_path),
                                  H5Tclose);
            column.type =
                H5Tget_class(type.get()) == H5T_INTEGER ? ColumnType::int64 : ColumnType::float64;
            column.pending.reserve(storage.chunk_rows);
            opened.push_back(std::move(column));
        }
        if (opened.empty() || opened.front().name != layout::kTimeColumn) {
            throw IoError(fmt::format("'{}' has no /timeseries/{} as its first time series",
                                      partial_path.string(), layout::kTimeColumn));
        }
        const Hdf5Handle space(check_hdf5_id(H5Dget_space(opened.front().dataset.get()),
                                             "get a dataspace", partial_path),
                               H5Sclose);
        hsize_t rows = 0;
        H5Sget_simple_extent_dims(space.get(), &rows, nullptr);
        rows_written = rows;
        rows_pending = 0;
        columns = std::move(opened);
    }

    // Keeps the first `rows` rows of every time series.
    void truncate_rows(std::size_t rows) {
        if (rows > rows_written) {
            throw IoError(fmt::format("'{}' has {} time-series rows, fewer than the {} to keep",
                                      partial_path.string(), rows_written, rows));
        }
        const hsize_t kept = rows;
        for (Column& column : columns) {
            check_hdf5_status(H5Dset_extent(column.dataset.get(), &kept),
                              "truncate dataset '/timeseries/" + column.name + "'", partial_path);
        }
        rows_written = rows;
    }

    void close_all() noexcept {
        for (Column& column : columns) {
            column.dataset.reset();
        }
        summary_group.reset();
        timeseries_group.reset();
        config_group.reset();
        file.reset();
    }
};

void RunFileWriter::check_can_create(const fs::path& final_path, bool force) {
    if (final_path.empty() || !final_path.has_filename()) {
        throw IoError(fmt::format("output path '{}' does not name a file", final_path.string()));
    }
    const fs::path partial_path = partial_path_for(final_path);
    const fs::path directory = directory_of(final_path);
    std::error_code error;
    if (!fs::is_directory(fs::status(directory, error))) {
        throw IoError(fmt::format("cannot write output '{}': directory '{}' does not exist",
                                  final_path.string(), directory.string()));
    }
    check_output_paths(final_path);
    if (fs::exists(fs::symlink_status(final_path, error))) {
        if (fs::is_directory(fs::status(final_path, error))) {
            throw IoError(
                fmt::format("cannot write output '{}': it is a directory", final_path.string()));
        }
        if (!force) {
            throw IoError(
                fmt::format("output '{}' already exists; pass force (--force) to "
                            "replace it",
                            final_path.string()));
        }
    }
    if (::access(directory.c_str(), W_OK | X_OK) != 0) {
        throw IoError(fmt::format("cannot write output '{}': directory '{}' is not writable ({})",
                                  final_path.string(), directory.string(), errno_text(errno)));
    }
    if (fs::exists(fs::symlink_status(partial_path, error)) && !force) {
        throw IoError(
            fmt::format("'{}' exists: an earlier run into '{}' did not finish; remove it "
                        "(or resume from it) or pass force (--force) to replace it",
                        partial_path.string(), final_path.string()));
    }
}

RunFileWriter::RunFileWriter(fs::path final_path, bool force, TimeseriesStorage storage)
    : state_(std::make_unique<State>()) {
    const ScopedHdf5ErrorSilence silence;
    State& s = *state_;
    s.final_path = std::move(final_path);
    s.force = force;
    s.storage = storage;
    if (s.final_path.empty() || !s.final_path.has_filename()) {
        throw IoError(fmt::format("output path '{}' does not name a file", s.final_path.string()));
    }
    if (storage.chunk_rows == 0 || storage.deflate_level < 0 || storage.deflate_level > 9) {
        throw IoError(
            fmt::format("cannot write output '{}': chunk_rows must be >= 1 and "
                        "deflate_level in 0..9 (got {} and {})",
                        s.final_path.string(), storage.chunk_rows, storage.deflate_level));
    }
    s.partial_path = partial_path_for(s.final_path);
    // Every check comes before the first byte is written.
    check_can_create(s.final_path, force);

    const Hdf5Handle access = make_file_access_properties(s.partial_path);
    // The root group's attributes keep their creation order (format_version first in listings).
    Hdf5Handle creation(check_hdf5_id(H5Pcreate(H5P_FILE_CREATE), "create file creation properties",
                                      s.partial_path),
                        H5Pclose);
    set_common_object_properties(creation.get(), s.partial_path);
    check_hdf5_status(H5Pset_attr_creation_order(creation.get(), H5P_CRT_ORDER_TRACKED),
                      "set file creation properties", s.partial_path);
    // Always an exclusive creation (which never follows a symlink); with force a stale .partial
    // (or a link of that name) is unlinked first, never truncated through.
    if (force) remove_stale_file(s.partial_path);
    std::error_code status_error;
    const bool existed = fs::exists(fs::symlink_status(s.partial_path, status_error));
    const hid_t created =
        H5Fcreate(s.partial_path.c_str(), H5F_ACC_EXCL, creation.get(), access.get());
    // HDF5 may create the file and then fail to write it (a full disk): what it left is ours
    // (it was not there before) and worthless, and it would block the rerun.
    if (created < 0 && !existed) fs::remove(s.partial_path, status_error);
    s.file = Hdf5Handle(check_hdf5_id(created, "create the file", s.partial_path), H5Fclose);
    try {
        // format_version first: even an unfinished .partial says it is a cartsim file.
        const int format_version = kFormatVersion;
        write_scalar_attribute(s.file.get(), "/", layout::kFormatVersionAttr, H5T_STD_I32LE,
                               H5T_NATIVE_INT, &format_version, s.partial_path);
        const Hdf5Handle plain = make_group_properties(0, 0, s.partial_path);
        // Readers list columns and endpoints in the order the run declared them.
        const Hdf5Handle ordered_links =
            make_group_properties(H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED, 0, s.partial_path);
        const Hdf5Handle ordered_attributes =
            make_group_properties(0, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED, s.partial_path);
        s.config_group =
            create_group(s.file.get(), layout::kConfigGroup, plain.get(), s.partial_path);
        s.timeseries_group = create_group(s.file.get(), layout::kTimeseriesGroup,
                                          ordered_links.get(), s.partial_path);
        s.summary_group = create_group(s.file.get(), layout::kSummaryGroup,
                                       ordered_attributes.get(), s.partial_path);
        // A full disk shows here, before the run simulates anything, not at its first flush.
        check_hdf5_status(H5Fflush(s.file.get(), H5F_SCOPE_GLOBAL), "write the file",
                          s.partial_path);
    } catch (...) {
        // A file with nothing in it is not worth keeping, and keeping it would block the retry.
        s.close_all();
        std::error_code ignored;
        fs::remove(s.partial_path, ignored);
        throw;
    }
}

RunFileWriter RunFileWriter::resume(fs::path final_path, const ResumePoint& point,
                                    TimeseriesStorage storage) {
    const ScopedHdf5ErrorSilence silence;
    RunFileWriter writer;
    writer.state_ = std::make_unique<State>();
    State& s = *writer.state_;
    s.final_path = std::move(final_path);
    s.storage = storage;
    s.partial_path = partial_path_for(s.final_path);
    s.force = true;  // the final file is the one we continue
    s.published = true;
    std::error_code error;
    if (!fs::is_regular_file(fs::status(s.final_path, error))) {
        throw IoError(fmt::format("cannot resume '{}': no such file", s.final_path.string()));
    }
    check_output_paths(s.final_path);
    const fs::path directory = directory_of(s.final_path);
    if (::access(directory.c_str(), W_OK | X_OK) != 0) {
        throw IoError(fmt::format("cannot resume '{}': directory '{}' is not writable ({})",
                                  s.final_path.string(), directory.string(), errno_text(errno)));
    }
    copy_to_new_file(s.final_path, s.partial_path);
    try {
        s.open_existing();
        s.truncate_rows(point.timeseries_rows);
        for (const std::string& path : point.remove_paths) {
            if (!path_exists(s.file.get(), path, s.partial_path)) continue;
            const std::string where = fmt::format("/{}", path);
            check_hdf5_status(H5Ldelete(s.file.get(), where.c_str(), H5P_DEFAULT),
                              "delete '" + where + "'", s.partial_path);
        }
    } catch (...) {
        s.close_all();
        fs::remove(s.partial_path, error);
        throw;
    }
    s.metadata_set = true;
    s.scenario_set = true;
    return writer;
}

RunFileWriter::~RunFileWriter() = default;
RunFileWriter::RunFileWriter(RunFileWriter&&) noexcept = default;
RunFileWriter& RunFileWriter::operator=(RunFileWriter&&) noexcept = default;

fs::path RunFileWriter::partial_path_for(const fs::path& final_path) {
    fs::path partial = final_path;
    partial += ".partial";
    return partial;
}

RunFileWriter::State& RunFileWriter::usable_state(std::string_view operation) {
    if (!state_) {
        throw IoError(fmt::format("cannot {}: the RunFileWriter was moved from", operation));
    }
    if (state_->finished) {
        throw IoError(fmt::format("cannot {} in '{}': the file is already finished", operation,
                                  state_->final_path.string()));
    }
    if (state_->broken || !state_->file.valid()) {
        throw IoError(fmt::format("cannot {} in '{}': an earlier error left the file incomplete",
                                  operation, state_->partial_path.string()));
    }
    return *state_;
}

const fs::path& RunFileWriter::final_path() const {
    if (!state_) {
        throw IoError("RunFileWriter::final_path: the writer was moved from");
    }
    return state_->final_path;
}

const fs::path& RunFileWriter::partial_path() const {
    if (!state_) {
        throw IoError("RunFileWriter::partial_path: the writer was moved from");
    }
    return state_->partial_path;
}

void RunFileWriter::finish(
    const std::function<void(const std::filesystem::path& file)>& write_extra,
    std::string_view status) {
    State& s = usable_state("finish");
    if (!s.metadata_set || !s.scenario_set) {
        throw IoError(fmt::format("cannot finish '{}': {} was never called",
                                  s.partial_path.string(),
                                  s.metadata_set ? "set_scenario_toml()" : "set_run_metadata()"));
    }
    try {
        {
            const ScopedHdf5ErrorSilence silence;
            s.write_pending_rows();
            s.write_wall_time();
            s.close_checked();
        }
        write_extra(s.partial_path);
        {
            // run_status last, as finish(extra, status) writes it.
            const ScopedHdf5ErrorSilence silence;
            const Hdf5Handle access = make_file_access_properties(s.partial_path);
            Hdf5Handle file(
                check_hdf5_id(H5Fopen(s.partial_path.c_str(), H5F_ACC_RDWR, access.get()),
                              "reopen the file", s.partial_path),
                H5Fclose);
            write_string_attribute(file.get(), "/", layout::kRunStatusAttr, status, s.partial_path);
            check_hdf5_status(file.close(), "close the file", s.partial_path);
        }
        sync_file(s.partial_path);
        move_into_place(s.partial_path, s.final_path, s.force || s.published);
    } catch (...) {
        s.broken = true;
        s.close_all();
        throw;
    }
    s.finished = true;
    sync_directory(directory_of(s.final_path));
}

bool RunFileWriter::finished() const {
    return state_ && state_->finished;
}

std::size_t RunFileWriter::timeseries_rows() const {
    return state_ ? state_->rows_written + state_->rows_pending : 0;
}

void RunFileWriter::set_run_metadata(const RunMetadata& metadata) {
    State& s = usable_state("write the root attributes");
    const ScopedHdf5ErrorSilence silence;
    const hid_t root = s.file.get();
    write_string_attribute(root, "/", layout::kCartsimVersionAttr, metadata.cartsim_version,
                           s.partial_path);
    write_string_attribute(root, "/", layout::kGitCommitAttr, metadata.git_commit, s.partial_path);
    write_scalar_attribute(root, "/", layout::kSeedAttr, H5T_STD_U64LE, H5T_NATIVE_UINT64,
                           &metadata.seed, s.partial_path);
    write_string_attribute(
        root, "/", layout::kCreatedUtcAttr,
        metadata.created_utc.empty() ? current_utc_iso8601() : metadata.created_utc,
        s.partial_path);
    s.metadata_set = true;
}

void RunFileWriter::set_provenance(const RunProvenance& provenance) {
    State& s = usable_state("write the provenance attributes");
    const ScopedHdf5ErrorSilence silence;
    const hid_t root = s.file.get();
    const auto text = [&](const char* name, const std::string& value) {
        overwrite_string_attribute(root, "/", name, value, s.partial_path);
    };
    text(layout::kCommandLineAttr, provenance.command_line);
    text(layout::kHostAttr, provenance.host);
    overwrite_scalar_attribute(root, "/", layout::kThreadsAttr, H5T_STD_I64LE, H5T_NATIVE_INT64,
                               &provenance.threads, s.partial_path);
    text(layout::kCompilerAttr, provenance.compiler);
    text(layout::kBuildTypeAttr, provenance.build_type);
    text(layout::kHdf5VersionAttr, provenance.hdf5_version);
    s.provenance = provenance;
}

void RunFileWriter::set_scenario_toml(std::string_view resolved_scenario_text) {
    State& s = usable_state("write the scenario text");
    const ScopedHdf5ErrorSilence silence;
    write_string_attribute(s.config_group.get(), "/config", layout::kScenarioTomlAttr,
                           resolved_scenario_text, s.partial_path);
    s.scenario_set = true;
}

void RunFileWriter::declare_timeseries(std::span<const TimeseriesColumn> columns) {
    State& s = usable_state("declare the time-series columns");
    if (!s.columns.empty()) {
        throw IoError(fmt::format("cannot declare the time-series columns of '{}' twice",
                                  s.partial_path.string()));
    }
    std::vector<std::string> names;
    for (const TimeseriesColumn& column : columns) {
        check_column_name(column.name, names, s.partial_path);
        names.push_back(column.name);
    }

    const ScopedHdf5ErrorSilence silence;
    const Hdf5Handle properties = make_time_series_properties(s.storage, s.partial_path);
    const hsize_t initial_rows = 0;
    const hsize_t max_rows = H5S_UNLIMITED;
    const Hdf5Handle space(check_hdf5_id(H5Screate_simple(1, &initial_rows, &max_rows),
                                         "create a dataspace", s.partial_path),
                           H5Sclose);
    std::vector<State::Column> created;
    const auto create = [&](const std::string& name, const std::string& units, ColumnType type) {
        const std::string where = "/timeseries/" + name;
        State::Column column;
        column.name = name;
        column.type = type;
        const hid_t file_type = type == ColumnType::int64 ? H5T_STD_I64LE : H5T_IEEE_F64LE;
        column.dataset = Hdf5Handle(
            check_hdf5_id(H5Dcreate2(s.timeseries_group.get(), name.c_str(), file_type, space.get(),
                                     H5P_DEFAULT, properties.get(), H5P_DEFAULT),
                          "create dataset '" + where + "'", s.partial_path),
            H5Dclose);
        write_string_attribute(column.dataset.get(), where, layout::kUnitsAttr, units,
                               s.partial_path);
        column.pending.reserve(s.storage.chunk_rows);
        created.push_back(std::move(column));
    };
    try {
        create(layout::kTimeColumn, layout::kTimeUnits, ColumnType::float64);
        for (const TimeseriesColumn& column : columns) {
            create(column.name, column.units, column.type);
        }
    } catch (...) {
        s.broken = true;  // some datasets exist, others do not: the layout is incomplete
        throw;
    }
    s.columns = std::move(created);
}

void RunFileWriter::append_row(double time_days, std::span<const double> values) {
    State& s = usable_state("append a time-series row");
    if (s.columns.empty()) {
        throw IoError(fmt::format("cannot append a row to '{}': declare_timeseries() first",
                                  s.partial_path.string()));
    }
    if (values.size() + 1 != s.columns.size()) {
        throw IoError(fmt::format("cannot append a row to '{}': {} values for {} declared columns",
                                  s.partial_path.string(), values.size(), s.columns.size() - 1));
    }
    for (std::size_t i = 0; i < values.size(); ++i) {
        const State::Column& column = s.columns[i + 1];
        if (column.type == ColumnType::int64 && !is_exact_int64(values[i])) {
            throw IoError(
                fmt::format("cannot append a row to '{}': column '{}' stores integers "
                            "and {} is not one",
                            s.partial_path.string(), column.name, values[i]));
        }
    }
    s.columns[0].pending.push_back(time_days);
    for (std::size_t i = 0; i < values.size(); ++i) {
        s.columns[i + 1].pending.push_back(values[i]);
    }
    ++s.rows_pending;
    if (s.rows_pending >= s.storage.chunk_rows) {
        const ScopedHdf5ErrorSilence silence;
        s.write_pending_rows();
    }
}

void RunFileWriter::set_summary(std::string_view name, double value) {
    State& s = usable_state("write a summary attribute");
    check_attribute_name(name, "/summary", s.partial_path);
    const ScopedHdf5ErrorSilence silence;
    write_double_attribute(s.summary_group.get(), "/summary", std::string(name), value,
                           s.partial_path);
}

void RunFileWriter::set_summary_text(std::string_view name, std::string_view text) {
    State& s = usable_state("write a summary attribute");
    check_attribute_name(name, "/summary", s.partial_path);
    const ScopedHdf5ErrorSilence silence;
    write_string_attribute(s.summary_group.get(), "/summary", std::string(name), text,
                           s.partial_path);
}

void RunFileWriter::write_groups(std::span<const ArrayGroup> groups, const ArrayStorage& storage) {
    State& s = usable_state("write a group of arrays");
    for (const ArrayGroup& group : groups)
        write_array_group(s.file.get(), group, storage, s.partial_path);
}

void RunFileWriter::write_groups_with(
    const std::function<void(const std::filesystem::path& file)>& write) {
    State& s = usable_state("write groups of arrays");
    try {
        {
            const ScopedHdf5ErrorSilence silence;
            s.write_pending_rows();
            s.close_checked();
        }
        write(s.partial_path);
        const ScopedHdf5ErrorSilence silence;
        s.open_existing();
    } catch (...) {
        s.broken = true;
        s.close_all();
        throw;
    }
}

void RunFileWriter::publish_checkpoint(std::span<const ArrayGroup> extra, std::string_view status) {
    publish_checkpoint(
        [&](const fs::path& copy) {
            const Hdf5Handle access = make_file_access_properties(copy);
            Hdf5Handle file(check_hdf5_id(H5Fopen(copy.c_str(), H5F_ACC_RDWR, access.get()),
                                          "open the checkpoint copy", copy),
                            H5Fclose);
            for (const ArrayGroup& group : extra) {
                write_array_group(file.get(), group, ArrayStorage{}, copy);
            }
            check_hdf5_status(file.close(), "close the file", copy);
        },
        status);
}

void RunFileWriter::publish_checkpoint(
    const std::function<void(const std::filesystem::path& file)>& write_extra,
    std::string_view status) {
    State& s = usable_state("publish a checkpoint");
    if (!s.metadata_set || !s.scenario_set) {
        throw IoError(fmt::format("cannot publish '{}': {} was never called",
                                  s.partial_path.string(),
                                  s.metadata_set ? "set_scenario_toml()" : "set_run_metadata()"));
    }
    const ScopedHdf5ErrorSilence silence;
    fs::path copy = s.final_path;
    copy += ".tmp";
    std::error_code error;
    try {
        s.write_pending_rows();
        s.write_wall_time();
        s.close_checked();
        copy_to_new_file(s.partial_path, copy);
        write_extra(copy);
        {
            const Hdf5Handle access = make_file_access_properties(copy);
            Hdf5Handle file(check_hdf5_id(H5Fopen(copy.c_str(), H5F_ACC_RDWR, access.get()),
                                          "open the checkpoint copy", copy),
                            H5Fclose);
            write_string_attribute(file.get(), "/", layout::kRunStatusAttr, status, copy);
            check_hdf5_status(file.close(), "close the file", copy);
        }
        sync_file(copy);
        move_into_place(copy, s.final_path, s.force || s.published);
        s.published = true;
        sync_directory(directory_of(s.final_path));
        s.open_existing();
    } catch (...) {
        s.broken = true;
        s.close_all();
        fs::remove(copy, error);
        throw;
    }
}

void RunFileWriter::discard_partial() {
    State& s = usable_state("discard the .partial");
    if (!s.published) {
        throw IoError(fmt::format("cannot discard '{}': nothing was published under '{}'",
                                  s.partial_path.string(), s.final_path.string()));
    }
    s.close_all();
    s.finished = true;
    std::error_code error;
    if (!fs::remove(s.partial_path, error) && error) {
        throw IoError(
            fmt::format("cannot remove '{}': {}", s.partial_path.string(), error.message()));
    }
}

void RunFileWriter::flush() {
    State& s = usable_state("flush");
    const ScopedHdf5ErrorSilence silence;
    s.write_pending_rows();
    check_hdf5_status(H5Fflush(s.file.get(), H5F_SCOPE_GLOBAL), "flush the file", s.partial_path);
}

void RunFileWriter::finish(std::span<const ArrayGroup> extra, std::string_view status) {
    State& s = usable_state("finish");
    if (!s.metadata_set || !s.scenario_set) {
        throw IoError(fmt::format("cannot finish '{}': {} was never called",
                                  s.partial_path.string(),
                                  s.metadata_set ? "set_scenario_toml()" : "set_run_metadata()"));
    }
    const ScopedHdf5ErrorSilence silence;
    try {
        s.write_pending_rows();
        for (const ArrayGroup& group : extra) {
            write_array_group(s.file.get(), group, ArrayStorage{}, s.partial_path);
        }
        s.write_wall_time();
        write_string_attribute(s.file.get(), "/", layout::kRunStatusAttr, status, s.partial_path);
        // HDF5 writes its last metadata when the file closes: that close must be checked.
        s.close_checked();
        sync_file(s.partial_path);
        move_into_place(s.partial_path, s.final_path, s.force || s.published);
    } catch (...) {
        s.broken = true;
        s.close_all();
        throw;
    }
    s.finished = true;
    sync_directory(directory_of(s.final_path));
}

}  // namespace cartsim::io
