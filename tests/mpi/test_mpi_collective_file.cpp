// Snapshots written by every MPI rank into one file (io/collective_file.hpp and
// write_array_group_collectively): rows put in one global id order across the ranks, and a
// file written by the ranks together that holds what one process writes, with the same
// chunking and filters. Run by ctest under mpiexec at 1, 2 and 4 ranks.

#include <gtest/gtest.h>
#include <hdf5.h>
#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "io/array_group.hpp"
#include "io/collective_file.hpp"
#include "io/hdf5_handle.hpp"

namespace cartsim::io {
namespace {

namespace fs = std::filesystem;

int world_rank() {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}

int world_size() {
    int size = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

// Agent ids of a whole population: scattered, unique, not in any rank's order.
std::vector<std::uint64_t> whole_ids(std::size_t count) {
    std::vector<std::uint64_t> ids(count);
    for (std::size_t k = 0; k < count; ++k) ids[k] = (k * 2654435761ULL) % 1000003ULL + 5;
    return ids;
}

float value_of(std::uint64_t id) {
    return static_cast<float>(id) * 0.5F + 1.0F;
}

std::uint8_t label_of(std::uint64_t id) {
    return static_cast<std::uint8_t>(id % 7);
}

// This rank's agents of the whole population, in its own ascending id order (as a rank's
// snapshot group holds them). Rank 1 holds none when there are ranks enough: an empty rank
// must still take part.
ArrayGroup rank_group(const std::vector<std::uint64_t>& ids) {
    const auto rank = static_cast<std::uint64_t>(world_rank());
    const auto ranks = static_cast<std::uint64_t>(world_size());
    std::vector<std::uint64_t> mine;
    for (const std::uint64_t id : ids) {
        if (ranks > 2 && rank == 1) continue;
        const std::uint64_t holder = (id / 3) % ranks;
        if (holder == rank || (ranks > 2 && rank == 0 && holder == 1)) mine.push_back(id);
    }
    std::sort(mine.begin(), mine.end());
    std::vector<float> values;
    std::vector<std::uint8_t> labels;
    for (const std::uint64_t id : mine) {
        values.push_back(value_of(id));
        labels.push_back(label_of(id));
    }
    return ArrayGroup{"snapshots/000000/agents",
                      {{"count", static_cast<std::uint64_t>(mine.size())}},
                      {{"id", std::move(mine), {}, ""},
                       {"value", std::move(values), {}, "um"},
                       {"label", std::move(labels), {}, ""}}};
}

TEST(SortRowsAcrossRanks, EachRankHoldsOneRunOfTheGlobalIdOrder) {
    std::vector<std::uint64_t> ids = whole_ids(5000);
    ArrayGroup group = rank_group(ids);
    const RowShare share = sort_rows_across_ranks(group, "id", MPI_COMM_WORLD);

    const auto& mine = group.array("id").as<std::uint64_t>(group.path);
    const auto& values = group.array("value").as<float>(group.path);
    const auto& labels = group.array("label").as<std::uint8_t>(group.path);
    ASSERT_EQ(values.size(), mine.size());
    ASSERT_EQ(labels.size(), mine.size());
    EXPECT_EQ(share.total_rows, ids.size());
    // Every row kept its values.
    for (std::size_t k = 0; k < mine.size(); ++k) {
        EXPECT_EQ(values[k], value_of(mine[k]));
        EXPECT_EQ(labels[k], label_of(mine[k]));
    }
    // The ranks' runs, in rank order, are the whole sorted id list.
    const int count = static_cast<int>(mine.size());
    std::vector<int> counts(static_cast<std::size_t>(world_size()));
    MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
    std::vector<int> offsets(counts.size(), 0);
    for (std::size_t r = 1; r < counts.size(); ++r) offsets[r] = offsets[r - 1] + counts[r - 1];
    EXPECT_EQ(share.first_row, static_cast<std::uint64_t>(offsets[world_rank()]));
    std::vector<std::uint64_t> gathered(ids.size());
    MPI_Allgatherv(mine.data(), count, MPI_UINT64_T, gathered.data(), counts.data(), offsets.data(),
                   MPI_UINT64_T, MPI_COMM_WORLD);
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(gathered, ids);
}

TEST(SortRowsAcrossRanks, RowsOutOfOrderOnARankAreRefusedByName) {
    ArrayGroup group{"snapshots/000000/agents",
                     {},
                     {{"id", std::vector<std::uint64_t>{3, 2}, {}, ""},
                      {"value", std::vector<float>{1.0F, 2.0F}, {}, ""}}};
    bool refused = false;
    try {
        // Checked before any message: a rank that throws here sends nothing.
        static_cast<void>(sort_rows_across_ranks(group, "id", MPI_COMM_WORLD));
    } catch (const IoError& error) {
        refused =
            std::string(error.what()).find("/snapshots/000000/agents/id") != std::string::npos;
    }
    EXPECT_TRUE(refused);
}

// Properties of a dataset that the ranks' file must share with one process's file.
struct DatasetLayout {
    std::vector<hsize_t> chunk;
    std::vector<H5Z_filter_t> filters;
    bool operator==(const DatasetLayout&) const = default;
};

DatasetLayout layout_of(const fs::path& file, const std::string& path) {
    const Hdf5Handle handle(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    const Hdf5Handle dataset(H5Dopen2(handle.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
    const Hdf5Handle properties(H5Dget_create_plist(dataset.get()), H5Pclose);
    DatasetLayout layout;
    if (H5Pget_layout(properties.get()) == H5D_CHUNKED) {
        layout.chunk.resize(8);
        layout.chunk.resize(
            static_cast<std::size_t>(H5Pget_chunk(properties.get(), 8, layout.chunk.data())));
    }
    const int filters = H5Pget_nfilters(properties.get());
    for (int f = 0; f < filters; ++f) {
        unsigned flags = 0;
        std::size_t elements = 0;
        unsigned config = 0;
        layout.filters.push_back(H5Pget_filter2(properties.get(), static_cast<unsigned>(f), &flags,
                                                &elements, nullptr, 0, nullptr, &config));
    }
    return layout;
}

// Same element type and values (read back, both hold vectors).
bool same_values(const NamedArray& a, const NamedArray& b) {
    return std::visit(
        [&](const auto& x) {
            using V = std::remove_cvref_t<decltype(x)>;
            const auto* y = std::get_if<V>(&b.values);
            return y != nullptr && std::equal(x.begin(), x.end(), y->begin(), y->end());
        },
        a.values);
}

void create_empty_file(const fs::path& file) {
    const Hdf5Handle handle(H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                            H5Fclose);
    ASSERT_TRUE(handle.valid());
}

TEST(CollectiveWrite, TheRanksFileHoldsWhatOneProcessWrites) {
    const fs::path directory = fs::temp_directory_path() / "cartsim_test_mpi_collective_file";
    const fs::path together = directory / ("ranks_" + std::to_string(world_size()) + ".h5");
    const fs::path alone = directory / ("alone_" + std::to_string(world_size()) + ".h5");
    const ArrayStorage storage{.chunk_elements = 1000, .deflate_level = 4};
    const std::vector<std::uint64_t> ids = whole_ids(12345);
    // The fields: one 2-D array every rank holds alike.
    std::vector<float> field(60 * 70);
    for (std::size_t k = 0; k < field.size(); ++k) field[k] = static_cast<float>(k % 97) * 0.25F;
    const ArrayGroup fields{"snapshots/000000/fields",
                            {{"coarsening", std::int32_t{2}}},
                            {{"il6", field, {60, 70}, "pg/mL"}}};
    if (world_rank() == 0) {
        fs::create_directories(directory);
        create_empty_file(together);
        // One process: the whole population in id order, written as a run file's snapshot.
        std::vector<std::uint64_t> sorted = ids;
        std::sort(sorted.begin(), sorted.end());
        std::vector<float> values;
        std::vector<std::uint8_t> labels;
        for (const std::uint64_t id : sorted) {
            values.push_back(value_of(id));
            labels.push_back(label_of(id));
        }
        const ArrayGroup whole{
            "snapshots/000000/agents",
            {{"count", static_cast<std::uint64_t>(sorted.size())}},
            {{"id", sorted, {}, ""}, {"value", values, {}, "um"}, {"label", labels, {}, ""}}};
        const Hdf5Handle handle(H5Fcreate(alone.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                                H5Fclose);
        write_array_group(handle.get(), whole, storage, alone);
        write_array_group(handle.get(), fields, storage, alone);
    }
    MPI_Barrier(MPI_COMM_WORLD);

    ArrayGroup group = rank_group(ids);
    const RowShare share = sort_rows_across_ranks(group, "id", MPI_COMM_WORLD);
    for (NamedAttribute& attribute : group.attributes) attribute.value = share.total_rows;
    {
        Hdf5Handle handle = open_file_collectively(together, MPI_COMM_WORLD);
        write_array_group_collectively(handle.get(), group, storage, share, false, together);
        write_array_group_collectively(handle.get(), fields, storage, std::nullopt,
                                       world_rank() == 0, together);
        ASSERT_GE(handle.close(), 0);
    }
    MPI_Barrier(MPI_COMM_WORLD);

    if (world_rank() == 0) {
        for (const char* path : {"snapshots/000000/agents", "snapshots/000000/fields"}) {
            const Hdf5Handle a(H5Fopen(together.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
            const Hdf5Handle b(H5Fopen(alone.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
            const ArrayGroup written = read_array_group(a.get(), path, together);
            const ArrayGroup expected = read_array_group(b.get(), path, alone);
            ASSERT_EQ(written.arrays.size(), expected.arrays.size()) << path;
            for (const NamedArray& array : expected.arrays) {
                EXPECT_TRUE(same_values(written.array(array.name), array)) << path << array.name;
                EXPECT_EQ(written.array(array.name).shape, array.shape) << path << array.name;
                const std::string dataset = std::string(path) + "/" + array.name;
                EXPECT_EQ(layout_of(together, dataset), layout_of(alone, dataset)) << dataset;
            }
            EXPECT_EQ(written.attributes.size(), expected.attributes.size()) << path;
        }
        EXPECT_EQ(layout_of(alone, "snapshots/000000/agents/value").filters,
                  (std::vector<H5Z_filter_t>{H5Z_FILTER_SHUFFLE, H5Z_FILTER_DEFLATE}));
        fs::remove_all(directory);
    }
}

}  // namespace
}  // namespace cartsim::io

int main(int argc, char** argv) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    ::testing::InitGoogleTest(&argc, argv);
    int failed = RUN_ALL_TESTS();
    MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return failed;
}
