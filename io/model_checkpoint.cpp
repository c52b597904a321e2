#include "io/model_checkpoint.hpp"

#include <fmt/format.h>

#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include "io/hdf5_handle.hpp"
#include "io/hdf5_read.hpp"
#include "io/run_file_writer.hpp"

namespace cartsim::io {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTissue = "checkpoint/tissue";
constexpr const char* kCarT = "checkpoint/car_t";
constexpr const char* kBlood = "checkpoint/blood";
constexpr const char* kCytokines = "checkpoint/cytokines";

// Column elements as stored: enums by their underlying type.
template <class T>
using Stored = typename std::conditional_t<std::is_enum_v<T>, std::underlying_type<T>,
                                           std::type_identity<T>>::type;

// A population's columns borrowed from the live model (enum columns read as their uint8_t
// underlying type, which aliasing rules allow for unsigned char).
template <class Columns>
ArrayGroup borrowed_population_group(const char* path,
                                     const engine::Population<Columns>& population) {
    ArrayGroup group;
    group.path = path;
    group.attributes = {{"next_id", population.next_id()}};
    group.arrays.push_back({"ids", population.ids(), {}, ""});
    group.arrays.push_back({"sites", population.sites(), {}, ""});
    Columns::for_each_column(population.columns(), [&](std::string_view name, const auto& column) {
        using T = typename std::decay_t<decltype(column)>::value_type;
        using S = Stored<T>;
        static_assert(std::is_same_v<T, S> || std::is_same_v<S, std::uint8_t>,
                      "enum columns must have an 8-bit underlying type to be borrowed");
        const std::span<const S> values(reinterpret_cast<const S*>(column.data()), column.size());
        group.arrays.push_back({"column_" + std::string(name), values, {}, ""});
    });
    return group;
}

template <class Columns>
agents::PopulationState<Columns> read_population(hid_t file, const char* path,
                                                 const fs::path& file_name) {
    const ArrayGroup group = read_array_group(file, path, file_name);
    agents::PopulationState<Columns> population;
    population.next_id = group.attribute<std::uint64_t>("next_id");
    population.ids = group.array("ids").as<std::uint64_t>(path);
    population.sites = group.array("sites").as<engine::SiteIndex>(path);
    Columns::for_each_column(population.columns, [&](std::string_view name, auto& column) {
        using T = typename std::decay_t<decltype(column)>::value_type;
        const auto& stored =
            group.array("column_" + std::string(name)).template as<Stored<T>>(path);
        column.resize(stored.size());
        for (std::size_t k = 0; k < stored.size(); ++k) column[k] = static_cast<T>(stored[k]);
    });
    return population;
}

}  // namespace

namespace {

// Every group but the two populations'.
std::vector<ArrayGroup> checkpoint_groups_except_populations(agents::MarrowModelState& state,
                                                             const CheckpointProgress& progress) {
    std::vector<ArrayGroup> groups;
    ArrayGroup top;
    top.path = layout::kCheckpointGroup;
    top.attributes = {{"step", static_cast<std::uint64_t>(state.step)},
                      {"time_days", progress.time_days},
                      {"timeseries_rows", static_cast<std::uint64_t>(progress.timeseries_rows)},
                      {"snapshot_count", static_cast<std::uint64_t>(progress.snapshot_count)},
                      {"kills_blasts", state.kills_blasts},
                      {"kills_b_cells", state.kills_b_cells}};
    groups.push_back(std::move(top));
    ArrayGroup blood;
    blood.path = kBlood;
    blood.arrays.push_back(
        {"count",
         std::vector<std::uint64_t>(state.blood_count.begin(), state.blood_count.end()),
         {},
         "cells"});
    groups.push_back(std::move(blood));
    ArrayGroup cytokines;
    cytokines.path = kCytokines;
    cytokines.attributes = {{"serum_ifng_pg_per_ml", state.serum_ifng_pg_per_ml},
                            {"serum_il6_pg_per_ml", state.serum_il6_pg_per_ml}};
    cytokines.arrays.push_back({"ifng", std::move(state.ifng_pg_per_ml), {}, "pg/mL"});
    cytokines.arrays.push_back({"il6", std::move(state.il6_pg_per_ml), {}, "pg/mL"});
    cytokines.arrays.push_back({"il6_release", std::move(state.il6_release_pg), {}, "pg"});
    cytokines.arrays.push_back(
        {"myeloid_per_field_cell", std::move(state.myeloid_per_field_cell), {}, "cells"});
    groups.push_back(std::move(cytokines));
    return groups;
}

}  // namespace

std::vector<ArrayGroup> checkpoint_groups(const agents::MarrowModel& model,
                                          const CheckpointProgress& progress) {
    agents::MarrowModelState state = model.save_state_except_populations();
    std::vector<ArrayGroup> groups = checkpoint_groups_except_populations(state, progress);
    groups.insert(groups.begin() + 1, borrowed_population_group(kTissue, model.tissue()));
    groups.insert(groups.begin() + 2, borrowed_population_group(kCarT, model.car_t()));
    return groups;
}

CheckpointContents read_checkpoint(const fs::path& file) {
    const ScopedHdf5ErrorSilence silence;
    const Hdf5Handle handle = open_hdf5_file_read_only(file);
    if (!path_exists(handle.get(), layout::kCheckpointGroup, file)) {
        throw IoError(fmt::format("'{}' has no /checkpoint to resume from", file.string()));
    }
    const ArrayGroup top = read_array_group(handle.get(), layout::kCheckpointGroup, file);
    CheckpointContents contents;
    agents::MarrowModelState& state = contents.state;
    state.step = top.attribute<std::uint64_t>("step");
    state.kills_blasts = top.attribute<std::uint64_t>("kills_blasts");
    state.kills_b_cells = top.attribute<std::uint64_t>("kills_b_cells");
    contents.progress.time_days = top.attribute<double>("time_days");
    contents.progress.timeseries_rows = top.attribute<std::uint64_t>("timeseries_rows");
    contents.progress.snapshot_count = top.attribute<std::uint64_t>("snapshot_count");
    state.tissue = read_population<agents::TissueColumns>(handle.get(), kTissue, file);
    state.car_t = read_population<agents::CarTColumns>(handle.get(), kCarT, file);
    const ArrayGroup blood = read_array_group(handle.get(), kBlood, file);
    const auto& counts = blood.array("count").as<std::uint64_t>(kBlood);
    if (counts.size() != state.blood_count.size()) {
        throw IoError(fmt::format("'{}': /{}/count has {} values, not {}", file.string(), kBlood,
                                  counts.size(), state.blood_count.size()));
    }
    std::copy(counts.begin(), counts.end(), state.blood_count.begin());
    const ArrayGroup cytokines = read_array_group(handle.get(), kCytokines, file);
    state.serum_ifng_pg_per_ml = cytokines.attribute<double>("serum_ifng_pg_per_ml");
    state.serum_il6_pg_per_ml = cytokines.attribute<double>("serum_il6_pg_per_ml");
    state.ifng_pg_per_ml = cytokines.array("ifng").as<double>(kCytokines);
    state.il6_pg_per_ml = cytokines.array("il6").as<double>(kCytokines);
    state.il6_release_pg = cytokines.array("il6_release").as<double>(kCytokines);
    state.myeloid_per_field_cell =
        cytokines.array("myeloid_per_field_cell").as<std::uint32_t>(kCytokines);
    return contents;
}

}  // namespace cartsim::io
