#include "io/array_group.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <type_traits>

#include "io/hdf5_handle.hpp"
#include "io/parallel_deflate.hpp"

namespace cartsim::io {
namespace {

namespace fs = std::filesystem;

template <class T>
hid_t file_type_of() {
    if constexpr (std::is_same_v<T, std::uint8_t>) return H5T_STD_U8LE;
    if constexpr (std::is_same_v<T, std::uint16_t>) return H5T_STD_U16LE;
    if constexpr (std::is_same_v<T, std::uint32_t>) return H5T_STD_U32LE;
    if constexpr (std::is_same_v<T, std::uint64_t>) return H5T_STD_U64LE;
    if constexpr (std::is_same_v<T, std::int32_t>) return H5T_STD_I32LE;
    if constexpr (std::is_same_v<T, float>) return H5T_IEEE_F32LE;
    if constexpr (std::is_same_v<T, double>) return H5T_IEEE_F64LE;
}

template <class T>
hid_t memory_type_of() {
    if constexpr (std::is_same_v<T, std::uint8_t>) return H5T_NATIVE_UINT8;
    if constexpr (std::is_same_v<T, std::uint16_t>) return H5T_NATIVE_UINT16;
    if constexpr (std::is_same_v<T, std::uint32_t>) return H5T_NATIVE_UINT32;
    if constexpr (std::is_same_v<T, std::uint64_t>) return H5T_NATIVE_UINT64;
    if constexpr (std::is_same_v<T, std::int32_t>) return H5T_NATIVE_INT32;
    if constexpr (std::is_same_v<T, float>) return H5T_NATIVE_FLOAT;
    if constexpr (std::is_same_v<T, double>) return H5T_NATIVE_DOUBLE;
}

Hdf5Handle make_string_type(const fs::path& file) {
    Hdf5Handle type(check_hdf5_id(H5Tcopy(H5T_C_S1), "create a string type", file), H5Tclose);
    check_hdf5_status(H5Tset_size(type.get(), H5T_VARIABLE), "create a string type", file);
    check_hdf5_status(H5Tset_cset(type.get(), H5T_CSET_UTF8), "create a string type", file);
    return type;
}

// Opens the group at `path`, creating it and missing parents. No access times: same content,
// same bytes.
Hdf5Handle open_or_create_group(hid_t file, const std::string& path, const fs::path& file_name) {
    Hdf5Handle current(check_hdf5_id(H5Gopen2(file, "/", H5P_DEFAULT), "open '/'", file_name),
                       H5Gclose);
    std::size_t start = 0;
    while (start < path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        const std::string name = path.substr(start, end - start);
        const std::string so_far = fmt::format("/{}", std::string_view(path).substr(0, end));
        if (!name.empty()) {
            const bool exists = check_hdf5_bool(H5Lexists(current.get(), name.c_str(), H5P_DEFAULT),
                                                "look up '" + so_far + "'", file_name);
            hid_t next = H5I_INVALID_HID;
            if (exists) {
                next = H5Gopen2(current.get(), name.c_str(), H5P_DEFAULT);
            } else {
                Hdf5Handle properties(check_hdf5_id(H5Pcreate(H5P_GROUP_CREATE),
                                                    "create group properties", file_name),
                                      H5Pclose);
                check_hdf5_status(H5Pset_obj_track_times(properties.get(), false),
                                  "create group properties", file_name);
                next = H5Gcreate2(current.get(), name.c_str(), H5P_DEFAULT, properties.get(),
                                  H5P_DEFAULT);
            }
            current =
                Hdf5Handle(check_hdf5_id(next, "open group '" + so_far + "'", file_name), H5Gclose);
        }
        start = end + 1;
    }
    return current;
}

void write_attribute(hid_t object, const std::string& object_name, const NamedAttribute& attribute,
                     const fs::path& file_name) {
    const std::string what = fmt::format("attribute '{}' of '/{}'", attribute.name, object_name);
    if (check_hdf5_bool(H5Aexists(object, attribute.name.c_str()), "look up " + what, file_name)) {
        check_hdf5_status(H5Adelete(object, attribute.name.c_str()), "replace " + what, file_name);
    }
    const auto create = [&](hid_t file_type, hid_t space) {
        return Hdf5Handle(check_hdf5_id(H5Acreate2(object, attribute.name.c_str(), file_type, space,
                                                   H5P_DEFAULT, H5P_DEFAULT),
                                        "create " + what, file_name),
                          H5Aclose);
    };
    const auto scalar_space = [&] {
        return Hdf5Handle(check_hdf5_id(H5Screate(H5S_SCALAR), "create " + what, file_name),
                          H5Sclose);
    };
    std::visit(
        [&](const auto& value) {
            using V = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<V, std::string>) {
                const Hdf5Handle type = make_string_type(file_name);
                const Hdf5Handle space = scalar_space();
                const Hdf5Handle a = create(type.get(), space.get());
                const char* text = value.c_str();
                check_hdf5_status(H5Awrite(a.get(), type.get(), &text), "write " + what, file_name);
            } else if constexpr (std::is_arithmetic_v<V>) {
                const Hdf5Handle space = scalar_space();
                const Hdf5Handle a = create(file_type_of<V>(), space.get());
                check_hdf5_status(H5Awrite(a.get(), memory_type_of<V>(), &value), "write " + what,
                                  file_name);
            } else {
                using T = typename V::value_type;
                const hsize_t n = value.size();
                const Hdf5Handle space(
                    check_hdf5_id(H5Screate_simple(1, &n, nullptr), "create " + what, file_name),
                    H5Sclose);
                const Hdf5Handle a = create(file_type_of<T>(), space.get());
                check_hdf5_status(H5Awrite(a.get(), memory_type_of<T>(), value.data()),
                                  "write " + what, file_name);
            }
        },
        attribute.value);
}

std::vector<hsize_t> dimensions_of(const NamedArray& array, const std::string& where,
                                   const fs::path& file_name) {
    std::vector<hsize_t> dims(array.shape.begin(), array.shape.end());
    if (dims.empty()) dims.push_back(array.size());
    hsize_t product = 1;
    for (const hsize_t d : dims) product *= d;
    if (product != array.size()) {
        throw IoError(fmt::format("cannot write '{}' in '{}': shape holds {} values, not {}", where,
                                  file_name.string(), product, array.size()));
    }
    return dims;
}

// How a dataset is written by several processes at once (a file opened with the MPI-IO driver).
struct CollectiveWrite {
    // Set: the array holds this process's rows of a 1-D dataset; unset: the whole array, the
    // same on every process, written by the one with `writes_whole`.
    std::optional<RowShare> share;
    bool writes_whole = false;
};

#ifdef H5_HAVE_PARALLEL
// Every process writes its part in one collective call (parallel HDF5 needs one for filtered
// datasets): its rows, the whole array, or nothing.
template <class T>
void write_collectively(hid_t dataset, std::span<const T> values, const std::vector<hsize_t>& dims,
                        const CollectiveWrite& collective, const std::string& where,
                        const fs::path& file_name) {
    const Hdf5Handle file_space(
        check_hdf5_id(H5Dget_space(dataset), "get the dataspace of '" + where + "'", file_name),
        H5Sclose);
    hsize_t count = values.size();
    const Hdf5Handle memory_space(
        check_hdf5_id(H5Screate_simple(1, &count, nullptr), "create a dataspace", file_name),
        H5Sclose);
    if (collective.share) {
        const hsize_t first = collective.share->first_row;
        if (count > 0) {
            check_hdf5_status(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &first, nullptr,
                                                  &count, nullptr),
                              "select rows of '" + where + "'", file_name);
        } else {
            check_hdf5_status(H5Sselect_none(file_space.get()), "select rows", file_name);
            check_hdf5_status(H5Sselect_none(memory_space.get()), "select rows", file_name);
        }
    } else if (!collective.writes_whole) {
        check_hdf5_status(H5Sselect_none(file_space.get()), "select nothing", file_name);
        check_hdf5_status(H5Sselect_none(memory_space.get()), "select nothing", file_name);
    } else if (dims.size() > 1) {
        // The file's N-D selection is all of it; memory is the same values as 1-D.
        check_hdf5_status(H5Sselect_all(file_space.get()), "select all", file_name);
    }
    const Hdf5Handle transfer(
        check_hdf5_id(H5Pcreate(H5P_DATASET_XFER), "create transfer properties", file_name),
        H5Pclose);
    check_hdf5_status(H5Pset_dxpl_mpio(transfer.get(), H5FD_MPIO_COLLECTIVE),
                      "set collective transfer", file_name);
    // A process without rows passes no buffer; HDF5 wants a pointer all the same.
    static const T kNothing{};
    check_hdf5_status(H5Dwrite(dataset, memory_type_of<T>(), memory_space.get(), file_space.get(),
                               transfer.get(), values.empty() ? &kNothing : values.data()),
                      "write dataset '" + where + "' collectively", file_name);
}
#endif

