#pragma once
// ArrayGroup: a group of named typed arrays plus attributes, written to and read from an HDF5
// file as one unit. Snapshots and checkpoints are made of these, so io/ writes them without
// knowing the model (the adapters in io/model_*.hpp translate the model to and from groups).

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cartsim::io {

/// The element types we store; HDF5 file types are the little-endian standard ones. A group to
/// write may also borrow its values (a span): the owner keeps them alive and unchanged until
/// the group is written. Groups read from a file always own vectors.
using ArrayValues =
    std::variant<std::vector<std::uint8_t>, std::vector<std::uint16_t>, std::vector<std::uint32_t>,
                 std::vector<std::uint64_t>, std::vector<std::int32_t>, std::vector<float>,
                 std::vector<double>, std::span<const std::uint8_t>, std::span<const std::uint16_t>,
                 std::span<const std::uint32_t>, std::span<const std::uint64_t>,
                 std::span<const std::int32_t>, std::span<const float>, std::span<const double>>;

struct NamedArray {
    std::string name;
    ArrayValues values;
    /// Dimensions, slowest first (C order); empty means 1-D of values' length.
    std::vector<std::uint64_t> shape;
    /// Written as the dataset's "units" attribute unless empty.
    std::string units;

    std::size_t size() const;
    /// The values as a vector of T; throws IoError naming the array if it holds another type.
    template <class T>
    const std::vector<T>& as(std::string_view group_path) const;
};

using AttributeValue = std::variant<std::int32_t, std::uint64_t, double, std::string,
                                    std::vector<std::int32_t>, std::vector<double>>;

struct NamedAttribute {
    std::string name;
    AttributeValue value;
};

struct ArrayGroup {
    /// Path from the root without a leading '/', e.g. "snapshots/000003/tissue".
    std::string path;
    std::vector<NamedAttribute> attributes;
    std::vector<NamedArray> arrays;

    /// The array with this name; throws IoError naming the group if there is none.
    const NamedArray& array(std::string_view name) const;
    /// The attribute with this name as T; throws IoError if missing or of another type.
    template <class T>
    const T& attribute(std::string_view name) const;
};

/// How datasets of a group are stored.
struct ArrayStorage {
    /// Chunk length (elements along the slowest axis for N-D) of compressed datasets.
    std::size_t chunk_elements = 1U << 16;
    /// 0: contiguous, uncompressed (fastest to write); 1..9: shuffle + deflate at that level.
    int deflate_level = 0;
};

/// Writes `group` under the file's root: creates the group and missing parents, replaces its
/// attributes of the same names, and creates one dataset per array (an array whose dataset
/// already exists is an error). Throws IoError naming `file_name` and the path.
void write_array_group(hid_t file, const ArrayGroup& group, const ArrayStorage& storage,
                       const std::filesystem::path& file_name);

/// The rows of a 1-D dataset that one of several processes writing one file holds:
/// [first_row, first_row + its rows) of total_rows.
struct RowShare {
    std::uint64_t first_row = 0;
    std::uint64_t total_rows = 0;
};

/// As write_array_group, into a file every process of an MPI job has opened with the MPI-IO
/// driver (parallel HDF5), called by every process with the same group (names, types, shapes,
/// attributes) in the same order. With `share`, every array is this process's rows of a 1-D
/// dataset of share->total_rows; without, every array is whole (the same on every process) and
/// only the process with `writes_whole` writes its values. Datasets are chunked, filtered and
/// typed as write_array_group makes them (HDF5 allocates their space when it creates them,
/// as parallel HDF5 must). Throws IoError as write_array_group does, and when this HDF5 is not
/// the parallel library.
void write_array_group_collectively(hid_t file, const ArrayGroup& group,
                                    const ArrayStorage& storage, std::optional<RowShare> share,
                                    bool writes_whole, const std::filesystem::path& file_name);

/// Rows [first, first + count) of 1-D datasets of total_rows rows each: one process's share of a
/// file read by several.
struct RowRange {
    std::uint64_t first = 0;
    std::uint64_t count = 0;
    std::uint64_t total_rows = 0;
};

/// Reads every dataset directly in the group (not sub-groups) and every attribute of a type
/// listed in AttributeValue. With `rows`, of every 1-D dataset not named in `whole_arrays` only
/// those rows (a dataset of another length than rows->total_rows is an IoError naming it). Throws
/// IoError if the group is missing or holds an unsupported type.
ArrayGroup read_array_group(hid_t file, std::string_view path,
                            const std::filesystem::path& file_name,
                            std::optional<RowRange> rows = std::nullopt,
                            std::span<const std::string_view> whole_arrays = {});

/// True if the path exists in the file (every link on the way too).
bool path_exists(hid_t file, std::string_view path, const std::filesystem::path& file_name);

/// Names of the links directly in a group, in name order.
std::vector<std::string> list_group(hid_t file, std::string_view path,
                                    const std::filesystem::path& file_name);

}  // namespace cartsim::io
