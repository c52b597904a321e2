// Checkpoints are canonical (io/model_checkpoint.hpp): their content is a function of the model's
// state only. Two runs that reach one state through different storage histories write equal
// datasets; a checkpoint read back and resumed reaches the same checkpoint as the run that never
// stopped; a checkpoint that is not canonical, or of the earlier format, is refused by name.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <utility>
#include <variant>
#include <vector>

#include "agents/marrow_model.hpp"
#include "engine/model_state.hpp"
#include "engine/parallelism.hpp"
#include "io/array_group.hpp"
#include "io/hdf5_handle.hpp"
#include "io/model_checkpoint.hpp"
#include "io/run_file_writer.hpp"
#include "tests/support/temp_directory.hpp"

namespace cartsim::io {
namespace {

namespace fs = std::filesystem;

// A 2-D window with CAR-T cells killing, dividing and moving: both populations change storage.
agents::Parameters busy_window() {
    agents::Parameters p;
    p.seed = 7;
    p.space.nx = 60;
    p.space.ny = 60;
    p.space.nz = 1;
    p.space.total_marrow_volume_ml = 10.0;
    p.car_t.dose_cells = 1e9;
    return p;
}

constexpr engine::Step kCheckpointStep = 1440 + 17;  // off the tissue and field periods
constexpr CheckpointProgress kProgress{.time_days = 1.0, .timeseries_rows = 3, .snapshot_count = 1};

// An array's element type and bytes, whether it is owned (read) or borrowed (written).
std::pair<std::string, std::string> typed_bytes(const ArrayValues& values) {
    return std::visit(
        [](const auto& v) {
            using T = std::decay_t<decltype(v[0])>;
            return std::pair{
                std::string(typeid(T).name()),
                std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T))};
        },
        values);
}

// Every group, dataset (bitwise) and attribute of `a` is in `b`, equal, and nothing else is.
void expect_same_groups(const std::vector<ArrayGroup>& a, const std::vector<ArrayGroup>& b) {
    ASSERT_EQ(a.size(), b.size());
    std::size_t agents = 0;
    for (std::size_t g = 0; g < a.size(); ++g) {
        ASSERT_EQ(a[g].path, b[g].path);
        ASSERT_EQ(a[g].arrays.size(), b[g].arrays.size()) << a[g].path;
        for (const NamedArray& array : a[g].arrays) {
            EXPECT_TRUE(typed_bytes(array.values) == typed_bytes(b[g].array(array.name).values))
                << a[g].path << "/" << array.name;
            if (array.name == "ids") agents += array.size();
        }
        ASSERT_EQ(a[g].attributes.size(), b[g].attributes.size()) << a[g].path;
        for (std::size_t k = 0; k < a[g].attributes.size(); ++k) {
            EXPECT_EQ(a[g].attributes[k].name, b[g].attributes[k].name) << a[g].path;
            EXPECT_TRUE(a[g].attributes[k].value == b[g].attributes[k].value)
                << a[g].path << " attribute " << a[g].attributes[k].name;
        }
    }
    EXPECT_GT(agents, 1000u);  // real populations were compared
}

void write_groups(const fs::path& file, const std::vector<ArrayGroup>& groups) {
    const Hdf5Handle handle(H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                            H5Fclose);
    ASSERT_TRUE(handle.valid());
    for (const ArrayGroup& group : groups) write_array_group(handle.get(), group, {}, file);
}

ArrayGroup& group_at(std::vector<ArrayGroup>& groups, const std::string& path) {
    for (ArrayGroup& group : groups) {
        if (group.path == path) return group;
    }
    throw std::logic_error("no group " + path);
}

// The message of the IoError that reading `file` throws ("" if none).
std::string read_error(const fs::path& file) {
    try {
        read_checkpoint(file);
    } catch (const IoError& error) {
        return error.what();
    }
    return "";
}

class CanonicalCheckpoint : public ::testing::Test {
  protected:
    test_support::TempDirectory temp_{"cartsim-canonical-ckpt"};
    const fs::path directory_ = temp_.path();
};

TEST_F(CanonicalCheckpoint, determinism_two_storage_histories_write_equal_datasets) {
    engine::run_with_threads(2, [&] {
        const agents::Parameters p = busy_window();
        agents::MarrowModel plain(p);
        agents::MarrowModel resorted(p);
        engine::IdOrderVisitor id_order;
        while (plain.current_step() < kCheckpointStep) {
            plain.step();
            resorted.step();
            // Another storage history: sorted by id after every step instead of by tile
            // from time to time, so dead slots, slot order and compactions all differ.
            resorted.visit_state(id_order);
        }
        ASSERT_FALSE(plain.tissue().in_id_order() && plain.car_t().in_id_order())
            << "the plain run should reach the checkpoint with storage out of id order";
        expect_same_groups(checkpoint_groups(plain, kProgress),
                           checkpoint_groups(resorted, kProgress));
    });
}

