#include "io/run_file_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>
#include <utility>

namespace cartsim::io {
namespace {

namespace fs = std::filesystem;

Hdf5Handle open_attribute(hid_t object, std::string_view object_name, const std::string& name,
                          const fs::path& file) {
    const std::string what = fmt::format("attribute '{}' of '{}'", name, object_name);
    if (!check_hdf5_bool(H5Aexists(object, name.c_str()), "look up " + what, file)) {
        throw IoError(
            fmt::format("'{}' has no attribute '{}' on '{}'", file.string(), name, object_name));
    }
    return Hdf5Handle(
        check_hdf5_id(H5Aopen(object, name.c_str(), H5P_DEFAULT), "open " + what, file), H5Aclose);
}

// Checks that the attribute holds exactly one value and returns its class (string, float, ...).
H5T_class_t scalar_attribute_class(hid_t attribute, const std::string& what, const fs::path& file) {
    const Hdf5Handle space(check_hdf5_id(H5Aget_space(attribute), "read " + what, file), H5Sclose);
    if (H5Sget_simple_extent_npoints(space.get()) != 1) {
        throw IoError(fmt::format("{} in '{}' is not a single value", what, file.string()));
    }
    const Hdf5Handle type(check_hdf5_id(H5Aget_type(attribute), "read " + what, file), H5Tclose);
    return H5Tget_class(type.get());
}

// Reads a string attribute stored as a variable-length string (what we write) or as a fixed-length
// one (what other tools may write).
std::string read_string(hid_t attribute, const std::string& what, const fs::path& file) {
    if (scalar_attribute_class(attribute, what, file) != H5T_STRING) {
        throw IoError(fmt::format("{} in '{}' is not a string", what, file.string()));
    }
    const Hdf5Handle type(check_hdf5_id(H5Aget_type(attribute), "read " + what, file), H5Tclose);
    if (check_hdf5_bool(H5Tis_variable_str(type.get()), "read " + what, file)) {
        const Hdf5Handle memory_type(check_hdf5_id(H5Tcopy(H5T_C_S1), "read " + what, file),
                                     H5Tclose);
        check_hdf5_status(H5Tset_size(memory_type.get(), H5T_VARIABLE), "read " + what, file);
        check_hdf5_status(H5Tset_cset(memory_type.get(), H5Tget_cset(type.get())), "read " + what,
                          file);
        char* characters = nullptr;
        check_hdf5_status(H5Aread(attribute, memory_type.get(), &characters), "read " + what, file);
        std::string text = characters != nullptr ? characters : "";
        H5free_memory(characters);
        return text;
    }
    const std::size_t size = H5Tget_size(type.get());
    std::string text(size, '\0');
    check_hdf5_status(H5Aread(attribute, type.get(), text.data()), "read " + what, file);
    text.resize(std::min(text.find('\0'), text.size()));
    if (H5Tget_strpad(type.get()) == H5T_STR_SPACEPAD) {
        text.erase(text.find_last_not_of(' ') + 1);
    }
    return text;
}

template <class Number>
Number read_number(hid_t attribute, hid_t memory_type, const std::string& what,
                   const fs::path& file) {
    const H5T_class_t type_class = scalar_attribute_class(attribute, what, file);
    if (type_class != H5T_INTEGER && type_class != H5T_FLOAT) {
        throw IoError(fmt::format("{} in '{}' is not a number", what, file.string()));
    }
    Number value{};
    check_hdf5_status(H5Aread(attribute, memory_type, &value), "read " + what, file);
    return value;
}

bool has_root_attribute(hid_t root, std::string_view name, const fs::path& file) {
    return check_hdf5_bool(H5Aexists(root, std::string(name).c_str()),
                           fmt::format("look up attribute '{}' of '/'", name), file);
}

std::string read_string_attribute(hid_t object, std::string_view object_name,
                                  const std::string& name, const fs::path& file) {
    const Hdf5Handle attribute = open_attribute(object, object_name, name, file);
    return read_string(attribute.get(), fmt::format("attribute '{}' of '{}'", name, object_name),
                       file);
}

Hdf5Handle open_group(hid_t file_id, const char* name, const fs::path& file) {
    if (!check_hdf5_bool(H5Lexists(file_id, name, H5P_DEFAULT), "look up a group", file)) {
        throw IoError(fmt::format("'{}' has no group '/{}'", file.string(), name));
    }
    return Hdf5Handle(check_hdf5_id(H5Gopen2(file_id, name, H5P_DEFAULT),
                                    fmt::format("open group '/{}'", name), file),
                      H5Gclose);
}

// Name of the link at `index` in the given order.
std::string link_name_by_index(hid_t group, hsize_t index, H5_index_t order, const fs::path& file) {
    const ssize_t length =
        H5Lget_name_by_idx(group, ".", order, H5_ITER_INC, index, nullptr, 0, H5P_DEFAULT);
    if (length < 0) {
        throw hdf5_failure("list the members of a group", file);
    }
    std::string name(static_cast<std::size_t>(length) + 1, '\0');
    if (H5Lget_name_by_idx(group, ".", order, H5_ITER_INC, index, name.data(), name.size(),
                           H5P_DEFAULT) < 0) {
        throw hdf5_failure("list the members of a group", file);
    }
    name.resize(static_cast<std::size_t>(length));
    return name;
}

// Link names in creation order where the group tracks it, by name otherwise.
std::vector<std::string> link_names(hid_t group, const fs::path& file) {
    const Hdf5Handle properties(
        check_hdf5_id(H5Gget_create_plist(group), "read group properties", file), H5Pclose);
    unsigned order_flags = 0;
    check_hdf5_status(H5Pget_link_creation_order(properties.get(), &order_flags),
                      "read group properties", file);
    const H5_index_t order =
        (order_flags & H5P_CRT_ORDER_INDEXED) != 0 ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
    H5G_info_t info{};
    check_hdf5_status(H5Gget_info(group, &info), "read group information", file);
    std::vector<std::string> names;
    for (hsize_t i = 0; i < info.nlinks; ++i) {
        names.push_back(link_name_by_index(group, i, order, file));
    }
    return names;
}

// Attribute names in creation order where the group tracks it, by name otherwise.
std::vector<std::string> attribute_names(hid_t group, const fs::path& file) {
    const Hdf5Handle properties(
        check_hdf5_id(H5Gget_create_plist(group), "read group properties", file), H5Pclose);
    unsigned order_flags = 0;
    check_hdf5_status(H5Pget_attr_creation_order(properties.get(), &order_flags),
                      "read group properties", file);
    const H5_index_t order =
        (order_flags & H5P_CRT_ORDER_TRACKED) != 0 ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
    std::vector<std::string> names;
    const H5A_operator2_t collect = [](hid_t, const char* name, const H5A_info_t*,
                                       void* collected) -> herr_t {
        try {
            static_cast<std::vector<std::string>*>(collected)->emplace_back(name);
            return 0;
        } catch (...) {  // no exception may cross HDF5's C frames
            return -1;
        }
    };
    check_hdf5_status(H5Aiterate2(group, order, H5_ITER_INC, nullptr, collect, &names),
                      "list the attributes of a group", file);
    return names;
}

ColumnType column_type_of(hid_t dataset, const std::string& where, const fs::path& file) {
    const Hdf5Handle type(check_hdf5_id(H5Dget_type(dataset), "read the type of " + where, file),
                          H5Tclose);
    switch (H5Tget_class(type.get())) {
        case H5T_INTEGER:
            return ColumnType::int64;
        case H5T_FLOAT:
            return ColumnType::float64;
        default:
            throw IoError(fmt::format("dataset '{}' in '{}' is not numeric", where, file.string()));
    }
}

std::size_t row_count_of(hid_t dataset, const std::string& where, const fs::path& file) {
    const Hdf5Handle space(check_hdf5_id(H5Dget_space(dataset), "read the shape of " + where, file),
                           H5Sclose);
    if (H5Sget_simple_extent_ndims(space.get()) != 1) {
        throw IoError(
            fmt::format("dataset '{}' in '{}' is not one-dimensional", where, file.string()));
    }
    hsize_t rows = 0;
    check_hdf5_status(H5Sget_simple_extent_dims(space.get(), &rows, nullptr),
                      "read the shape of " + where, file);
    return static_cast<std::size_t>(rows);
}

}  // namespace

RunFileReader::RunFileReader(fs::path path) : path_(std::move(path)) {
    const ScopedHdf5ErrorSilence silence;
    std::error_code error;
    const fs::file_status status = fs::status(path_, error);
    if (!fs::exists(status)) {
        throw IoError(fmt::format("cannot read '{}': no such file", path_.string()));
    }
    if (fs::is_directory(status)) {
        throw IoError(fmt::format("cannot read '{}': it is a directory", path_.string()));
    }

    Hdf5Handle access(
        check_hdf5_id(H5Pcreate(H5P_FILE_ACCESS), "create file access properties", path_),
        H5Pclose);
#if (H5_VERS_MAJOR == 1 && H5_VERS_MINOR == 10 && H5_VERS_RELEASE >= 7) || H5_VERSION_GE(1, 12, 1)
    // Reading needs no lock, and a lock would fail against a writer that still has the file.
    check_hdf5_status(H5Pset_file_locking(access.get(), false, true), "disable file locking",
                      path_);
#endif
#if H5_VERSION_GE(1, 12, 0)
    const htri_t is_hdf5 = H5Fis_accessible(path_.c_str(), access.get());
#else
    const htri_t is_hdf5 = H5Fis_hdf5(path_.c_str());
#endif
    if (!check_hdf5_bool(is_hdf5, "check the file format", path_)) {
        throw IoError(fmt::format("cannot read '{}': it is not an HDF5 file", path_.string()));
    }
    file_ = Hdf5Handle(
        check_hdf5_id(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, access.get()), "open the file", path_),
        H5Fclose);
    if (!check_hdf5_bool(H5Aexists(file_.get(), layout::kFormatVersionAttr),
                         "look up attribute 'format_version'", path_)) {
        throw IoError(
            fmt::format("'{}' is an HDF5 file but not a cartsim run file: it has no root "
                        "attribute 'format_version'",
                        path_.string()));
    }
    const Hdf5Handle attribute =
        open_attribute(file_.get(), "/", layout::kFormatVersionAttr, path_);
    format_version_ =
        read_number<int>(attribute.get(), H5T_NATIVE_INT, "attribute 'format_version'", path_);
    if (format_version_ < 1 || format_version_ > kFormatVersion) {
        throw IoError(
            fmt::format("'{}' has format_version {}; this build of cartsim reads "
                        "versions 1 to {}",
                        path_.string(), format_version_, kFormatVersion));
    }
}

