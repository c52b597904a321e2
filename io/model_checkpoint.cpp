#include "io/model_checkpoint.hpp"

#include <fmt/format.h>

#include <algorithm>
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

constexpr const char* kPopulationIds = "ids";
constexpr const char* kColumnPrefix = "column_";
// Attributes of /checkpoint that are io's own (where the outputs stood), not model state.
constexpr std::string_view kProgressAttributes[] = {"time_days", "timeseries_rows",
                                                    "snapshot_count"};

std::string group_path(std::string_view group) {
    return group.empty() ? std::string(layout::kCheckpointGroup)
                         : fmt::format("{}/{}", layout::kCheckpointGroup, group);
}

// Builds the /checkpoint groups from the model's declaration, borrowing every array.
class CheckpointGroupBuilder {
  public:
    explicit CheckpointGroupBuilder(std::vector<ArrayGroup>& groups) : groups_(&groups) {}

    template <class PopulationT>
    void population(const PopulationT& population) {
        ArrayGroup& group = group_named(population.name());
        group.attributes.push_back({"next_id", population.next_id()});
        group.arrays.push_back({kPopulationIds, population.ids(), {}, ""});
        group.arrays.push_back({"sites", population.sites(), {}, ""});
        using Columns = std::remove_cvref_t<decltype(population.columns())>;
        Columns::for_each_column(
            population.columns(), [&](std::string_view name, const auto& column) {
                using T = typename std::decay_t<decltype(column)>::value_type;
                using S = engine::StoredType<T>;
                static_assert(std::is_same_v<T, S> || std::is_same_v<S, std::uint8_t>,
                              "enum columns must have an 8-bit underlying type to be borrowed");
                // Enum columns are read as their uint8_t underlying type, which aliasing allows.
                const std::span<const S> values(reinterpret_cast<const S*>(column.data()),
                                                column.size());
                group.arrays.push_back({kColumnPrefix + std::string(name), values, {}, ""});
            });
    }
    template <class T>
    void scalar(const engine::StateEntry& entry, const T& value) {
        static_assert(std::is_same_v<T, std::uint64_t> || std::is_same_v<T, double>,
                      "checkpoint scalars are uint64 or double attributes");
        group_named(entry.group).attributes.push_back({std::string(entry.name), value});
    }
    template <class T, std::size_t N>
    void array(const engine::StateEntry& entry, std::span<T, N> values) {
        group_named(entry.group)
            .arrays.push_back({std::string(entry.name),
                               std::span<const std::remove_const_t<T>>(values),
                               {},
                               std::string(entry.unit)});
    }

  private:
    ArrayGroup& group_named(std::string_view group) {
        const std::string path = group_path(group);
        for (ArrayGroup& g : *groups_) {
            if (g.path == path) return g;
        }
        groups_->push_back(ArrayGroup{path, {}, {}});
        return groups_->back();
    }
    std::vector<ArrayGroup>* groups_;
};

// A stored array as state values (every type the model declares; no int32 state exists).
engine::StateValues state_values(const NamedArray& array, std::string_view path,
                                 const fs::path& file) {
    return std::visit(
        [&](const auto& values) -> engine::StateValues {
            using V = std::decay_t<decltype(values)>;
            if constexpr (std::is_constructible_v<engine::StateValues, V> &&
                          !std::is_same_v<V, std::vector<std::int32_t>>) {
                return values;
            } else {
                throw IoError(fmt::format("'{}': /{}/{} has an element type no model state has",
                                          file.string(), path, array.name));
            }
        },
        array.values);
}

engine::SavedArray scalar_of(std::string_view group, const NamedAttribute& attribute,
                             std::string_view path, const fs::path& file) {
    engine::SavedArray saved{std::string(group), attribute.name, "", true, {}};
    if (const auto* u = std::get_if<std::uint64_t>(&attribute.value)) {
        saved.values = std::vector<std::uint64_t>{*u};
    } else if (const auto* d = std::get_if<double>(&attribute.value)) {
        saved.values = std::vector<double>{*d};
    } else {
        throw IoError(
            fmt::format("'{}': attribute {} of /{} is neither an unsigned integer nor "
                        "a real",
                        file.string(), attribute.name, path));
    }
    return saved;
}

}  // namespace