// The ranks of an MPI run write their checkpoint from saved states (cli/mpi_ranks.cpp): the
// groups of a saved state must be the groups of the model it was saved from.
TEST_F(CanonicalCheckpoint, GroupsOfTheSavedStateAreTheGroupsOfTheModel) {
    engine::run_with_threads(2, [&] {
        agents::MarrowModel model(busy_window());
        while (model.current_step() < kCheckpointStep) model.step();
        const engine::SavedState saved = model.save_state();
        const auto by_path = [](std::vector<ArrayGroup> groups) {
            std::sort(groups.begin(), groups.end(),
                      [](const ArrayGroup& a, const ArrayGroup& b) { return a.path < b.path; });
            return groups;
        };
        expect_same_groups(by_path(checkpoint_groups(saved, kProgress)),
                           by_path(checkpoint_groups(model, kProgress)));
    });
}

TEST_F(CanonicalCheckpoint, determinism_resumed_from_file_reaches_the_uninterrupted_checkpoint) {
    const agents::Parameters p = busy_window();
    const fs::path file = directory_ / "checkpoint.h5";
    engine::run_with_threads(1, [&] {
        agents::MarrowModel uninterrupted(p);
        while (uninterrupted.current_step() < kCheckpointStep) uninterrupted.step();
        write_groups(file, checkpoint_groups(uninterrupted, kProgress));
        CheckpointContents contents = read_checkpoint(file);
        EXPECT_EQ(contents.step, kCheckpointStep);

        agents::MarrowModel resumed(p);
        resumed.step();  // a different history, to be replaced
        resumed.restore_state(std::move(contents.state));
        EXPECT_EQ(resumed.state_hash(), uninterrupted.state_hash());
        for (int k = 0; k < 500; ++k) {
            uninterrupted.step();
            resumed.step();
        }
        EXPECT_EQ(resumed.state_hash(), uninterrupted.state_hash());
        expect_same_groups(checkpoint_groups(uninterrupted, kProgress),
                           checkpoint_groups(resumed, kProgress));
    });
}

// Ranks that read one checkpoint together read a share each: the shares' agents, put one after
// another, are the whole checkpoint's, and everything else is whole in every share.
TEST_F(CanonicalCheckpoint, SharesTogetherAreTheWholeCheckpoint) {
    const fs::path file = directory_ / "shared.h5";
    engine::run_with_threads(2, [&] {
        agents::MarrowModel model(busy_window());
        while (model.current_step() < kCheckpointStep) model.step();
        write_groups(file, checkpoint_groups(model, kProgress));
    });
    const CheckpointContents whole = read_checkpoint(file);
    const CheckpointHeader header = read_checkpoint_header(file);
    EXPECT_EQ(header.step, whole.step);
    EXPECT_EQ(header.progress.snapshot_count, kProgress.snapshot_count);
    std::size_t smallest_population = ~std::size_t{0};
    for (const engine::SavedPopulation& population : whole.state.populations) {
        smallest_population = std::min(smallest_population, population.ids.size());
    }
    // Up to more shares than the smallest population has agents (some shares then empty).
    for (const std::uint64_t count : {std::uint64_t{2}, std::uint64_t{3}, std::uint64_t{7},
                                      std::uint64_t{smallest_population + 2}}) {
        SCOPED_TRACE(std::to_string(count) + " shares");
        std::vector<CheckpointContents> shares;
        for (std::uint64_t index = 0; index < count; ++index) {
            shares.push_back(read_checkpoint(file, CheckpointShare{index, count}));
        }
        for (std::size_t p = 0; p < whole.state.populations.size(); ++p) {
            const engine::SavedPopulation& expected = whole.state.populations[p];
            engine::SavedPopulation joined;
            for (const CheckpointContents& share : shares) {
                const engine::SavedPopulation& part = share.state.populations.at(p);
                ASSERT_EQ(part.name, expected.name);
                EXPECT_EQ(part.ids_issued_by_tile, expected.ids_issued_by_tile);
                // Shares differ in size by at most one agent.
                EXPECT_LE(part.ids.size(), expected.ids.size() / count + 1);
                joined.ids.insert(joined.ids.end(), part.ids.begin(), part.ids.end());
                joined.sites.insert(joined.sites.end(), part.sites.begin(), part.sites.end());
                ASSERT_EQ(part.columns.size(), expected.columns.size());
                if (joined.columns.empty())
                    joined.columns = part.columns;
                else {
                    for (std::size_t c = 0; c < part.columns.size(); ++c) {
                        std::visit(
                            [&](auto& into) {
                                using V = std::decay_t<decltype(into)>;
                                const V& from = std::get<V>(part.columns[c].second);
                                into.insert(into.end(), from.begin(), from.end());
                            },
                            joined.columns[c].second);
                    }
                }
            }
            EXPECT_EQ(joined.ids, expected.ids) << expected.name;
            EXPECT_EQ(joined.sites, expected.sites) << expected.name;
            for (std::size_t c = 0; c < expected.columns.size(); ++c) {
                EXPECT_EQ(joined.columns[c].first, expected.columns[c].first);
                EXPECT_TRUE(joined.columns[c].second == expected.columns[c].second)
                    << expected.name << " column " << expected.columns[c].first;
            }
        }
        for (const CheckpointContents& share : shares) {
            ASSERT_EQ(share.state.arrays.size(), whole.state.arrays.size());
            for (std::size_t a = 0; a < whole.state.arrays.size(); ++a) {
                EXPECT_EQ(share.state.arrays[a].name, whole.state.arrays[a].name);
                EXPECT_TRUE(share.state.arrays[a].values == whole.state.arrays[a].values)
                    << whole.state.arrays[a].group << "/" << whole.state.arrays[a].name;
            }
        }
    }
    EXPECT_GT(smallest_population, 10u);  // real populations were split
}