RunMetadata RunFileReader::run_metadata() const {
    const ScopedHdf5ErrorSilence silence;
    const hid_t root = file_.get();
    RunMetadata metadata;
    metadata.cartsim_version = read_string_attribute(root, "/", layout::kCartsimVersionAttr, path_);
    metadata.git_commit = read_string_attribute(root, "/", layout::kGitCommitAttr, path_);
    const Hdf5Handle seed = open_attribute(root, "/", layout::kSeedAttr, path_);
    metadata.seed =
        read_number<std::uint64_t>(seed.get(), H5T_NATIVE_UINT64, "attribute 'seed' of '/'", path_);
    metadata.created_utc = read_string_attribute(root, "/", layout::kCreatedUtcAttr, path_);
    return metadata;
}

std::string RunFileReader::scenario_toml() const {
    const ScopedHdf5ErrorSilence silence;
    const Hdf5Handle config = open_group(file_.get(), layout::kConfigGroup, path_);
    return read_string_attribute(config.get(), "/config", layout::kScenarioTomlAttr, path_);
}

std::vector<TimeseriesColumnInfo> RunFileReader::timeseries_columns() const {
    const ScopedHdf5ErrorSilence silence;
    const Hdf5Handle group = open_group(file_.get(), layout::kTimeseriesGroup, path_);
    std::vector<TimeseriesColumnInfo> columns;
    for (const std::string& name : link_names(group.get(), path_)) {
        const std::string where = "/timeseries/" + name;
        const Hdf5Handle object(
            check_hdf5_id(H5Oopen(group.get(), name.c_str(), H5P_DEFAULT), "open " + where, path_),
            H5Oclose);
        if (H5Iget_type(object.get()) != H5I_DATASET) {
            continue;  // room for subgroups later; columns are datasets
        }
        TimeseriesColumnInfo column;
        column.name = name;
        column.type = column_type_of(object.get(), where, path_);
        if (check_hdf5_bool(H5Aexists(object.get(), layout::kUnitsAttr), "look up units", path_)) {
            column.units = read_string_attribute(object.get(), where, layout::kUnitsAttr, path_);
        }
        columns.push_back(std::move(column));
    }
    // time_days first even in files whose group does not track creation order.
    std::stable_partition(columns.begin(), columns.end(), [](const TimeseriesColumnInfo& column) {
        return column.name == layout::kTimeColumn;
    });
    return columns;
}