namespace {
CheckpointContents read_checkpoint_groups(const fs::path& file);
}  // namespace

std::vector<ArrayGroup> checkpoint_groups(const agents::MarrowModel& model,
                                          const CheckpointProgress& progress) {
    std::vector<ArrayGroup> groups;
    groups.push_back(ArrayGroup{layout::kCheckpointGroup, {}, {}});
    CheckpointGroupBuilder builder(groups);
    model.visit_state(builder);
    auto& top = groups.front().attributes;
    top.push_back({"time_days", progress.time_days});
    top.push_back({"timeseries_rows", static_cast<std::uint64_t>(progress.timeseries_rows)});
    top.push_back({"snapshot_count", static_cast<std::uint64_t>(progress.snapshot_count)});
    return groups;
}

CheckpointContents read_checkpoint(const fs::path& file) {
    try {
        return read_checkpoint_groups(file);
    } catch (const IoError& error) {
        // Messages about a dataset inside the file name the group; say which file too.
        const std::string message = error.what();
        if (message.find(file.string()) != std::string::npos) throw;
        throw IoError(fmt::format("'{}': {}", file.string(), message));
    }
}

namespace {

CheckpointContents read_checkpoint_groups(const fs::path& file) {
    const ScopedHdf5ErrorSilence silence;
    const Hdf5Handle handle = open_hdf5_file_read_only(file);
    if (!path_exists(handle.get(), layout::kCheckpointGroup, file)) {
        throw IoError(fmt::format("'{}' has no /checkpoint to resume from", file.string()));
    }
    const ArrayGroup top = read_array_group(handle.get(), layout::kCheckpointGroup, file);
    CheckpointContents contents;
    contents.progress.time_days = top.attribute<double>("time_days");
    contents.progress.timeseries_rows = top.attribute<std::uint64_t>("timeseries_rows");
    contents.progress.snapshot_count = top.attribute<std::uint64_t>("snapshot_count");
    contents.step = top.attribute<std::uint64_t>("step");
    engine::SavedState& state = contents.state;
    for (const NamedAttribute& attribute : top.attributes) {
        if (std::find(std::begin(kProgressAttributes), std::end(kProgressAttributes),
                      attribute.name) != std::end(kProgressAttributes)) {
            continue;
        }
        state.arrays.push_back(scalar_of("", attribute, layout::kCheckpointGroup, file));
    }
    for (const std::string& name : list_group(handle.get(), layout::kCheckpointGroup, file)) {
        const std::string path = group_path(name);
        const ArrayGroup group = read_array_group(handle.get(), path, file);
        const bool is_population =
            std::any_of(group.arrays.begin(), group.arrays.end(),
                        [](const NamedArray& a) { return a.name == kPopulationIds; });
        if (is_population) {
            engine::SavedPopulation population;
            population.name = name;
            population.next_id = group.attribute<std::uint64_t>("next_id");
            population.ids = group.array(kPopulationIds).as<std::uint64_t>(path);
            population.sites = group.array("sites").as<engine::SiteIndex>(path);
            for (const NamedArray& array : group.arrays) {
                if (!array.name.starts_with(kColumnPrefix)) continue;
                population.columns.emplace_back(array.name.substr(std::strlen(kColumnPrefix)),
                                                state_values(array, path, file));
            }
            state.populations.push_back(std::move(population));
            continue;
        }
        for (const NamedArray& array : group.arrays) {
            state.arrays.push_back(
                {name, array.name, array.units, false, state_values(array, path, file)});
        }
        for (const NamedAttribute& attribute : group.attributes) {
            if (attribute.name == "units") continue;
            state.arrays.push_back(scalar_of(name, attribute, path, file));
        }
    }
    return contents;
}

}  // namespace

}  // namespace cartsim::io