void write_dataset(hid_t group, const std::string& group_path, const NamedArray& array,
                   const ArrayStorage& storage, const fs::path& file_name,
                   const CollectiveWrite* collective = nullptr) {
    const std::string where = fmt::format("/{}/{}", group_path, array.name);
    if (array.name.empty() || array.name.find('/') != std::string::npos) {
        throw IoError(fmt::format("cannot write '{}' in '{}': invalid dataset name", where,
                                  file_name.string()));
    }
    std::vector<hsize_t> dims;
    if (collective != nullptr && collective->share) {
        const RowShare& share = *collective->share;
        if (!array.shape.empty() || share.first_row + array.size() > share.total_rows) {
            throw IoError(fmt::format(
                "cannot write '{}' in '{}': rows {} to {} are not within a 1-D dataset of {}",
                where, file_name.string(), share.first_row, share.first_row + array.size(),
                share.total_rows));
        }
        dims.push_back(share.total_rows);
    } else {
        dims = dimensions_of(array, where, file_name);
    }
    hsize_t total_size = 1;
    for (const hsize_t d : dims) total_size *= d;
    const Hdf5Handle space(
        check_hdf5_id(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                      "create the dataspace of '" + where + "'", file_name),
        H5Sclose);
    Hdf5Handle properties(
        check_hdf5_id(H5Pcreate(H5P_DATASET_CREATE), "create dataset properties", file_name),
        H5Pclose);
    check_hdf5_status(H5Pset_obj_track_times(properties.get(), false), "set dataset properties",
                      file_name);
    // Compression needs chunks; empty datasets and contiguous storage do without.
    const bool deflate =
        storage.deflate_level > 0 && total_size > 0 && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0;
    std::vector<hsize_t> chunk = dims;
    if (deflate) {
        hsize_t inner = 1;
        for (std::size_t k = 1; k < dims.size(); ++k) inner *= dims[k];
        chunk[0] = std::max<hsize_t>(
            1, std::min<hsize_t>(dims[0], storage.chunk_elements / std::max<hsize_t>(1, inner)));
        check_hdf5_status(
            H5Pset_chunk(properties.get(), static_cast<int>(chunk.size()), chunk.data()),
            "set the chunks of '" + where + "'", file_name);
        check_hdf5_status(H5Pset_shuffle(properties.get()), "set the shuffle filter", file_name);
        check_hdf5_status(
            H5Pset_deflate(properties.get(), static_cast<unsigned>(storage.deflate_level)),
            "set the deflate filter", file_name);
    }
    std::visit(
        [&](const auto& values) {
            using T = typename std::decay_t<decltype(values)>::value_type;
            const Hdf5Handle dataset(
                check_hdf5_id(H5Dcreate2(group, array.name.c_str(), file_type_of<T>(), space.get(),
                                         H5P_DEFAULT, properties.get(), H5P_DEFAULT),
                              "create dataset '" + where + "'", file_name),
                H5Dclose);
            if (collective != nullptr) {
#ifdef H5_HAVE_PARALLEL
                if (total_size > 0) {
                    write_collectively<T>(dataset.get(), std::span<const T>(values), dims,
                                          *collective, where, file_name);
                }
#else
                throw IoError(
                    fmt::format("cannot write '{}' in '{}' collectively: this HDF5 is "
                                "not the parallel library",
                                where, file_name.string()));
#endif
            } else if (deflate) {
                // Shuffle + deflate of the chunks on all threads (HDF5 would run them on one).
                hsize_t chunk_elements = 1;
                for (const hsize_t d : chunk) chunk_elements *= d;
                write_deflated_chunks(dataset.get(), values.data(), values.size(), sizeof(T),
                                      static_cast<std::size_t>(chunk_elements), dims,
                                      static_cast<std::size_t>(chunk[0]), storage.deflate_level,
                                      where, file_name);
            } else if (!values.empty()) {
                check_hdf5_status(H5Dwrite(dataset.get(), memory_type_of<T>(), H5S_ALL, H5S_ALL,
                                           H5P_DEFAULT, values.data()),
                                  "write dataset '" + where + "'", file_name);
            }
            if (!array.units.empty()) {
                write_attribute(dataset.get(), group_path + "/" + array.name,
                                {"units", array.units}, file_name);
            }
        },
        array.values);
}

