#pragma once
// Small read-only helpers over the HDF5 C API for code that walks a run file generically (the
// XDMF sidecar): open a file for reading, list a group, look at a dataset's type and shape, read a
// scalar number attribute. Every failure is an IoError naming the file (io/hdf5_handle.hpp).
// Callers keep a ScopedHdf5ErrorSilence alive around their calls.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "io/hdf5_handle.hpp"

namespace cartsim::io {

// Opens an existing HDF5 file read-only without HDF5 file locking (a lock would fail against a
// writer that still has the file, and reading needs none). Throws IoError if the file is missing,
// a directory or not HDF5.
Hdf5Handle open_hdf5_file_read_only(const std::filesystem::path& file);

// True if `group` has a link called `name` (one path component, no '/').
bool has_link(hid_t group, const std::string& name, const std::filesystem::path& file);
bool has_attribute(hid_t object, const std::string& name, const std::filesystem::path& file);

// Opens the group or dataset `name` below `location`; `where` names it in messages.
Hdf5Handle open_group(hid_t location, const std::string& name, const std::string& where,
                      const std::filesystem::path& file);
Hdf5Handle open_dataset(hid_t location, const std::string& name, const std::string& where,
                        const std::filesystem::path& file);

// Names of the links in `group`, in creation order where the group tracks it, by name otherwise.
std::vector<std::string> member_names(hid_t group, const std::filesystem::path& file);
// True if the link `name` in `group` is a group (false for datasets and anything else).
bool is_group(hid_t group, const std::string& name, const std::filesystem::path& file);
bool is_dataset(hid_t group, const std::string& name, const std::filesystem::path& file);

// The current extent of a dataset, slowest dimension first; {} for a scalar.
std::vector<std::uint64_t> dataset_shape(hid_t dataset, const std::string& where,
                                         const std::filesystem::path& file);

// What a dataset's elements are, as far as a consumer of numbers cares.
struct NumberTypeInfo {
    enum class Kind { signed_integer, unsigned_integer, floating_point, other };
    Kind kind = Kind::other;
    std::size_t size_bytes = 0;
};
NumberTypeInfo dataset_number_type(hid_t dataset, const std::string& where,
                                   const std::filesystem::path& file);

// A scalar numeric attribute converted to double. Throws IoError if it is missing, not a single
// value or not a number.
double read_double_attribute(hid_t object, const std::string& name, const std::string& where,
                             const std::filesystem::path& file);

}  // namespace cartsim::io
