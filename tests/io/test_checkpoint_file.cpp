// Tests of array groups (snapshots, checkpoints) and of the writer's checkpoint life cycle:
// publish_checkpoint() under the final name while the run goes on, finish() with extra groups,
// and resume() of a published file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "io/array_group.hpp"
#include "io/run_file_reader.hpp"
#include "io/run_file_writer.hpp"
#include "tests/support/temp_directory.hpp"

namespace cartsim::io {
namespace {

namespace fs = std::filesystem;

class CheckpointFile : public ::testing::Test {
  protected:
    test_support::TempDirectory temp_{"cartsim-ckpt-test"};
    const fs::path directory_ = temp_.path();
};

ArrayGroup example_group(std::string path, std::uint64_t n) {
    ArrayGroup group;
    group.path = std::move(path);
    group.attributes = {{"count", n},
                        {"time_days", 2.5},
                        {"label", std::string("tissue")},
                        {"shape", std::vector<std::int32_t>{3, 4, 5}},
                        {"version", std::int32_t{7}}};
    std::vector<std::uint64_t> ids(n);
    std::vector<float> x(n);
    std::vector<std::uint8_t> state(n);
    for (std::uint64_t k = 0; k < n; ++k) {
        ids[k] = (std::uint64_t{1} << 56) + k * 3;
        x[k] = 0.5F + static_cast<float>(k);
        state[k] = static_cast<std::uint8_t>(k % 3);
    }
    group.arrays.push_back({"id", ids, {}, ""});
    group.arrays.push_back({"x", x, {}, "um"});
    group.arrays.push_back({"state", state, {}, ""});
    std::vector<double> field(2 * 3 * 4);
    for (std::size_t k = 0; k < field.size(); ++k) field[k] = 0.1 * static_cast<double>(k);
    group.arrays.push_back({"field", field, {2, 3, 4}, "pg/mL"});
    group.arrays.push_back(
        {"big", std::vector<std::uint64_t>{std::numeric_limits<std::uint64_t>::max()}, {}, ""});
    return group;
}

// Same element type and the same values, whether owned (vector) or borrowed (span).
bool same_values(const ArrayValues& a, const ArrayValues& b) {
    return std::visit(
        [](const auto& x, const auto& y) {
            using X = typename std::decay_t<decltype(x)>::value_type;
            using Y = typename std::decay_t<decltype(y)>::value_type;
            if constexpr (std::is_same_v<X, Y>) {
                return std::ranges::equal(x, y);
            } else {
                return false;
            }
        },
        a, b);
}

void expect_same_group(const ArrayGroup& expected, const ArrayGroup& actual) {
    ASSERT_EQ(expected.arrays.size(), actual.arrays.size());
    for (const NamedArray& array : expected.arrays) {
        const NamedArray& read = actual.array(array.name);
        EXPECT_TRUE(same_values(read.values, array.values)) << array.name;
        EXPECT_EQ(read.shape, array.shape) << array.name;
    }
    EXPECT_EQ(actual.attribute<std::uint64_t>("count"), expected.attribute<std::uint64_t>("count"));
    EXPECT_EQ(actual.attribute<double>("time_days"), 2.5);
    EXPECT_EQ(actual.attribute<std::string>("label"), "tissue");
    EXPECT_EQ(actual.attribute<std::vector<std::int32_t>>("shape"),
              (std::vector<std::int32_t>{3, 4, 5}));
    EXPECT_EQ(actual.attribute<std::int32_t>("version"), 7);
}

RunFileWriter start_run(const fs::path& file) {
    RunFileWriter writer(file, false);
    writer.set_run_metadata({"test", "abc", 42, ""});
    writer.set_scenario_toml("[scenario]\nname = \"t\"\n");
    const std::vector<TimeseriesColumn> columns = {{"blasts", "cells", ColumnType::float64}};
    writer.declare_timeseries(columns);
    return writer;
}

// Opens the file as RunFileReader does (HDF5 refuses a second open of one file with other
// close-degree or locking settings in the same process).
Hdf5Handle open_read_only(const fs::path& file) {
    const Hdf5Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    H5Pset_file_locking(access.get(), false, true);
    return Hdf5Handle(H5Fopen(file.c_str(), H5F_ACC_RDONLY, access.get()), H5Fclose);
}

std::string root_status(const fs::path& file) {
    const Hdf5Handle h = open_read_only(file);
    const ArrayGroup root = read_array_group(h.get(), "", file);
    return root.attribute<std::string>(layout::kRunStatusAttr);
}

TEST_F(CheckpointFile, ArrayGroupsRoundTripEveryTypeShapeAndAttribute) {
    const fs::path file = directory_ / "groups.h5";
    const Hdf5Handle h(H5Fcreate(file.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    const ArrayGroup plain = example_group("a/b/plain", 1000);
    const ArrayGroup compressed = example_group("a/compressed", 100000);
    const ArrayGroup empty = example_group("a/empty", 0);
    write_array_group(h.get(), plain, ArrayStorage{}, file);
    write_array_group(h.get(), compressed, ArrayStorage{.chunk_elements = 4096, .deflate_level = 1},
                      file);
    write_array_group(h.get(), empty, ArrayStorage{.chunk_elements = 4096, .deflate_level = 1},
                      file);
    expect_same_group(plain, read_array_group(h.get(), "a/b/plain", file));
    expect_same_group(compressed, read_array_group(h.get(), "a/compressed", file));
    expect_same_group(empty, read_array_group(h.get(), "a/empty", file));
    EXPECT_EQ(list_group(h.get(), "a", file),
              (std::vector<std::string>{"b", "compressed", "empty"}));
    EXPECT_TRUE(path_exists(h.get(), "a/b/plain/x", file));
    EXPECT_FALSE(path_exists(h.get(), "a/c/x", file));
    // An array that exists already is an error; a missing group too.
    EXPECT_THROW(write_array_group(h.get(), plain, ArrayStorage{}, file), IoError);
    EXPECT_THROW(read_array_group(h.get(), "nowhere", file), IoError);
    ArrayGroup bad_shape = example_group("a/bad", 4);
    bad_shape.arrays[3].shape = {5, 5};
    EXPECT_THROW(write_array_group(h.get(), bad_shape, ArrayStorage{}, file), IoError);
}

TEST_F(CheckpointFile, BorrowedArraysAreWrittenLikeOwnedOnes) {
    // Checkpoints of a running model borrow its columns (spans) instead of copying them.
    const fs::path file = directory_ / "borrowed.h5";
    const Hdf5Handle h(H5Fcreate(file.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    const ArrayGroup owned = example_group("owned", 5000);
    ArrayGroup borrowed;
    borrowed.path = "borrowed";
    borrowed.attributes = owned.attributes;
    for (const NamedArray& array : owned.arrays) {
        NamedArray view{array.name, {}, array.shape, array.units};
        std::visit([&](const auto& values) { view.values = std::span(values); }, array.values);
        EXPECT_EQ(view.values.index(), array.values.index() + 7) << "a span, not a copy";
        borrowed.arrays.push_back(std::move(view));
    }
    for (const ArrayStorage storage :
         {ArrayStorage{}, ArrayStorage{.chunk_elements = 1024, .deflate_level = 1}}) {
        const std::string suffix = storage.deflate_level == 0 ? "plain" : "deflate";
        ArrayGroup o = owned;
        o.path += "_" + suffix;
        ArrayGroup b = borrowed;
        b.path += "_" + suffix;
        write_array_group(h.get(), o, storage, file);
        write_array_group(h.get(), b, storage, file);
        const ArrayGroup read_owned = read_array_group(h.get(), o.path, file);
        const ArrayGroup read_borrowed = read_array_group(h.get(), b.path, file);
        expect_same_group(owned, read_borrowed);
        for (const NamedArray& array : read_owned.arrays) {
            EXPECT_TRUE(same_values(array.values, read_borrowed.array(array.name).values))
                << array.name;
        }
    }
}

TEST_F(CheckpointFile, PublishedCheckpointIsCompleteUnderFinalNameWhileRunGoesOn) {
    const fs::path file = directory_ / "run.h5";
    RunFileWriter writer = start_run(file);
    writer.append_row(0.0, std::vector<double>{10.0});
    writer.append_row(1.0, std::vector<double>{11.0});
    const std::vector<ArrayGroup> checkpoint = {example_group("checkpoint/tissue", 50)};
    writer.publish_checkpoint(checkpoint, run_status::kCheckpoint);
    ASSERT_TRUE(fs::exists(file));
    EXPECT_TRUE(fs::exists(writer.partial_path()));
    EXPECT_FALSE(fs::exists(fs::path(file.string() + ".tmp")));
    {
        const RunFileReader reader(file);
        EXPECT_EQ(reader.timeseries_rows(), 2u);
        EXPECT_EQ(root_status(file), run_status::kCheckpoint);
        const Hdf5Handle h = open_read_only(file);
        expect_same_group(checkpoint[0], read_array_group(h.get(), "checkpoint/tissue", file));
    }
    // The run goes on in the .partial, which has no checkpoint.
    writer.append_row(2.0, std::vector<double>{12.0});
    writer.write_groups(std::vector<ArrayGroup>{example_group("snapshots/000000/tissue", 5)},
                        ArrayStorage{});
    writer.publish_checkpoint(std::vector<ArrayGroup>{example_group("checkpoint/tissue", 60)},
                              run_status::kInterrupted);
    EXPECT_EQ(RunFileReader(file).timeseries_rows(), 3u);
    EXPECT_EQ(root_status(file), run_status::kInterrupted);
    writer.append_row(3.0, std::vector<double>{13.0});
    writer.finish(std::vector<ArrayGroup>{example_group("checkpoint/tissue", 70)});
    EXPECT_FALSE(fs::exists(writer.partial_path()));
    const RunFileReader reader(file);
    EXPECT_EQ(reader.read_timeseries("blasts"), (std::vector<double>{10, 11, 12, 13}));
    EXPECT_EQ(root_status(file), run_status::kComplete);
    const Hdf5Handle h = open_read_only(file);
    EXPECT_EQ(
        read_array_group(h.get(), "checkpoint/tissue", file).attribute<std::uint64_t>("count"),
        70u);
    EXPECT_TRUE(path_exists(h.get(), "snapshots/000000/tissue/x", file));
}

TEST_F(CheckpointFile, ResumeTruncatesRowsRemovesGroupsAndAppendsAfterThem) {
    const fs::path file = directory_ / "run.h5";
    {
        RunFileWriter writer = start_run(file);
        for (int k = 0; k < 5; ++k) writer.append_row(k, std::vector<double>{100.0 + k});
        writer.write_groups(std::vector<ArrayGroup>{example_group("snapshots/000000/tissue", 5),
                                                    example_group("snapshots/000001/tissue", 5)},
                            ArrayStorage{});
        writer.finish(std::vector<ArrayGroup>{example_group("checkpoint/tissue", 70)});
    }
    // A stale .partial (a resumed run that died) is replaced.
    { std::ofstream(RunFileWriter::partial_path_for(file)) << "junk"; }
    ResumePoint point;
    point.timeseries_rows = 3;
    point.remove_paths = {"checkpoint", "snapshots/000001", "snapshots/000009"};
    RunFileWriter writer = RunFileWriter::resume(file, point);
    EXPECT_EQ(writer.timeseries_rows(), 3u);
    // Until the next publish the final file is untouched.
    EXPECT_EQ(RunFileReader(file).timeseries_rows(), 5u);
    writer.append_row(3.0, std::vector<double>{-3.0});
    writer.set_summary("cr_day", 4.0);
    writer.finish();
    const RunFileReader reader(file);
    EXPECT_EQ(reader.read_timeseries("blasts"), (std::vector<double>{100, 101, 102, -3}));
    EXPECT_EQ(reader.read_timeseries("time_days"), (std::vector<double>{0, 1, 2, 3}));
    EXPECT_EQ(reader.summary().values.at("cr_day"), 4.0);
    EXPECT_EQ(reader.run_metadata().seed, 42u);
    const Hdf5Handle h = open_read_only(file);
    EXPECT_FALSE(path_exists(h.get(), "checkpoint", file));
    EXPECT_TRUE(path_exists(h.get(), "snapshots/000000", file));
    EXPECT_FALSE(path_exists(h.get(), "snapshots/000001", file));
}

TEST_F(CheckpointFile, ResumeOfMissingFileOrTooFewRowsFailsAndLeavesNothing) {
    const fs::path missing = directory_ / "missing.h5";
    EXPECT_THROW(RunFileWriter::resume(missing, ResumePoint{}), IoError);
    EXPECT_FALSE(fs::exists(RunFileWriter::partial_path_for(missing)));
    const fs::path file = directory_ / "run.h5";
    {
        RunFileWriter writer = start_run(file);
        writer.append_row(0.0, std::vector<double>{1.0});
        writer.finish();
    }
    ResumePoint point;
    point.timeseries_rows = 2;
    EXPECT_THROW(RunFileWriter::resume(file, point), IoError);
    EXPECT_FALSE(fs::exists(RunFileWriter::partial_path_for(file)));
    EXPECT_EQ(RunFileReader(file).timeseries_rows(), 1u);
}

}  // namespace
}  // namespace cartsim::io