// The dataset's values, or with `rows` only those rows of a 1-D dataset (a hyperslab).
template <class T>
NamedArray read_values(hid_t dataset, std::string name, std::vector<std::uint64_t> shape,
                       std::size_t count, const std::optional<RowRange>& rows,
                       const std::string& where, const fs::path& file_name) {
    std::vector<T> values(rows ? rows->count : count);
    if (!values.empty() && !rows) {
        check_hdf5_status(
            H5Dread(dataset, memory_type_of<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
            "read dataset '" + where + "'", file_name);
    } else if (!values.empty()) {
        const Hdf5Handle file_space(
            check_hdf5_id(H5Dget_space(dataset), "read '" + where + "'", file_name), H5Sclose);
        const hsize_t first = rows->first;
        const hsize_t n = rows->count;
        check_hdf5_status(
            H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &first, nullptr, &n, nullptr),
            "select rows of '" + where + "'", file_name);
        const Hdf5Handle memory_space(
            check_hdf5_id(H5Screate_simple(1, &n, nullptr), "read '" + where + "'", file_name),
            H5Sclose);
        check_hdf5_status(H5Dread(dataset, memory_type_of<T>(), memory_space.get(),
                                  file_space.get(), H5P_DEFAULT, values.data()),
                          "read rows of dataset '" + where + "'", file_name);
    }
    NamedArray array;
    array.name = std::move(name);
    array.values = std::move(values);
    array.shape = std::move(shape);
    return array;
}

