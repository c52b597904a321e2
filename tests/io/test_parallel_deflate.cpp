// Tests of io/parallel_deflate: chunks shuffled and deflated by us on all threads must be the
// very bytes HDF5's own filter pipeline stores, so every HDF5 reader decodes them.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/parallelism.hpp"
#include "io/array_group.hpp"
#include "io/hdf5_handle.hpp"
#include "io/parallel_deflate.hpp"
#include "tests/support/temp_directory.hpp"

namespace cartsim::io {
namespace {

namespace fs = std::filesystem;

class ParallelDeflate : public ::testing::Test {
  protected:
    test_support::TempDirectory temp_{"cartsim-deflate-test"};
    const fs::path directory_ = temp_.path();
};

TEST(ShuffleBytes, GroupsTheNthByteOfEveryElement) {
    const std::vector<std::uint8_t> bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    EXPECT_EQ(shuffle_bytes(bytes.data(), 3, 4),
              (std::vector<std::uint8_t>{1, 5, 9, 2, 6, 10, 3, 7, 11, 4, 8, 12}));
    EXPECT_EQ(shuffle_bytes(bytes.data(), 6, 2),
              (std::vector<std::uint8_t>{1, 3, 5, 7, 9, 11, 2, 4, 6, 8, 10, 12}));
    EXPECT_EQ(shuffle_bytes(bytes.data(), 12, 1), bytes);
}

// The stored bytes of every chunk of a dataset.
std::vector<std::vector<std::uint8_t>> stored_chunks(hid_t file, const std::string& path,
                                                     hsize_t rows, hsize_t rows_per_chunk,
                                                     int rank) {
    const Hdf5Handle dataset(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
    std::vector<std::vector<std::uint8_t>> chunks;
    for (hsize_t row = 0; row < rows; row += rows_per_chunk) {
        std::vector<hsize_t> offset(static_cast<std::size_t>(rank), 0);
        offset[0] = row;
        hsize_t size = 0;
        EXPECT_GE(H5Dget_chunk_storage_size(dataset.get(), offset.data(), &size), 0);
        std::vector<std::uint8_t> bytes(size);
        std::uint32_t filter_mask = 0;
        EXPECT_GE(
            H5Dread_chunk(dataset.get(), H5P_DEFAULT, offset.data(), &filter_mask, bytes.data()),
            0);
        EXPECT_EQ(filter_mask, 0u) << "every filter applied";
        chunks.push_back(std::move(bytes));
    }
    return chunks;
}

TEST_F(ParallelDeflate, ChunksEqualWhatHdf5sOwnFiltersStoreAndReadBack) {
    const fs::path file = directory_ / "deflate.h5";
    const Hdf5Handle h(H5Fcreate(file.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    // 1-D float column with a partial last chunk, and a 3-D double field (5 x 6 x 7).
    constexpr std::size_t kCount = 10'000;
    constexpr std::size_t kChunk = 4096;
    std::vector<float> column(kCount);
    for (std::size_t k = 0; k < kCount; ++k) column[k] = static_cast<float>(k % 97) * 0.25F;
    std::vector<double> field(5 * 6 * 7);
    for (std::size_t k = 0; k < field.size(); ++k) field[k] = 1e-3 * static_cast<double>(k * k);
    ArrayGroup group;
    group.path = "ours";
    group.arrays.push_back({"column", column, {}, ""});
    group.arrays.push_back({"field", field, {5, 6, 7}, ""});
    for (const int threads : {1, 2}) {
        group.path = "ours_" + std::to_string(threads);
        engine::run_with_threads(threads, [&] {
            write_array_group(h.get(), group, {.chunk_elements = kChunk, .deflate_level = 1}, file);
        });
    }
    // The same data through HDF5's filter pipeline (H5Dwrite with shuffle + deflate 1).
    const auto write_with_hdf5 = [&](const char* name, const void* data, hid_t type,
                                     std::vector<hsize_t> dims, std::vector<hsize_t> chunk) {
        const Hdf5Handle space(
            H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
        const Hdf5Handle properties(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        H5Pset_obj_track_times(properties.get(), false);
        H5Pset_chunk(properties.get(), static_cast<int>(chunk.size()), chunk.data());
        H5Pset_shuffle(properties.get());
        H5Pset_deflate(properties.get(), 1);
        const Hdf5Handle dataset(H5Dcreate2(h.get(), name, type, space.get(), H5P_DEFAULT,
                                            properties.get(), H5P_DEFAULT),
                                 H5Dclose);
        ASSERT_GE(H5Dwrite(dataset.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), 0);
    };
    write_with_hdf5("hdf5_column", column.data(), H5T_NATIVE_FLOAT, {kCount}, {kChunk});
    // chunk_elements / (6 * 7) = 97 rows, clamped to the 5 rows there are.
    write_with_hdf5("hdf5_field", field.data(), H5T_NATIVE_DOUBLE, {5, 6, 7}, {5, 6, 7});

    const auto hdf5_column = stored_chunks(h.get(), "hdf5_column", kCount, kChunk, 1);
    ASSERT_EQ(hdf5_column.size(), 3u);
    for (const int threads : {1, 2}) {
        const std::string ours = "ours_" + std::to_string(threads);
        EXPECT_EQ(stored_chunks(h.get(), ours + "/column", kCount, kChunk, 1), hdf5_column);
        EXPECT_EQ(stored_chunks(h.get(), ours + "/field", 5, 5, 3),
                  stored_chunks(h.get(), "hdf5_field", 5, 5, 3));
        const ArrayGroup read = read_array_group(h.get(), ours, file);
        EXPECT_EQ(read.array("column").as<float>(ours), column);
        EXPECT_EQ(read.array("field").as<double>(ours), field);
    }
    // And it is compressed: the column repeats with period 97.
    std::size_t stored = 0;
    for (const auto& chunk : hdf5_column) stored += chunk.size();
    EXPECT_LT(stored, kCount * sizeof(float) / 4);
}

}  // namespace
}  // namespace cartsim::io