std::size_t RunFileReader::timeseries_rows() const {
    const ScopedHdf5ErrorSilence silence;
    const Hdf5Handle group = open_group(file_.get(), layout::kTimeseriesGroup, path_);
    if (!check_hdf5_bool(H5Lexists(group.get(), layout::kTimeColumn, H5P_DEFAULT),
                         "look up '/timeseries/time_days'", path_)) {
        return 0;  // no columns declared (yet)
    }
    const Hdf5Handle dataset(check_hdf5_id(H5Dopen2(group.get(), layout::kTimeColumn, H5P_DEFAULT),
                                           "open '/timeseries/time_days'", path_),
                             H5Dclose);
    return row_count_of(dataset.get(), "/timeseries/time_days", path_);
}

std::vector<double> RunFileReader::read_timeseries(std::string_view column) const {
    const ScopedHdf5ErrorSilence silence;
    const Hdf5Handle group = open_group(file_.get(), layout::kTimeseriesGroup, path_);
    const std::string name(column);
    const std::string where = "/timeseries/" + name;
    const bool valid_name = !name.empty() && name.find('/') == std::string::npos;
    if (!valid_name || !check_hdf5_bool(H5Lexists(group.get(), name.c_str(), H5P_DEFAULT),
                                        "look up " + where, path_)) {
        throw IoError(fmt::format("'{}' has no time-series column '{}'", path_.string(), column));
    }
    const Hdf5Handle dataset(
        check_hdf5_id(H5Dopen2(group.get(), name.c_str(), H5P_DEFAULT), "open " + where, path_),
        H5Dclose);
    (void)column_type_of(dataset.get(), where, path_);  // refuses non-numeric datasets
    std::vector<double> values(row_count_of(dataset.get(), where, path_));
    if (!values.empty()) {
        check_hdf5_status(
            H5Dread(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
            "read " + where, path_);
    }
    return values;
}

RunSummary RunFileReader::summary() const {
    const ScopedHdf5ErrorSilence silence;
    const Hdf5Handle group = open_group(file_.get(), layout::kSummaryGroup, path_);
    RunSummary summary;
    for (const std::string& name : attribute_names(group.get(), path_)) {
        const Hdf5Handle attribute = open_attribute(group.get(), "/summary", name, path_);
        const std::string what = fmt::format("attribute '{}' of '/summary'", name);
        if (scalar_attribute_class(attribute.get(), what, path_) == H5T_STRING) {
            summary.texts.emplace(name, read_string(attribute.get(), what, path_));
        } else {
            summary.values.emplace(
                name, read_number<double>(attribute.get(), H5T_NATIVE_DOUBLE, what, path_));
        }
    }
    return summary;
}

}  // namespace cartsim::io

