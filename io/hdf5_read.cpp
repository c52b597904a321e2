#include "io/hdf5_read.hpp"

#include <fmt/format.h>

#include <system_error>

namespace cartsim::io {

namespace fs = std::filesystem;

Hdf5Handle open_hdf5_file_read_only(const fs::path& file) {
    std::error_code error;
    const fs::file_status status = fs::status(file, error);
    if (!fs::exists(status)) {
        throw IoError(fmt::format("cannot read '{}': no such file", file.string()));
    }
    if (fs::is_directory(status)) {
        throw IoError(fmt::format("cannot read '{}': it is a directory", file.string()));
    }
    const Hdf5Handle access(
        check_hdf5_id(H5Pcreate(H5P_FILE_ACCESS), "create file access properties", file), H5Pclose);
#if (H5_VERS_MAJOR == 1 && H5_VERS_MINOR == 10 && H5_VERS_RELEASE >= 7) || H5_VERSION_GE(1, 12, 1)
    check_hdf5_status(H5Pset_file_locking(access.get(), false, true), "disable file locking", file);
#endif
#if H5_VERSION_GE(1, 12, 0)
    const htri_t is_hdf5 = H5Fis_accessible(file.c_str(), access.get());
#else
    const htri_t is_hdf5 = H5Fis_hdf5(file.c_str());
#endif
    if (!check_hdf5_bool(is_hdf5, "check the file format", file)) {
        throw IoError(fmt::format("cannot read '{}': it is not an HDF5 file", file.string()));
    }
    return Hdf5Handle(
        check_hdf5_id(H5Fopen(file.c_str(), H5F_ACC_RDONLY, access.get()), "open the file", file),
        H5Fclose);
}

bool has_link(hid_t group, const std::string& name, const fs::path& file) {
    return check_hdf5_bool(H5Lexists(group, name.c_str(), H5P_DEFAULT),
                           fmt::format("look up '{}'", name), file);
}

bool has_attribute(hid_t object, const std::string& name, const fs::path& file) {
    return check_hdf5_bool(H5Aexists(object, name.c_str()),
                           fmt::format("look up attribute '{}'", name), file);
}

Hdf5Handle open_group(hid_t location, const std::string& name, const std::string& where,
                      const fs::path& file) {
    return Hdf5Handle(check_hdf5_id(H5Gopen2(location, name.c_str(), H5P_DEFAULT),
                                    fmt::format("open group '{}'", where), file),
                      H5Gclose);
}

Hdf5Handle open_dataset(hid_t location, const std::string& name, const std::string& where,
                        const fs::path& file) {
    return Hdf5Handle(check_hdf5_id(H5Dopen2(location, name.c_str(), H5P_DEFAULT),
                                    fmt::format("open dataset '{}'", where), file),
                      H5Dclose);
}

namespace {

std::string member_name_at(hid_t group, hsize_t index, H5_index_t order, const fs::path& file) {
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

H5I_type_t member_type(hid_t group, const std::string& name, const fs::path& file) {
    const Hdf5Handle object(check_hdf5_id(H5Oopen(group, name.c_str(), H5P_DEFAULT),
                                          fmt::format("open '{}'", name), file),
                            H5Oclose);
    return H5Iget_type(object.get());
}

}  // namespace

std::vector<std::string> member_names(hid_t group, const fs::path& file) {
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
    names.reserve(static_cast<std::size_t>(info.nlinks));
    for (hsize_t i = 0; i < info.nlinks; ++i) {
        names.push_back(member_name_at(group, i, order, file));
    }
    return names;
}

bool is_group(hid_t group, const std::string& name, const fs::path& file) {
    return member_type(group, name, file) == H5I_GROUP;
}

bool is_dataset(hid_t group, const std::string& name, const fs::path& file) {
    return member_type(group, name, file) == H5I_DATASET;
}

std::vector<std::uint64_t> dataset_shape(hid_t dataset, const std::string& where,
                                         const fs::path& file) {
    const std::string operation = fmt::format("read the shape of '{}'", where);
    const Hdf5Handle space(check_hdf5_id(H5Dget_space(dataset), operation, file), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0) {
        throw hdf5_failure(operation, file);
    }
    std::vector<hsize_t> extent(static_cast<std::size_t>(rank));
    check_hdf5_status(H5Sget_simple_extent_dims(space.get(), extent.data(), nullptr), operation,
                      file);
    return {extent.begin(), extent.end()};
}

NumberTypeInfo dataset_number_type(hid_t dataset, const std::string& where, const fs::path& file) {
    const Hdf5Handle type(
        check_hdf5_id(H5Dget_type(dataset), fmt::format("read the type of '{}'", where), file),
        H5Tclose);
    NumberTypeInfo info;
    info.size_bytes = H5Tget_size(type.get());
    switch (H5Tget_class(type.get())) {
        case H5T_INTEGER:
            info.kind = H5Tget_sign(type.get()) == H5T_SGN_NONE
                            ? NumberTypeInfo::Kind::unsigned_integer
                            : NumberTypeInfo::Kind::signed_integer;
            break;
        case H5T_FLOAT:
            info.kind = NumberTypeInfo::Kind::floating_point;
            break;
        default:
            info.kind = NumberTypeInfo::Kind::other;
            break;
    }
    return info;
}

double read_double_attribute(hid_t object, const std::string& name, const std::string& where,
                             const fs::path& file) {
    const std::string what = fmt::format("attribute '{}' of '{}'", name, where);
    if (!has_attribute(object, name, file)) {
        throw IoError(fmt::format("'{}' has no {}", file.string(), what));
    }
    const Hdf5Handle attribute(
        check_hdf5_id(H5Aopen(object, name.c_str(), H5P_DEFAULT), "open " + what, file), H5Aclose);
    const Hdf5Handle space(check_hdf5_id(H5Aget_space(attribute.get()), "read " + what, file),
                           H5Sclose);
    if (H5Sget_simple_extent_npoints(space.get()) != 1) {
        throw IoError(fmt::format("{} in '{}' is not a single value", what, file.string()));
    }
    const Hdf5Handle type(check_hdf5_id(H5Aget_type(attribute.get()), "read " + what, file),
                          H5Tclose);
    const H5T_class_t type_class = H5Tget_class(type.get());
    if (type_class != H5T_INTEGER && type_class != H5T_FLOAT) {
        throw IoError(fmt::format("{} in '{}' is not a number", what, file.string()));
    }
    double value = 0.0;
    check_hdf5_status(H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, &value), "read " + what, file);
    return value;
}

}  // namespace cartsim::io