TEST_F(CanonicalCheckpoint, EarlierFormatIsRefusedSayingTheFormatChanged) {
    agents::MarrowModel model(busy_window());
    for (int k = 0; k < 10; ++k) model.step();
    std::vector<ArrayGroup> groups = checkpoint_groups(model, kProgress);
    // As an earlier cartsim wrote it: no checkpoint_format, one next_id per population.
    auto& top = group_at(groups, layout::kCheckpointGroup).attributes;
    std::erase_if(top, [](const NamedAttribute& a) { return a.name == "checkpoint_format"; });
    group_at(groups, "checkpoint/tissue").attributes.push_back({"next_id", std::uint64_t{5}});
    const fs::path file = directory_ / "old.h5";
    write_groups(file, groups);
    const std::string message = read_error(file);
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    EXPECT_NE(message.find("the format changed"), std::string::npos) << message;
}

TEST_F(CanonicalCheckpoint, IdsOutOfOrderOrNeverIssuedAreRefusedNamingTheDataset) {
    agents::MarrowModel model(busy_window());
    for (int k = 0; k < 10; ++k) model.step();
    const std::vector<ArrayGroup> groups = checkpoint_groups(model, kProgress);
    // The error of reading `share` of the checkpoint with its tissue ids edited ("" if none).
    const auto with_ids = [&](auto edit, CheckpointShare share = {}) -> std::string {
        std::vector<ArrayGroup> edited = groups;
        auto& arrays = group_at(edited, "checkpoint/tissue").arrays;
        NamedArray& ids = *std::find_if(arrays.begin(), arrays.end(),
                                        [](const NamedArray& a) { return a.name == "ids"; });
        const auto span = std::get<std::span<const std::uint64_t>>(ids.values);
        std::vector<std::uint64_t> values(span.begin(), span.end());
        edit(values);
        ids.values = std::move(values);
        const fs::path file = directory_ / "edited.h5";
        write_groups(file, edited);
        try {
            read_checkpoint(file, share);
        } catch (const IoError& error) {
            return error.what();
        }
        return "";
    };
    const std::string swapped = with_ids([](auto& ids) { std::swap(ids[3], ids[4]); });
    EXPECT_NE(swapped.find("/checkpoint/tissue/ids"), std::string::npos) << swapped;
    EXPECT_NE(swapped.find("in id order"), std::string::npos) << swapped;
    // Out of order across the boundary of two shares: only the second share sees it (it reads
    // the row before its own), and it names the file's row.
    std::size_t boundary = 0;  // the first row of share 1 of 2
    const auto swap_at_boundary = [&](auto& ids) {
        boundary = ids.size() / 2;
        std::swap(ids[boundary - 1], ids[boundary]);
    };
    EXPECT_EQ(with_ids(swap_at_boundary, CheckpointShare{0, 2}), "");
    const std::string across = with_ids(swap_at_boundary, CheckpointShare{1, 2});
    EXPECT_NE(across.find("at row " + std::to_string(boundary) + " is not above"),
              std::string::npos)
        << across;
    const std::string unissued = with_ids([](auto& ids) { ids.back() += 1'000'000; });
    EXPECT_NE(unissued.find("/checkpoint/tissue/ids"), std::string::npos) << unissued;
    EXPECT_NE(unissued.find("never issued"), std::string::npos) << unissued;
}

}  // namespace
}  // namespace cartsim::io