NamedArray read_dataset(hid_t group, const std::string& group_path, const std::string& name,
                        std::optional<RowRange> rows, const fs::path& file_name) {
    const std::string where = fmt::format("/{}/{}", group_path, name);
    const Hdf5Handle dataset(check_hdf5_id(H5Dopen2(group, name.c_str(), H5P_DEFAULT),
                                           "open dataset '" + where + "'", file_name),
                             H5Dclose);
    const Hdf5Handle space(
        check_hdf5_id(H5Dget_space(dataset.get()), "read '" + where + "'", file_name), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 1 || rank > 8) {
        throw IoError(
            fmt::format("'{}' in '{}' has rank {}, not 1 to 8", where, file_name.string(), rank));
    }
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    std::size_t count = 1;
    for (const hsize_t d : dims) count *= d;
    std::vector<std::uint64_t> shape;
    if (rank > 1) shape.assign(dims.begin(), dims.end());
    if (rows && rank > 1) rows.reset();  // rows are picked from 1-D datasets only
    if (rows && count != rows->total_rows) {
        throw IoError(fmt::format("'{}' in '{}' has {} rows, the other arrays of its group {}",
                                  where, file_name.string(), count, rows->total_rows));
    }
    if (rows && (rows->first > count || rows->count > count - rows->first)) {
        throw std::logic_error(fmt::format("rows {} to {} of '{}', which has {}", rows->first,
                                           rows->first + rows->count, where, count));
    }

    const Hdf5Handle type(
        check_hdf5_id(H5Dget_type(dataset.get()), "read '" + where + "'", file_name), H5Tclose);
    const H5T_class_t type_class = H5Tget_class(type.get());
    const std::size_t size = H5Tget_size(type.get());
    NamedArray array;
    if (type_class == H5T_FLOAT && size == 4) {
        array = read_values<float>(dataset.get(), name, shape, count, rows, where, file_name);
    } else if (type_class == H5T_FLOAT && size == 8) {
        array = read_values<double>(dataset.get(), name, shape, count, rows, where, file_name);
    } else if (type_class == H5T_INTEGER) {
        const bool is_signed = H5Tget_sign(type.get()) == H5T_SGN_2;
        if (is_signed && size == 4) {
            array = read_values<std::int32_t>(dataset.get(), name, shape, count, rows, where,
                                              file_name);
        } else if (!is_signed && size == 1) {
            array = read_values<std::uint8_t>(dataset.get(), name, shape, count, rows, where,
                                              file_name);
        } else if (!is_signed && size == 2) {
            array = read_values<std::uint16_t>(dataset.get(), name, shape, count, rows, where,
                                               file_name);
        } else if (!is_signed && size == 4) {
            array = read_values<std::uint32_t>(dataset.get(), name, shape, count, rows, where,
                                               file_name);
        } else if (!is_signed && size == 8) {
            array = read_values<std::uint64_t>(dataset.get(), name, shape, count, rows, where,
                                               file_name);
        } else {
            throw IoError(fmt::format("'{}' in '{}' has an unsupported integer type", where,
                                      file_name.string()));
        }
    } else {
        throw IoError(
            fmt::format("'{}' in '{}' has an unsupported type", where, file_name.string()));
    }
    return array;
}

