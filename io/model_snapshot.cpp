#include "io/model_snapshot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <string>

#include "engine/parallel_for.hpp"
#include "io/hdf5_handle.hpp"
#include "io/hdf5_read.hpp"
#include "io/run_file_writer.hpp"

namespace cartsim::io {
namespace {

using engine::AgentSlot;

// Live slots in id order (ids are unique, so a parallel sort gives the one order).
template <class Population>
std::vector<AgentSlot> slots_by_id(const Population& population) {
    std::vector<AgentSlot> slots;
    slots.reserve(population.live_count());
    for (AgentSlot slot = 0; slot < population.slot_count(); ++slot) {
        if (population.alive(slot)) slots.push_back(slot);
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

std::vector<ArrayGroup> snapshot_groups(const agents::MarrowModel& model, std::size_t ordinal) {
    const std::string base = snapshot_path(ordinal);
    const double site_edge_um = model.parameters().space.site_edge_um;
    std::vector<ArrayGroup> groups(4);

    ArrayGroup& top = groups[0];
    top.path = base;
    top.attributes = {{"step", static_cast<std::uint64_t>(model.current_step())},
                      {"time_days", model.time_days()}};

    ArrayGroup& tissue = groups[1];
    tissue.path = base + "/tissue";
    {
        const auto& population = model.tissue();
        const auto& columns = population.columns();
        const std::vector<AgentSlot> slots = slots_by_id(population);
        add_positions(tissue, population, slots, model.lattice(), site_edge_um);
        tissue.arrays.push_back(
            {"state",
             gather<std::uint8_t>(
                 slots, [&](AgentSlot s) { return static_cast<std::uint8_t>(columns.kind[s]); }),
             {},
             ""});
        tissue.arrays.push_back(
            {"flags",
             gather<std::uint8_t>(slots, [&](AgentSlot s) { return columns.flags[s]; }),
             {},
             ""});
        tissue.arrays.push_back(
            {"cd19",
             gather<float>(slots, [&](AgentSlot s) { return columns.cd19_molecules[s]; }),
             {},
             "molecules/cell"});
        tissue.arrays.push_back(
            {"cd22",
             gather<float>(slots, [&](AgentSlot s) { return columns.cd22_molecules[s]; }),
             {},
             "molecules/cell"});
        tissue.attributes.push_back(
            {"state_labels", std::string("0=blast,1=normal B cell,2=other marrow cell")});
        tissue.attributes.push_back(
            {"flags_labels", std::string("bit0=CD19 epitope lost,bit1=lineage switched")});
    }

    ArrayGroup& car_t = groups[2];
    car_t.path = base + "/car_t";
    {
        const auto& population = model.car_t();
        const auto& columns = population.columns();
        const std::vector<AgentSlot> slots = slots_by_id(population);
        add_positions(car_t, population, slots, model.lattice(), site_edge_um);
        car_t.arrays.push_back(
            {"state",
             gather<std::uint8_t>(
                 slots, [&](AgentSlot s) { return static_cast<std::uint8_t>(columns.state[s]); }),
             {},
             ""});
        car_t.arrays.push_back(
            {"engaged",
             gather<std::uint8_t>(
                 slots,
                 [&](AgentSlot s) { return columns.engaged_site[s] != engine::kNoSite ? 1 : 0; }),
             {},
             ""});
        car_t.arrays.push_back(
            {"kills",
             gather<std::uint16_t>(slots, [&](AgentSlot s) { return columns.kills[s]; }),
             {},
             "cells"});
        car_t.arrays.push_back(
            {"exhaustion",
             gather<float>(slots, [&](AgentSlot s) { return columns.exhaustion[s]; }),
             {},
             ""});
        car_t.arrays.push_back(
            {"car_level",
             gather<float>(slots, [&](AgentSlot s) { return columns.car_level[s]; }),
             {},
             ""});
        car_t.attributes.push_back(
            {"state_labels", std::string("0=resting,1=effector,2=memory,3=exhausted")});
    }

    ArrayGroup& fields = groups[3];
    fields.path = base + "/fields";
    {
        const engine::DiffusionField& ifng = model.cytokines().ifng();
        const engine::DiffusionField& il6 = model.cytokines().il6();
        const std::vector<std::uint64_t> shape = {static_cast<std::uint64_t>(ifng.gz()),
                                                  static_cast<std::uint64_t>(ifng.gy()),
                                                  static_cast<std::uint64_t>(ifng.gx())};
        fields.arrays.push_back({"ifng", as_float(ifng.values()), shape, "pg/mL"});
        fields.arrays.push_back({"il6", as_float(il6.values()), shape, "pg/mL"});
        const bool flat = model.lattice().dimension() == 2;
        fields.attributes = {{"cell_edge_um", ifng.cell_edge_um()},
                             {"cell_depth_um", flat ? ifng.site_edge_um() : ifng.cell_edge_um()},
                             {"coarsening", static_cast<std::int32_t>(ifng.coarsening())}};
    }
    return groups;
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