// Read-outs of the format_version 2 groups, for `cartsim info`.
namespace cartsim::io {
namespace {

bool has_root_link(hid_t file_id, const std::string& name, const fs::path& file) {
    const bool valid_name = !name.empty() && name.find('/') == std::string::npos;
    return valid_name && check_hdf5_bool(H5Lexists(file_id, name.c_str(), H5P_DEFAULT),
                                         fmt::format("look up '/{}'", name), file);
}

std::uint64_t read_uint64_attribute(hid_t object, std::string_view object_name,
                                    const std::string& name, const fs::path& file) {
    const Hdf5Handle attribute = open_attribute(object, object_name, name, file);
    return read_number<std::uint64_t>(attribute.get(), H5T_NATIVE_UINT64,
                                      fmt::format("attribute '{}' of '{}'", name, object_name),
                                      file);
}

double read_double_attribute(hid_t object, std::string_view object_name, const std::string& name,
                             const fs::path& file) {
    const Hdf5Handle attribute = open_attribute(object, object_name, name, file);
    return read_number<double>(attribute.get(), H5T_NATIVE_DOUBLE,
                               fmt::format("attribute '{}' of '{}'", name, object_name), file);
}

}  // namespace

bool RunFileReader::has_root_member(std::string_view name) const {
    const ScopedHdf5ErrorSilence silence;
    return has_root_link(file_.get(), std::string(name), path_);
}

std::optional<std::string> RunFileReader::root_text_attribute(std::string_view name) const {
    const ScopedHdf5ErrorSilence silence;
    const std::string attribute_name(name);
    if (!has_root_attribute(file_.get(), attribute_name, path_)) return std::nullopt;
    return read_string_attribute(file_.get(), "/", attribute_name, path_);
}

std::optional<double> RunFileReader::root_number_attribute(std::string_view name) const {
    const ScopedHdf5ErrorSilence silence;
    const std::string attribute_name(name);
    if (!has_root_attribute(file_.get(), attribute_name, path_)) return std::nullopt;
    return read_double_attribute(file_.get(), "/", attribute_name, path_);
}

StoredProvenance RunFileReader::provenance() const {
    StoredProvenance p;
    p.command_line = root_text_attribute(layout::kCommandLineAttr);
    p.host = root_text_attribute(layout::kHostAttr);
    {
        const ScopedHdf5ErrorSilence silence;
        if (has_root_attribute(file_.get(), layout::kThreadsAttr, path_)) {
            const Hdf5Handle attribute =
                open_attribute(file_.get(), "/", layout::kThreadsAttr, path_);
            p.threads = read_number<std::int64_t>(attribute.get(), H5T_NATIVE_INT64,
                                                  "attribute 'threads' of '/'", path_);
        }
    }
    p.compiler = root_text_attribute(layout::kCompilerAttr);
    p.build_type = root_text_attribute(layout::kBuildTypeAttr);
    p.hdf5_version = root_text_attribute(layout::kHdf5VersionAttr);
    p.wall_time_s = root_number_attribute(layout::kWallTimeAttr);
    return p;
}

std::vector<SnapshotInfo> RunFileReader::snapshots() const {
    const ScopedHdf5ErrorSilence silence;
    std::vector<SnapshotInfo> snapshots;
    if (!has_root_link(file_.get(), layout::kSnapshotsGroup, path_)) {
        return snapshots;
    }
    const Hdf5Handle group = open_group(file_.get(), layout::kSnapshotsGroup, path_);
    std::vector<std::string> names = link_names(group.get(), path_);
    // Zero-padded ordinals: name order is snapshot order.
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
        const std::string where = fmt::format("/{}/{}", layout::kSnapshotsGroup, name);
        const Hdf5Handle snapshot(check_hdf5_id(H5Gopen2(group.get(), name.c_str(), H5P_DEFAULT),
                                                "open group " + where, path_),
                                  H5Gclose);
        SnapshotInfo info;
        info.group_name = name;
        info.step = read_uint64_attribute(snapshot.get(), where, "step", path_);
        info.time_days = read_double_attribute(snapshot.get(), where, "time_days", path_);
        snapshots.push_back(std::move(info));
    }
    return snapshots;
}

std::optional<CheckpointInfo> RunFileReader::checkpoint() const {
    const ScopedHdf5ErrorSilence silence;
    if (!has_root_link(file_.get(), layout::kCheckpointGroup, path_)) {
        return std::nullopt;
    }
    const Hdf5Handle group = open_group(file_.get(), layout::kCheckpointGroup, path_);
    const std::string where = std::string("/") + layout::kCheckpointGroup;
    CheckpointInfo info;
    info.step = read_uint64_attribute(group.get(), where, "step", path_);
    info.time_days = read_double_attribute(group.get(), where, "time_days", path_);
    return info;
}

}  // namespace cartsim::io
