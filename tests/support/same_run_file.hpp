#pragma once
// Test support: two run files are the same, group by group, dataset by dataset (bitwise) and
// attribute by attribute, except the root attributes that say when, where and how a file was
// made (created_utc and the per-process provenance: command line, host, threads, wall time).

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include "io/array_group.hpp"
#include "io/hdf5_handle.hpp"
#include "io/run_file_writer.hpp"

namespace cartsim::test_support {

inline io::Hdf5Handle open_run_file_read_only(const std::filesystem::path& file) {
    const io::Hdf5Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    H5Pset_file_locking(access.get(), false, true);
    return io::Hdf5Handle(H5Fopen(file.c_str(), H5F_ACC_RDONLY, access.get()), H5Fclose);
}

inline bool same_bits(const io::ArrayValues& a, const io::ArrayValues& b) {
    if (a.index() != b.index()) return false;
    return std::visit(
        [&](const auto& left) {
            const auto& right = std::get<std::decay_t<decltype(left)>>(b);
            return left.size() == right.size() &&
                   (left.empty() ||
                    std::memcmp(left.data(), right.data(), left.size() * sizeof(left[0])) == 0);
        },
        a);
}

inline bool same_bits(const io::AttributeValue& a, const io::AttributeValue& b) {
    if (a.index() != b.index()) return false;
    if (const auto* d = std::get_if<double>(&a)) {
        const double other = std::get<double>(b);
        return std::memcmp(d, &other, sizeof(double)) == 0;  // NaN == NaN here
    }
    return a == b;
}

inline bool is_per_process_root_attribute(const std::string& name) {
    for (const char* skipped :
         {io::layout::kCreatedUtcAttr, io::layout::kCommandLineAttr, io::layout::kHostAttr,
          io::layout::kThreadsAttr, io::layout::kWallTimeAttr}) {
        if (name == skipped) return true;
    }
    return false;
}

/// Every group, dataset and attribute of `expected_file` is in `actual_file` and equal, and
/// nothing else is; returns the number of datasets compared.
inline std::size_t expect_same_run_file(const std::filesystem::path& expected_file,
                                        const std::filesystem::path& actual_file) {
    const io::Hdf5Handle expected = open_run_file_read_only(expected_file);
    const io::Hdf5Handle actual = open_run_file_read_only(actual_file);
    EXPECT_TRUE(expected.valid() && actual.valid());
    if (!expected.valid() || !actual.valid()) return 0;
    std::vector<std::string> pending = {""};
    std::size_t datasets = 0;
    while (!pending.empty()) {
        const std::string path = pending.back();
        pending.pop_back();
        const io::ArrayGroup a = io::read_array_group(expected.get(), path, expected_file);
        const io::ArrayGroup b = io::read_array_group(actual.get(), path, actual_file);
        EXPECT_EQ(a.arrays.size(), b.arrays.size()) << "/" << path;
        for (const io::NamedArray& array : a.arrays) {
            const io::NamedArray& other = b.array(array.name);
            EXPECT_TRUE(same_bits(array.values, other.values)) << "/" << path << "/" << array.name;
            EXPECT_EQ(array.shape, other.shape) << "/" << path << "/" << array.name;
            ++datasets;
        }
        EXPECT_EQ(a.attributes.size(), b.attributes.size()) << "/" << path;
        for (std::size_t k = 0; k < std::min(a.attributes.size(), b.attributes.size()); ++k) {
            EXPECT_EQ(a.attributes[k].name, b.attributes[k].name) << "/" << path;
            if (path.empty() && is_per_process_root_attribute(a.attributes[k].name)) continue;
            EXPECT_TRUE(same_bits(a.attributes[k].value, b.attributes[k].value))
                << "/" << path << " attribute " << a.attributes[k].name;
        }
        const auto names = io::list_group(expected.get(), path, expected_file);
        EXPECT_EQ(names, io::list_group(actual.get(), path, actual_file)) << "/" << path;
        for (const std::string& name : names) {
            const bool is_dataset = std::any_of(a.arrays.begin(), a.arrays.end(),
                                                [&](const auto& x) { return x.name == name; });
            if (!is_dataset) pending.push_back(path.empty() ? name : path + "/" + name);
        }
    }
    return datasets;
}

}  // namespace cartsim::test_support
