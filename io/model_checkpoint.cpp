#include "io/model_checkpoint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "engine/agent_id.hpp"
#include "io/hdf5_handle.hpp"
#include "io/hdf5_read.hpp"
#include "io/run_file_writer.hpp"

namespace cartsim::io {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPopulationIds = kCheckpointIds;
constexpr const char* kIdsIssuedByTile = kCheckpointIdsIssuedByTile;
constexpr const char* kColumnPrefix = "column_";
constexpr const char* kCheckpointFormatAttr = "checkpoint_format";
// Attributes of /checkpoint that are io's own (where the outputs stood, the layout's version),
// not model state.
constexpr std::string_view kIoAttributes[] = {"time_days", "timeseries_rows", "snapshot_count",
                                              kCheckpointFormatAttr};

std::string group_path(std::string_view group) {
    return group.empty() ? std::string(layout::kCheckpointGroup)
                         : fmt::format("{}/{}", layout::kCheckpointGroup, group);
}

// The group of that name among `groups`, added at the end if missing.
ArrayGroup& group_named(std::vector<ArrayGroup>& groups, std::string_view group) {
    const std::string path = group_path(group);
    for (ArrayGroup& g : groups) {
        if (g.path == path) return g;
    }
    groups.push_back(ArrayGroup{path, {}, {}});
    return groups.back();
}

// Stored values, borrowed.
ArrayValues borrowed(const engine::StateValues& values) {
    return std::visit(
        [](const auto& v) -> ArrayValues {
            using T = typename std::decay_t<decltype(v)>::value_type;
            return std::span<const T>(v);
        },
        values);
}

void add_progress(ArrayGroup& top, const CheckpointProgress& progress) {
    top.attributes.push_back({kCheckpointFormatAttr, kCheckpointFormat});
    top.attributes.push_back({"time_days", progress.time_days});
    top.attributes.push_back(
        {"timeseries_rows", static_cast<std::uint64_t>(progress.timeseries_rows)});
    top.attributes.push_back(
        {"snapshot_count", static_cast<std::uint64_t>(progress.snapshot_count)});
}

// Builds the /checkpoint groups from the model's declaration, borrowing every array.
class CheckpointGroupBuilder {
  public:
    explicit CheckpointGroupBuilder(std::vector<ArrayGroup>& groups) : groups_(&groups) {}