std::optional<AttributeValue> read_attribute_value(hid_t attribute, const std::string& what,
                                                   const fs::path& file_name) {
    const Hdf5Handle type(check_hdf5_id(H5Aget_type(attribute), "read " + what, file_name),
                          H5Tclose);
    const Hdf5Handle space(check_hdf5_id(H5Aget_space(attribute), "read " + what, file_name),
                           H5Sclose);
    const hssize_t n = H5Sget_simple_extent_npoints(space.get());
    const bool scalar = H5Sget_simple_extent_type(space.get()) == H5S_SCALAR;
    const H5T_class_t type_class = H5Tget_class(type.get());
    const std::size_t size = H5Tget_size(type.get());
    if (type_class == H5T_STRING && scalar &&
        check_hdf5_bool(H5Tis_variable_str(type.get()), "read " + what, file_name)) {
        const Hdf5Handle memory_type = make_string_type(file_name);
        char* characters = nullptr;
        check_hdf5_status(H5Aread(attribute, memory_type.get(), &characters), "read " + what,
                          file_name);
        std::string text = characters != nullptr ? characters : "";
        H5free_memory(characters);
        return text;
    }
    if (type_class == H5T_INTEGER && scalar) {
        if (H5Tget_sign(type.get()) == H5T_SGN_2 && size <= 4) {
            std::int32_t value = 0;
            check_hdf5_status(H5Aread(attribute, H5T_NATIVE_INT32, &value), "read " + what,
                              file_name);
            return value;
        }
        std::uint64_t value = 0;
        check_hdf5_status(H5Aread(attribute, H5T_NATIVE_UINT64, &value), "read " + what, file_name);
        return value;
    }
    if (type_class == H5T_FLOAT && scalar) {
        double value = 0.0;
        check_hdf5_status(H5Aread(attribute, H5T_NATIVE_DOUBLE, &value), "read " + what, file_name);
        return value;
    }
    if (!scalar && n >= 0 && type_class == H5T_INTEGER) {
        std::vector<std::int32_t> values(static_cast<std::size_t>(n));
        check_hdf5_status(H5Aread(attribute, H5T_NATIVE_INT32, values.data()), "read " + what,
                          file_name);
        return values;
    }
    if (!scalar && n >= 0 && type_class == H5T_FLOAT) {
        std::vector<double> values(static_cast<std::size_t>(n));
        check_hdf5_status(H5Aread(attribute, H5T_NATIVE_DOUBLE, values.data()), "read " + what,
                          file_name);
        return values;
    }
    return std::nullopt;  // a type we do not use: skipped
}

}  // namespace

