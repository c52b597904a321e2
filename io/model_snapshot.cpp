#include "io/model_snapshot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "engine/parallel_for.hpp"
#include "io/hdf5_handle.hpp"
#include "io/hdf5_read.hpp"
#include "io/run_file_writer.hpp"

namespace cartsim::io {
namespace {

using engine::AgentSlot;

// Live slots in id order (ids are unique, so a parallel sort gives the one order); with
// `domain`, only those on its owned sites.
template <class Population>
std::vector<AgentSlot> slots_by_id(const Population& population, const engine::Domain* domain) {
    std::vector<AgentSlot> slots;
    slots.reserve(population.live_count());
    for (AgentSlot slot = 0; slot < population.slot_count(); ++slot) {
        if (population.alive(slot) &&
            (domain == nullptr || domain->owns_site(population.site(slot)))) {
            slots.push_back(slot);
        }
    }
    engine::parallel_sort_unique(slots.begin(), slots.end(), [&](AgentSlot a, AgentSlot b) {
        return population.id(a) < population.id(b);
    });
    return slots;
}

// value_of(slot) for every slot, in parallel chunks.
template <class T, class F>
std::vector<T> gather(const std::vector<AgentSlot>& slots, F&& value_of) {
    std::vector<T> values(slots.size());
    engine::parallel_for_chunks(slots.size(), engine::kSlotChunk,
                                [&](std::size_t begin, std::size_t end) {
                                    for (std::size_t k = begin; k < end; ++k)
                                        values[k] = static_cast<T>(value_of(slots[k]));
                                });
    return values;
}

// x, y, z (um, site centres) and id of the given slots.
template <class Population>
void add_positions(ArrayGroup& group, const Population& population,
                   const std::vector<AgentSlot>& slots, const engine::Lattice& lattice,
                   double site_edge_um) {
    const auto axis = [&](std::int32_t engine::SiteCoord::*member) {
        return gather<float>(slots, [&](AgentSlot slot) {
            const engine::SiteCoord c = lattice.coord_of(population.site(slot));
            return (c.*member + 0.5) * site_edge_um;
        });
    };
    std::vector<float> x = axis(&engine::SiteCoord::x);
    std::vector<float> y = axis(&engine::SiteCoord::y);
    std::vector<float> z = axis(&engine::SiteCoord::z);
    group.arrays.push_back({"x", std::move(x), {}, "um"});
    group.arrays.push_back({"y", std::move(y), {}, "um"});
    group.arrays.push_back({"z", std::move(z), {}, "um"});
    group.arrays.push_back(
        {"id",
         gather<std::uint64_t>(slots, [&](AgentSlot s) { return population.id(s); }),
         {},
         ""});
    group.attributes.push_back({"count", static_cast<std::uint64_t>(slots.size())});
}

std::vector<float> as_float(std::span<const double> values) {
    std::vector<float> out(values.size());
    std::transform(values.begin(), values.end(), out.begin(),
                   [](double v) { return static_cast<float>(v); });
    return out;
}

}  // namespace

std::vector<std::size_t> snapshot_ordinals(const std::filesystem::path& file) {
    const ScopedHdf5ErrorSilence silence;
    const Hdf5Handle handle = open_hdf5_file_read_only(file);
    std::vector<std::size_t> ordinals;
    if (!path_exists(handle.get(), layout::kSnapshotsGroup, file)) return ordinals;
    for (const std::string& name : list_group(handle.get(), layout::kSnapshotsGroup, file)) {
        if (name.size() == 6 && name.find_first_not_of("0123456789") == std::string::npos) {
            ordinals.push_back(std::stoul(name));
        }
    }
    std::sort(ordinals.begin(), ordinals.end());
    return ordinals;
}

std::string snapshot_path(std::size_t ordinal) {
    return fmt::format("snapshots/{:06d}", ordinal);
}

namespace {

// The snapshot groups from what the model shows (MarrowModel::visit_outputs): one group per
// population with its columns' outputs (agents' for_each_output), one group for the fields.
class SnapshotGroupBuilder {
  public:
    SnapshotGroupBuilder(std::string base, const engine::Lattice& lattice, double site_edge_um,
                         const engine::Domain* owned_by, std::vector<ArrayGroup>& groups)
        : base_(std::move(base)),
          lattice_(&lattice),
          site_edge_um_(site_edge_um),
          owned_by_(owned_by),
          groups_(&groups) {}