    template <class PopulationT>
    void population(const PopulationT& population) {
        if (!population.in_id_order()) {
            throw std::logic_error(population.name() +
                                   ": checkpoint of a population not in id order");
        }
        ArrayGroup& group = group_named(population.name());
        group.arrays.push_back({kPopulationIds, population.ids(), {}, ""});
        group.arrays.push_back({"sites", population.sites(), {}, ""});
        group.arrays.push_back({kIdsIssuedByTile, population.ids_issued_by_tile(), {}, ""});
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
    ArrayGroup& group_named(std::string_view group) { return io::group_named(*groups_, group); }
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
CheckpointContents read_checkpoint_groups(const fs::path& file, CheckpointShare share);
CheckpointHeader read_header(hid_t handle, const fs::path& file, ArrayGroup* top);

// Messages about a dataset inside the file name the group; say which file too.
template <class Read>
auto naming_the_file(const fs::path& file, Read read) {
    try {
        return read();
    } catch (const IoError& error) {
        const std::string message = error.what();
        if (message.find(file.string()) != std::string::npos) throw;
        throw IoError(fmt::format("'{}': {}", file.string(), message));
    }
}
}  // namespace

std::vector<ArrayGroup> checkpoint_groups(agents::MarrowModel& model,
                                          const CheckpointProgress& progress) {
    engine::IdOrderVisitor id_order;
    model.visit_state(id_order);
    std::vector<ArrayGroup> groups;
    groups.push_back(ArrayGroup{layout::kCheckpointGroup, {}, {}});
    CheckpointGroupBuilder builder(groups);
    std::as_const(model).visit_state(builder);
    add_progress(groups.front(), progress);
    return groups;
}

std::vector<ArrayGroup> checkpoint_groups(const engine::SavedState& state,
                                          const CheckpointProgress& progress) {
    std::vector<ArrayGroup> groups;
    groups.push_back(ArrayGroup{layout::kCheckpointGroup, {}, {}});
    for (const engine::SavedPopulation& population : state.populations) {
        ArrayGroup& group = group_named(groups, population.name);
        group.arrays.push_back(
            {kPopulationIds, std::span<const std::uint64_t>(population.ids), {}, ""});
        group.arrays.push_back(
            {"sites", std::span<const engine::SiteIndex>(population.sites), {}, ""});
        group.arrays.push_back({kIdsIssuedByTile,
                                std::span<const std::uint64_t>(population.ids_issued_by_tile),
                                {},
                                ""});
        for (const auto& [name, values] : population.columns) {
            group.arrays.push_back({kColumnPrefix + name, borrowed(values), {}, ""});
        }
    }
    for (const engine::SavedArray& array : state.arrays) {
        ArrayGroup& group = group_named(groups, array.group);
        if (array.scalar) {
            std::visit(
                [&](const auto& values) {
                    using T = typename std::decay_t<decltype(values)>::value_type;
                    if constexpr (std::is_same_v<T, std::uint64_t> || std::is_same_v<T, double>) {
                        group.attributes.push_back({array.name, values.at(0)});
                    } else {
                        throw std::logic_error(array.name +
                                               ": checkpoint scalars are uint64 or double");
                    }
                },
                array.values);
        } else {
            group.arrays.push_back({array.name, borrowed(array.values), {}, array.unit});
        }
    }
    add_progress(groups.front(), progress);
    return groups;
}

CheckpointContents read_checkpoint(const fs::path& file, CheckpointShare share) {
    if (share.count == 0 || share.index >= share.count) {
        throw std::invalid_argument(
            fmt::format("read_checkpoint: share {} of {}", share.index, share.count));
    }
    return naming_the_file(file, [&] { return read_checkpoint_groups(file, share); });
}

CheckpointHeader read_checkpoint_header(const fs::path& file) {
    return naming_the_file(file, [&] {
        const ScopedHdf5ErrorSilence silence;
        const Hdf5Handle handle = open_hdf5_file_read_only(file);
        return read_header(handle.get(), file, nullptr);
    });
}

namespace {

// Checkpoints of another layout are refused by name before anything else is read: a file from
// before checkpoint_format would otherwise fail later on a missing dataset, less clearly.
void check_checkpoint_format(const ArrayGroup& top, const fs::path& file) {
    const auto it =
        std::find_if(top.attributes.begin(), top.attributes.end(),
                     [](const NamedAttribute& a) { return a.name == kCheckpointFormatAttr; });
    if (it == top.attributes.end()) {
        throw IoError(fmt::format(
            "'{}': /{} is of an earlier checkpoint format (agents in storage order, one "
            "next_id per population) that this cartsim cannot resume: the format changed to "
            "live agents in id order with per-tile id counters (checkpoint_format {}), and "
            "every id with it; rerun the scenario with this version",
            file.string(), layout::kCheckpointGroup, kCheckpointFormat));
    }
    const auto* format = std::get_if<std::uint64_t>(&it->value);
    if (format == nullptr || *format != kCheckpointFormat) {
        throw IoError(fmt::format(
            "'{}': /{} has attribute {} {}, this cartsim reads checkpoint format {} only",
            file.string(), layout::kCheckpointGroup, kCheckpointFormatAttr,
            format == nullptr ? std::string("of another type") : std::to_string(*format),
            kCheckpointFormat));
    }
}

// A canonical population lists each live agent once, in id order, with ids of one tag whose
// tile exists and whose sequence that tile has already issued. Checked here, where the file and
// dataset can be named; the population checks its own tag again when restored.
// `first_row`: the row of the file the population's first row is (a share's rows are a slice).
void check_canonical_ids(const engine::SavedPopulation& population, std::string_view path,
                         const fs::path& file, std::uint64_t first_row) {
    const std::vector<std::uint64_t>& issued = population.ids_issued_by_tile;
    if (issued.empty() || issued.size() > (std::uint64_t{1} << 32)) {
        throw IoError(fmt::format("'{}': /{}/{} has {} tiles", file.string(), path,
                                  kIdsIssuedByTile, issued.size()));
    }
    const engine::AgentIdLayout layout(static_cast<std::uint32_t>(issued.size()));
    const std::vector<engine::AgentId>& ids = population.ids;
    for (std::size_t row = 0; row < ids.size(); ++row) {
        const engine::AgentId id = ids[row];
        if (row > 0 && id == ids[row - 1]) {
            throw IoError(fmt::format("'{}': /{}/{}: id {} twice (rows {} and {})", file.string(),
                                      path, kPopulationIds, id, first_row + row - 1,
                                      first_row + row));
        }
        if (row > 0 && id < ids[row - 1]) {
            throw IoError(fmt::format(
                "'{}': /{}/{}: id {} at row {} is not above the one before ({}); a checkpoint "
                "lists each live agent once, in id order",
                file.string(), path, kPopulationIds, id, first_row + row, ids[row - 1]));
        }
        if (engine::AgentIdLayout::tag_of(id) != engine::AgentIdLayout::tag_of(ids.front())) {
            throw IoError(fmt::format("'{}': /{}/{}: id {} at row {} has tag {}, row {} has tag {}",
                                      file.string(), path, kPopulationIds, id, first_row + row,
                                      engine::AgentIdLayout::tag_of(id), first_row,
                                      engine::AgentIdLayout::tag_of(ids.front())));
        }
        const std::uint64_t tile = layout.tile_of(id);
        if (tile >= issued.size() || layout.sequence_of(id) >= issued[tile]) {
            throw IoError(fmt::format(
                "'{}': /{}/{}: id {} at row {} (tile {}, sequence {}) was never issued: /{}/{} "
                "has {} tiles{}",
                file.string(), path, kPopulationIds, id, first_row + row, tile,
                layout.sequence_of(id), path, kIdsIssuedByTile, issued.size(),
                tile < issued.size() ? fmt::format(", tile {} issued {} ids", tile, issued[tile])
                                     : std::string()));
        }
    }
}

CheckpointHeader read_header(hid_t handle, const fs::path& file, ArrayGroup* top_out) {
    if (!path_exists(handle, layout::kCheckpointGroup, file)) {
        throw IoError(fmt::format("'{}' has no /checkpoint to resume from", file.string()));
    }
    ArrayGroup top = read_array_group(handle, layout::kCheckpointGroup, file);
    check_checkpoint_format(top, file);
    CheckpointHeader header;
    header.progress.time_days = top.attribute<double>("time_days");
    header.progress.timeseries_rows = top.attribute<std::uint64_t>("timeseries_rows");
    header.progress.snapshot_count = top.attribute<std::uint64_t>("snapshot_count");
    header.step = top.attribute<std::uint64_t>("step");
    if (top_out != nullptr) *top_out = std::move(top);
    return header;
}

// Rows [n * index / count, n * (index + 1) / count) of n, and the one before them when there is
// one (so that the order of ids is checked across the shares' boundaries too).
RowRange rows_of_share(std::uint64_t n, CheckpointShare share, std::uint64_t* lead) {
    // n * k / count without overflow (count is a number of ranks: remainder * k fits).
    const auto row_at = [&](std::uint64_t k) {
        return n / share.count * k + n % share.count * k / share.count;
    };
    const std::uint64_t begin = row_at(share.index);
    const std::uint64_t end = row_at(share.index + 1);
    *lead = begin > 0 ? 1 : 0;
    return RowRange{begin - *lead, end - begin + *lead, n};
}

// The population's agents of `share`: its rows read, checked and the leading one dropped.
engine::SavedPopulation read_population(hid_t handle, const std::string& name,
                                        CheckpointShare share, const fs::path& file) {
    const std::string path = group_path(name);
    std::optional<RowRange> rows;
    std::uint64_t lead = 0;
    if (share.count > 1) {
        const std::string where = "/" + path + "/" + kPopulationIds;
        const Hdf5Handle ids = open_dataset(handle, where, where, file);
        const std::vector<std::uint64_t> shape = dataset_shape(ids.get(), where, file);
        if (shape.size() != 1) {
            throw IoError(fmt::format("'{}': {} is not a list (rank {})", file.string(), where,
                                      shape.size()));
        }
        rows = rows_of_share(shape[0], share, &lead);
    }
    const std::string_view whole[] = {kIdsIssuedByTile};
    const ArrayGroup group = read_array_group(handle, path, file, rows, whole);
    engine::SavedPopulation population;
    population.name = name;
    population.ids = group.array(kPopulationIds).as<std::uint64_t>(path);
    population.sites = group.array("sites").as<engine::SiteIndex>(path);
    population.ids_issued_by_tile = group.array(kIdsIssuedByTile).as<std::uint64_t>(path);
    check_canonical_ids(population, path, file, rows ? rows->first : 0);
    for (const NamedArray& array : group.arrays) {
        if (!array.name.starts_with(kColumnPrefix)) continue;
        population.columns.emplace_back(array.name.substr(std::strlen(kColumnPrefix)),
                                        state_values(array, path, file));
    }
    if (lead > 0) {
        const auto drop_lead = [&](auto& values) {
            values.erase(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(lead));
        };
        drop_lead(population.ids);
        drop_lead(population.sites);
        for (auto& column : population.columns) std::visit(drop_lead, column.second);
    }
    return population;
}

CheckpointContents read_checkpoint_groups(const fs::path& file, CheckpointShare share) {
    const ScopedHdf5ErrorSilence silence;
    const Hdf5Handle handle = open_hdf5_file_read_only(file);
    ArrayGroup top;
    const CheckpointHeader header = read_header(handle.get(), file, &top);
    CheckpointContents contents;
    contents.progress = header.progress;
    contents.step = header.step;
    engine::SavedState& state = contents.state;
    for (const NamedAttribute& attribute : top.attributes) {
        if (std::find(std::begin(kIoAttributes), std::end(kIoAttributes), attribute.name) !=
            std::end(kIoAttributes)) {
            continue;
        }
        state.arrays.push_back(scalar_of("", attribute, layout::kCheckpointGroup, file));
    }
    for (const std::string& name : list_group(handle.get(), layout::kCheckpointGroup, file)) {
        const std::string path = group_path(name);
        if (path_exists(handle.get(), path + "/" + kPopulationIds, file)) {
            state.populations.push_back(read_population(handle.get(), name, share, file));
            continue;
        }
        const ArrayGroup group = read_array_group(handle.get(), path, file);
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