std::size_t NamedArray::size() const {
    return std::visit([](const auto& v) { return v.size(); }, values);
}

template <class T>
const std::vector<T>& NamedArray::as(std::string_view group_path) const {
    const auto* v = std::get_if<std::vector<T>>(&values);
    if (v == nullptr) {
        throw IoError(fmt::format("dataset '/{}/{}' has another element type than expected",
                                  group_path, name));
    }
    return *v;
}

template const std::vector<std::uint8_t>& NamedArray::as(std::string_view) const;
template const std::vector<std::uint16_t>& NamedArray::as(std::string_view) const;
template const std::vector<std::uint32_t>& NamedArray::as(std::string_view) const;
template const std::vector<std::uint64_t>& NamedArray::as(std::string_view) const;
template const std::vector<std::int32_t>& NamedArray::as(std::string_view) const;
template const std::vector<float>& NamedArray::as(std::string_view) const;
template const std::vector<double>& NamedArray::as(std::string_view) const;

const NamedArray& ArrayGroup::array(std::string_view name) const {
    for (const NamedArray& a : arrays) {
        if (a.name == name) return a;
    }
    throw IoError(fmt::format("group '/{}' has no dataset '{}'", path, name));
}

template <class T>
const T& ArrayGroup::attribute(std::string_view name) const {
    for (const NamedAttribute& a : attributes) {
        if (a.name != name) continue;
        if (const auto* v = std::get_if<T>(&a.value)) return *v;
        throw IoError(
            fmt::format("attribute '{}' of '/{}' has another type than expected", name, path));
    }
    throw IoError(fmt::format("group '/{}' has no attribute '{}'", path, name));
}

template const std::int32_t& ArrayGroup::attribute(std::string_view) const;
template const std::uint64_t& ArrayGroup::attribute(std::string_view) const;
template const double& ArrayGroup::attribute(std::string_view) const;
template const std::string& ArrayGroup::attribute(std::string_view) const;
template const std::vector<std::int32_t>& ArrayGroup::attribute(std::string_view) const;
template const std::vector<double>& ArrayGroup::attribute(std::string_view) const;

void write_array_group(hid_t file, const ArrayGroup& group, const ArrayStorage& storage,
                       const fs::path& file_name) {
    const ScopedHdf5ErrorSilence silence;
    const Hdf5Handle handle = open_or_create_group(file, group.path, file_name);
    for (const NamedAttribute& attribute : group.attributes) {
        write_attribute(handle.get(), group.path, attribute, file_name);
    }
    for (const NamedArray& array : group.arrays) {
        write_dataset(handle.get(), group.path, array, storage, file_name);
    }
}

void write_array_group_collectively(hid_t file, const ArrayGroup& group,
                                    const ArrayStorage& storage, std::optional<RowShare> share,
                                    bool writes_whole, const fs::path& file_name) {
    const ScopedHdf5ErrorSilence silence;
    const CollectiveWrite collective{share, writes_whole};
    const Hdf5Handle handle = open_or_create_group(file, group.path, file_name);
    for (const NamedAttribute& attribute : group.attributes) {
        write_attribute(handle.get(), group.path, attribute, file_name);
    }
    for (const NamedArray& array : group.arrays) {
        write_dataset(handle.get(), group.path, array, storage, file_name, &collective);
    }
}