    template <class PopulationT>
    void population(const PopulationT& population) {
        ArrayGroup group;
        group.path = base_ + "/" + population.name();
        const std::vector<AgentSlot> slots = slots_by_id(population, owned_by_);
        add_positions(group, population, slots, *lattice_, site_edge_um_);
        using Columns = std::remove_cvref_t<decltype(population.columns())>;
        Columns::for_each_output(population.columns(), [&](const agents::OutputColumn& column,
                                                           auto value_of) {
            using T = std::decay_t<decltype(value_of(AgentSlot{}))>;
            group.arrays.push_back({std::string(column.name),
                                    gather<T>(slots, value_of),
                                    {},
                                    std::string(column.unit)});
            if (!column.labels_attribute.empty()) {
                group.attributes.push_back({std::string(column.labels_attribute), column.labels});
            }
        });
        groups_->push_back(std::move(group));
    }
    void field(const agents::CytokineField& cytokine) {
        const engine::DiffusionField& field = cytokine.field();
        if (!fields_index_) {
            const bool flat = lattice_->dimension() == 2;
            groups_->push_back(
                ArrayGroup{base_ + "/fields",
                           {{"cell_edge_um", field.cell_edge_um()},
                            {"cell_depth_um", flat ? field.site_edge_um() : field.cell_edge_um()},
                            {"coarsening", static_cast<std::int32_t>(field.coarsening())}},
                           {}});
            fields_index_ = groups_->size() - 1;
        }
        const std::vector<std::uint64_t> shape = {static_cast<std::uint64_t>(field.gz()),
                                                  static_cast<std::uint64_t>(field.gy()),
                                                  static_cast<std::uint64_t>(field.gx())};
        (*groups_)[*fields_index_].arrays.push_back(
            {cytokine.name(), as_float(field.values()), shape, "pg/mL"});
    }

  private:
    std::string base_;
    const engine::Lattice* lattice_;
    double site_edge_um_;
    const engine::Domain* owned_by_;  // null: every agent
    std::vector<ArrayGroup>* groups_;
    std::optional<std::size_t> fields_index_;  // of the fields group, once made
};

}  // namespace

std::vector<ArrayGroup> snapshot_groups(const agents::MarrowModel& model, std::size_t ordinal,
                                        AgentsShown shown) {
    const std::string base = snapshot_path(ordinal);
    std::vector<ArrayGroup> groups;
    groups.push_back(ArrayGroup{base,
                                {{"step", static_cast<std::uint64_t>(model.current_step())},
                                 {"time_days", model.time_days()}},
                                {}});
    SnapshotGroupBuilder builder(base, model.lattice(), model.parameters().space.site_edge_um,
                                 shown == AgentsShown::owned_sites ? &model.domain() : nullptr,
                                 groups);
    model.visit_outputs(builder);
    return groups;
}

bool holds_agent_rows(const ArrayGroup& group) {
    return std::any_of(group.arrays.begin(), group.arrays.end(),
                       [](const NamedArray& array) { return array.name == "id"; });
}

ArrayGroup snapshot_index_group(const agents::MarrowModel& model, std::size_t count) {
    ArrayGroup group;
    group.path = "snapshots";
    const engine::Lattice& lattice = model.lattice();
    group.attributes = {
        {"count", static_cast<std::uint64_t>(count)},
        {"site_edge_um", model.parameters().space.site_edge_um},
        {"lattice_shape", std::vector<std::int32_t>{lattice.nx(), lattice.ny(), lattice.nz()}}};
    return group;
}

}  // namespace cartsim::io
