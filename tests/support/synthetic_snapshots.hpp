#pragma once
// Test support: adds /snapshots (and optionally /checkpoint) to an HDF5 file with the plain HDF5
// C API, following docs/OUTPUT.md, so readers of snapshots (XDMF sidecar, `cartsim info`) can be
// tested without the simulation or the snapshot writer. Failures throw io::IoError.

#include <fmt/format.h>
#include <hdf5.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "io/hdf5_handle.hpp"

namespace cartsim::test_support {

// One snapshot to write: rows per population (0 gives datasets of length 0).
struct SyntheticSnapshot {
    std::uint64_t step = 0;
    double time_days = 0.0;
    std::size_t tissue_rows = 0;
    std::size_t car_t_rows = 0;
};

struct SyntheticLattice {
    std::array<int, 3> shape_xyz = {10, 8, 6};
    double site_edge_um = 20.0;
    std::array<hsize_t, 3> field_cells_zyx = {3, 4, 5};  // gz, gy, gx
    double field_cell_edge_um = 40.0;
    double field_cell_depth_um = 40.0;
};

namespace synthetic_detail {

using io::check_hdf5_id;
using io::check_hdf5_status;
using io::Hdf5Handle;
namespace fs = std::filesystem;

inline void write_scalar_attribute(hid_t object, const char* name, hid_t file_type,
                                   hid_t memory_type, const void* value, const fs::path& file) {
    const Hdf5Handle space(check_hdf5_id(H5Screate(H5S_SCALAR), "create a dataspace", file),
                           H5Sclose);
    const Hdf5Handle attribute(
        check_hdf5_id(H5Acreate2(object, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                      "create an attribute", file),
        H5Aclose);
    check_hdf5_status(H5Awrite(attribute.get(), memory_type, value), "write an attribute", file);
}

inline void write_string_attribute(hid_t object, const char* name, const std::string& text,
                                   const fs::path& file) {
    const Hdf5Handle type(check_hdf5_id(H5Tcopy(H5T_C_S1), "create a string type", file), H5Tclose);
    check_hdf5_status(H5Tset_size(type.get(), H5T_VARIABLE), "create a string type", file);
    check_hdf5_status(H5Tset_cset(type.get(), H5T_CSET_UTF8), "create a string type", file);
    const char* characters = text.c_str();
    write_scalar_attribute(object, name, type.get(), type.get(), &characters, file);
}

inline Hdf5Handle create_group(hid_t location, const std::string& name, const fs::path& file) {
    return Hdf5Handle(
        check_hdf5_id(H5Gcreate2(location, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                      "create group " + name, file),
        H5Gclose);
}

// A dataset of `shape` from `values` (row-major), stored as `file_type`, with a units attribute
// when `units` is not empty.
template <class Value>
void write_dataset(hid_t group, const std::string& name, hid_t file_type, hid_t memory_type,
                   const std::vector<hsize_t>& shape, const std::vector<Value>& values,
                   const std::string& units, const fs::path& file) {
    const Hdf5Handle space(
        check_hdf5_id(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr),
                      "create a dataspace", file),
        H5Sclose);
    const Hdf5Handle dataset(check_hdf5_id(H5Dcreate2(group, name.c_str(), file_type, space.get(),
                                                      H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                                           "create dataset " + name, file),
                             H5Dclose);
    if (!values.empty()) {
        check_hdf5_status(
            H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
            "write dataset " + name, file);
    }
    if (!units.empty()) write_string_attribute(dataset.get(), "units", units, file);
}

template <class Value>
void write_column(hid_t group, const std::string& name, hid_t file_type, hid_t memory_type,
                  const std::vector<Value>& values, const std::string& units,
                  const fs::path& file) {
    write_dataset(group, name, file_type, memory_type, {static_cast<hsize_t>(values.size())},
                  values, units, file);
}

// x, y, z and id of `rows` agents on distinct sites, ids ascending (tag << 56 | counter).
inline void write_positions_and_ids(hid_t group, std::size_t rows, std::uint64_t tag,
                                    const SyntheticLattice& lattice, const fs::path& file) {
    const auto [nx, ny, nz] = lattice.shape_xyz;
    const std::size_t sites = static_cast<std::size_t>(nx) * ny * nz;
    std::vector<float> x, y, z;
    std::vector<std::uint64_t> ids;
    for (std::size_t row = 0; row < rows; ++row) {
        const std::size_t site = (row * 7 + tag) % sites;
        const auto centre = [&](std::size_t index) {
            return static_cast<float>((static_cast<double>(index) + 0.5) * lattice.site_edge_um);
        };
        x.push_back(centre(site % nx));
        y.push_back(centre(site / nx % ny));
        z.push_back(centre(site / (static_cast<std::size_t>(nx) * ny)));
        ids.push_back(tag << 56 | (row * 3 + 1));
    }
    write_column(group, "x", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, x, "um", file);
    write_column(group, "y", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, y, "um", file);
    write_column(group, "z", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, z, "um", file);
    write_column(group, "id", H5T_STD_U64LE, H5T_NATIVE_UINT64, ids, "", file);
}

inline void write_count(hid_t group, std::size_t rows, const fs::path& file) {
    const std::uint64_t count = rows;
    write_scalar_attribute(group, "count", H5T_STD_U64LE, H5T_NATIVE_UINT64, &count, file);
}

inline void write_tissue(hid_t snapshot, std::size_t rows, const SyntheticLattice& lattice,
                         const fs::path& file) {
    const Hdf5Handle group = create_group(snapshot, "tissue", file);
    write_count(group.get(), rows, file);
    write_positions_and_ids(group.get(), rows, 1, lattice, file);
    std::vector<std::uint8_t> state, flags;
    std::vector<float> cd19, cd22;
    for (std::size_t row = 0; row < rows; ++row) {
        const double r = static_cast<double>(row);
        state.push_back(static_cast<std::uint8_t>(row % 3));
        flags.push_back(static_cast<std::uint8_t>(row % 4 == 3 ? 1 : 0));
        cd19.push_back(static_cast<float>(row % 3 == 0 ? 1000.0 + 250.0 * r : 0.0));
        cd22.push_back(static_cast<float>(500.0 + 10.0 * r));
    }
    write_column(group.get(), "state", H5T_STD_U8LE, H5T_NATIVE_UINT8, state, "", file);
    {
        const Hdf5Handle dataset(
            check_hdf5_id(H5Dopen2(group.get(), "state", H5P_DEFAULT), "open dataset state", file),
            H5Dclose);
        write_string_attribute(dataset.get(), "labels", "0 blast, 1 normal B cell, 2 marrow cell",
                               file);
    }
    write_column(group.get(), "flags", H5T_STD_U8LE, H5T_NATIVE_UINT8, flags, "", file);
    write_column(group.get(), "cd19", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, cd19, "molecules/cell",
                 file);
    write_column(group.get(), "cd22", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, cd22, "molecules/cell",
                 file);
}

inline void write_car_t(hid_t snapshot, std::size_t rows, const SyntheticLattice& lattice,
                        const fs::path& file) {
    const Hdf5Handle group = create_group(snapshot, "car_t", file);
    write_count(group.get(), rows, file);
    write_positions_and_ids(group.get(), rows, 2, lattice, file);
    std::vector<std::uint8_t> state, engaged;
    std::vector<std::uint16_t> kills;
    std::vector<float> exhaustion, car_level;
    for (std::size_t row = 0; row < rows; ++row) {
        const double r = static_cast<double>(row);
        state.push_back(static_cast<std::uint8_t>(row % 4));
        engaged.push_back(static_cast<std::uint8_t>(row % 2));
        kills.push_back(static_cast<std::uint16_t>(row * 2));
        exhaustion.push_back(static_cast<float>(0.1 * r));
        car_level.push_back(static_cast<float>(1.0 - 0.05 * r));
    }
    write_column(group.get(), "state", H5T_STD_U8LE, H5T_NATIVE_UINT8, state, "", file);
    write_column(group.get(), "engaged", H5T_STD_U8LE, H5T_NATIVE_UINT8, engaged, "", file);
    write_column(group.get(), "kills", H5T_STD_U16LE, H5T_NATIVE_UINT16, kills, "cell", file);
    write_column(group.get(), "exhaustion", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, exhaustion, "1",
                 file);
    write_column(group.get(), "car_level", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, car_level, "1", file);
}

inline void write_fields(hid_t snapshot, double time_days, const SyntheticLattice& lattice,
                         const fs::path& file) {
    const Hdf5Handle group = create_group(snapshot, "fields", file);
    write_scalar_attribute(group.get(), "cell_edge_um", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                           &lattice.field_cell_edge_um, file);
    write_scalar_attribute(group.get(), "cell_depth_um", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                           &lattice.field_cell_depth_um, file);
    const int coarsening =
        static_cast<int>(lattice.field_cell_edge_um / lattice.site_edge_um + 0.5);
    write_scalar_attribute(group.get(), "coarsening", H5T_STD_I32LE, H5T_NATIVE_INT, &coarsening,
                           file);
    const auto [gz, gy, gx] = lattice.field_cells_zyx;
    std::vector<float> ifng, il6;
    for (hsize_t cell = 0; cell < gz * gy * gx; ++cell) {
        ifng.push_back(static_cast<float>(static_cast<double>(cell) + time_days));
        il6.push_back(static_cast<float>(2.0 * static_cast<double>(cell) + time_days));
    }
    const std::vector<hsize_t> shape = {gz, gy, gx};
    write_dataset(group.get(), "ifng", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, shape, ifng, "pg/mL",
                  file);
    write_dataset(group.get(), "il6", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, shape, il6, "pg/mL", file);
}

inline Hdf5Handle open_read_write(const fs::path& file) {
    return Hdf5Handle(
        check_hdf5_id(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "open for writing", file),
        H5Fclose);
}

}  // namespace synthetic_detail

// Creates an HDF5 file with nothing in it (replacing any file of that name).
inline void create_empty_hdf5_file(const std::filesystem::path& file) {
    io::Hdf5Handle handle(
        io::check_hdf5_id(H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                          "create", file),
        H5Fclose);
    io::check_hdf5_status(handle.close(), "close", file);
}

// Adds /snapshots with its attributes and one group NNNNNN per entry (tissue/, car_t/, fields/)
// to an existing HDF5 file that has no /snapshots yet.
inline void add_synthetic_snapshots(const std::filesystem::path& file,
                                    const std::vector<SyntheticSnapshot>& snapshots,
                                    const SyntheticLattice& lattice = {}) {
    using namespace synthetic_detail;
    Hdf5Handle handle = open_read_write(file);
    {
        const Hdf5Handle group = create_group(handle.get(), "snapshots", file);
        const std::uint64_t count = snapshots.size();
        write_scalar_attribute(group.get(), "count", H5T_STD_U64LE, H5T_NATIVE_UINT64, &count,
                               file);
        write_scalar_attribute(group.get(), "site_edge_um", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                               &lattice.site_edge_um, file);
        const hsize_t three = 3;
        const Hdf5Handle space(check_hdf5_id(H5Screate_simple(1, &three, nullptr), "space", file),
                               H5Sclose);
        const Hdf5Handle shape(check_hdf5_id(H5Acreate2(group.get(), "lattice_shape", H5T_STD_I32LE,
                                                        space.get(), H5P_DEFAULT, H5P_DEFAULT),
                                             "create lattice_shape", file),
                               H5Aclose);
        check_hdf5_status(H5Awrite(shape.get(), H5T_NATIVE_INT, lattice.shape_xyz.data()),
                          "write lattice_shape", file);
        for (std::size_t ordinal = 0; ordinal < snapshots.size(); ++ordinal) {
            const SyntheticSnapshot& snapshot = snapshots[ordinal];
            const std::string name = fmt::format("{:06}", ordinal);
            const Hdf5Handle snapshot_group = create_group(group.get(), name, file);
            write_scalar_attribute(snapshot_group.get(), "step", H5T_STD_U64LE, H5T_NATIVE_UINT64,
                                   &snapshot.step, file);
            write_scalar_attribute(snapshot_group.get(), "time_days", H5T_IEEE_F64LE,
                                   H5T_NATIVE_DOUBLE, &snapshot.time_days, file);
            write_tissue(snapshot_group.get(), snapshot.tissue_rows, lattice, file);
            write_car_t(snapshot_group.get(), snapshot.car_t_rows, lattice, file);
            write_fields(snapshot_group.get(), snapshot.time_days, lattice, file);
        }
    }
    check_hdf5_status(handle.close(), "close", file);
}

// Adds /checkpoint with the attributes step and time_days (no state groups).
inline void add_synthetic_checkpoint(const std::filesystem::path& file, std::uint64_t step,
                                     double time_days) {
    using namespace synthetic_detail;
    Hdf5Handle handle = open_read_write(file);
    {
        const Hdf5Handle group = create_group(handle.get(), "checkpoint", file);
        write_scalar_attribute(group.get(), "step", H5T_STD_U64LE, H5T_NATIVE_UINT64, &step, file);
        write_scalar_attribute(group.get(), "time_days", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                               &time_days, file);
    }
    check_hdf5_status(handle.close(), "close", file);
}

// Adds (or replaces) a root string attribute, e.g. run_status.
inline void set_root_string_attribute(const std::filesystem::path& file, const char* name,
                                      const std::string& text) {
    using namespace synthetic_detail;
    Hdf5Handle handle = open_read_write(file);
    if (H5Aexists(handle.get(), name) > 0) {
        check_hdf5_status(H5Adelete(handle.get(), name), "delete an attribute", file);
    }
    write_string_attribute(handle.get(), name, text, file);
    check_hdf5_status(handle.close(), "close", file);
}

}  // namespace cartsim::test_support