bool path_exists(hid_t file, std::string_view path, const fs::path& file_name) {
    const ScopedHdf5ErrorSilence silence;
    std::string so_far;
    std::size_t start = 0;
    const std::string text(path);
    while (start < text.size()) {
        std::size_t end = text.find('/', start);
        if (end == std::string::npos) end = text.size();
        so_far = fmt::format("{}/{}", so_far, std::string_view(text).substr(start, end - start));
        if (!check_hdf5_bool(H5Lexists(file, so_far.c_str(), H5P_DEFAULT),
                             "look up '" + so_far + "'", file_name)) {
            return false;
        }
        start = end + 1;
    }
    return true;
}

std::vector<std::string> list_group(hid_t file, std::string_view path, const fs::path& file_name) {
    const ScopedHdf5ErrorSilence silence;
    const std::string where = fmt::format("/{}", path);
    const Hdf5Handle group(check_hdf5_id(H5Gopen2(file, where.c_str(), H5P_DEFAULT),
                                         "open '" + where + "'", file_name),
                           H5Gclose);
    // H5Gget_info + H5Lget_name_by_idx: the same API in HDF5 1.10 (Debian 12) and later.
    H5G_info_t info{};
    check_hdf5_status(H5Gget_info(group.get(), &info), "list '" + where + "'", file_name);
    std::vector<std::string> names;
    for (hsize_t k = 0; k < info.nlinks; ++k) {
        const ssize_t length = H5Lget_name_by_idx(group.get(), ".", H5_INDEX_NAME, H5_ITER_INC, k,
                                                  nullptr, 0, H5P_DEFAULT);
        check_hdf5_status(length < 0 ? -1 : 0, "list '" + where + "'", file_name);
        std::string name(static_cast<std::size_t>(length), '\0');
        H5Lget_name_by_idx(group.get(), ".", H5_INDEX_NAME, H5_ITER_INC, k, name.data(),
                           name.size() + 1, H5P_DEFAULT);
        names.push_back(std::move(name));
    }
    return names;
}

ArrayGroup read_array_group(hid_t file, std::string_view path, const fs::path& file_name,
                            std::optional<RowRange> rows,
                            std::span<const std::string_view> whole_arrays) {
    const ScopedHdf5ErrorSilence silence;
    ArrayGroup result;
    result.path = std::string(path);
    const std::string where = fmt::format("/{}", result.path);
    if (!path_exists(file, path, file_name)) {
        throw IoError(fmt::format("'{}' has no group '{}'", file_name.string(), where));
    }
    const Hdf5Handle group(check_hdf5_id(H5Gopen2(file, where.c_str(), H5P_DEFAULT),
                                         "open '" + where + "'", file_name),
                           H5Gclose);
    for (const std::string& name : list_group(file, path, file_name)) {
        const Hdf5Handle object(check_hdf5_id(H5Oopen(group.get(), name.c_str(), H5P_DEFAULT),
                                              "open '" + where + "/" + name + "'", file_name),
                                H5Oclose);
        if (H5Iget_type(object.get()) != H5I_DATASET) continue;
        const bool whole =
            std::find(whole_arrays.begin(), whole_arrays.end(), name) != whole_arrays.end();
        result.arrays.push_back(
            read_dataset(group.get(), result.path, name, whole ? std::nullopt : rows, file_name));
    }
    std::vector<std::string> attribute_names;
    const H5A_operator2_t collect = [](hid_t, const char* name, const H5A_info_t*,
                                       void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
    };
    check_hdf5_status(
        H5Aiterate2(group.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &attribute_names),
        "list the attributes of '" + where + "'", file_name);
    for (std::string& name : attribute_names) {
        const Hdf5Handle attribute(check_hdf5_id(H5Aopen(group.get(), name.c_str(), H5P_DEFAULT),
                                                 "open an attribute of '" + where + "'", file_name),
                                   H5Aclose);
        if (auto value = read_attribute_value(
                attribute.get(), fmt::format("attribute '{}' of '{}'", name, where), file_name)) {
            result.attributes.push_back({std::move(name), std::move(*value)});
        }
    }
    return result;
}

}  // namespace cartsim::io
