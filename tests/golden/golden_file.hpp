#pragma once
// A golden file: rows of (step, state hash, named values) recorded by a small run, written as
// text so a reviewer can read a diff. Values are written in shortest round-trip form, so a file
// read back gives the same doubles bit for bit.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cartsim::golden {

struct GoldenRow {
    std::uint64_t step = 0;
    std::uint64_t state_hash = 0;
    std::vector<double> values;
};

struct GoldenRecord {
    std::string title;               ///< one line: what run this is
    std::vector<std::string> names;  ///< value names, in column order
    std::vector<GoldenRow> rows;
};

void write_golden(const std::filesystem::path& path, const GoldenRecord& record);
/// Throws std::runtime_error naming the file and line for anything malformed.
GoldenRecord read_golden(const std::filesystem::path& path);

/// Differences between a stored and a fresh record, one line each (at most `limit`): hashes
/// compared exactly unless `compare_hashes` is false, values within `relative_tolerance`.
std::vector<std::string> golden_differences(const GoldenRecord& stored, const GoldenRecord& fresh,
                                            bool compare_hashes, double relative_tolerance,
                                            std::size_t limit = 20);

}  // namespace cartsim::golden
