#pragma once
// Struct-of-arrays agent population with stable ids, deferred births and deaths, and
// deterministic compaction.

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/agent_id.hpp"
#include "engine/occupancy_layer.hpp"
#include "engine/parallel_for.hpp"
#include "engine/reach_check.hpp"
#include "engine/sweep_context.hpp"
#include "engine/tile_buckets.hpp"
#include "engine/tile_grid.hpp"
#include "engine/types.hpp"

namespace cartsim::engine {

/// The model's own per-agent columns (one std::vector per field) and the Row that initialises
/// one agent. The static C::for_each_column(columns, f) calls f(name, vector) for every column
/// in a fixed order (on a const or non-const C); the engine uses it to compact, reserve, hash
/// and write columns without knowing them.
template <class C>
concept AgentColumns = requires(C& columns, const C& const_columns, const typename C::Row& row) {
    typename C::Row;
    columns.push_back(row);
    C::for_each_column(columns, [](std::string_view, auto&) {});
    C::for_each_column(const_columns, [](std::string_view, const auto&) {});
};

/// What the last commit() did.
struct CommitReport {
    std::uint64_t births = 0;
    std::uint64_t deaths = 0;
    bool compacted = false;
};

/// One kind of agent living on one occupancy layer.
///
/// Identity: an id is tag : tile of birth : sequence within that tile (engine/agent_id.hpp),
/// unique across populations and never reused. Each tile counts the ids it has issued: add()
/// numbers an agent in the tile of its site, a birth is numbered in the tile whose rule spawned
/// it, in the order that rule called spawn(). So no id depends on other tiles, on the order
/// tiles are visited or on storage, and any owner of a tile issues the same ids.
///
/// Slots are storage positions: births append, compaction is stable, sort_by_tile() reorders
/// by (tile, id) for memory locality and sort_by_id() into the canonical order a checkpoint
/// writes. The storage layout is a deterministic function of the run's history; sweeps do not
/// depend on it at all (they visit agents of a tile in id order).
///
/// Births and deaths inside a parallel sweep are deferred: spawn() claims the site at once (it
/// shows as pending) and records the birth under the running tile; kill() frees the site at once
/// and marks the slot dead. commit(), at a sync point, numbers and appends births tile by tile
/// and compacts dead slots when they exceed an eighth of storage.
template <AgentColumns Columns>
class Population {
  public:
    using Row = typename Columns::Row;

    /// The tile of a site, for add().
    using TileOfSite = std::function<TileIndex(SiteIndex)>;

    /// A population on a tiled lattice; `grid` must outlive it.
    Population(std::string name, std::uint8_t tag, OccupancyLayer& layer, const TileGrid& grid)
        : Population(std::move(name), tag, layer, grid.tile_count(),
                     [&grid](SiteIndex site) { return grid.tile_of(site); }) {}

    /// A population whose sites lie in `tile_count` tiles given by `tile_of` (by default every
    /// site in tile 0: layers without a lattice, in tests).
    Population(
        std::string name, std::uint8_t tag, OccupancyLayer& layer, std::uint32_t tile_count,
        TileOfSite tile_of = [](SiteIndex) { return TileIndex{0}; })
        : name_(std::move(name)),
          tag_(tag),
          layer_(&layer),
          id_layout_(tile_count),
          ids_issued_by_tile_(tile_count, 0),
          tile_of_(std::move(tile_of)),
          pending_(tile_count),
          deaths_by_tile_(tile_count, 0),
          touched_by_tile_(tile_count, 0) {
        if (tag >= AgentHandle::kMaxTags) {
            throw std::invalid_argument(
                fmt::format("population tag {} >= {}", tag, AgentHandle::kMaxTags));
        }
    }

    const std::string& name() const { return name_; }
    std::uint8_t tag() const { return tag_; }
    OccupancyLayer& layer() { return *layer_; }
    const OccupancyLayer& layer() const { return *layer_; }

    /// Storage size including dead slots not yet compacted.
    std::size_t slot_count() const { return site_.size(); }
    std::size_t live_count() const { return live_; }
    bool alive(AgentSlot slot) const { return site_[slot] != kNoSite; }
    AgentId id(AgentSlot slot) const { return id_[slot]; }
    SiteIndex site(AgentSlot slot) const { return site_[slot]; }
    std::span<const AgentId> ids() const { return id_; }
    std::span<const SiteIndex> sites() const { return site_; }
    Columns& columns() { return columns_; }
    const Columns& columns() const { return columns_; }
    AgentHandle handle(AgentSlot slot) const { return {tag_, slot}; }
    const AgentIdLayout& id_layout() const { return id_layout_; }
    /// How many ids each tile has issued: the next id a tile issues has this sequence
    /// (checkpointed so that restarts continue every tile's sequence).
    std::span<const std::uint64_t> ids_issued_by_tile() const { return ids_issued_by_tile_; }
    /// Changes whenever slots are renumbered (compaction, sort_by_tile, restore): whoever keeps
    /// slots across commits rebuilds them then. Births and add() only append slots.
    std::uint64_t layout_version() const { return layout_version_; }

    void reserve(std::size_t n) {
        id_.reserve(n);
        site_.reserve(n);
        Columns::for_each_column(columns_,
                                 [n](std::string_view, auto& column) { column.reserve(n); });
    }

    /// Adds an agent now. Only for sequential code (initial conditions, infusion between
    /// sweeps); inside a sweep use spawn(). Throws if the site is taken.
    AgentSlot add(SiteIndex site, const Row& row) {
        if (!layer_->is_empty(site)) {
            throw std::logic_error(fmt::format("{}: site {} is already occupied", name_, site));
        }
        const TileIndex tile = tile_of_(site);
        if (tile >= ids_issued_by_tile_.size()) {
            throw std::logic_error(fmt::format("{}: site {} is in tile {} of {}", name_, site, tile,
                                               ids_issued_by_tile_.size()));
        }
        const AgentSlot slot = append(site, row, issue_id(tile));
        layer_->place(site, handle(slot));
        if (share_births_) births_to_share_.push_back(site);
        return slot;
    }

    /// Issues the id an agent added at `site` now would get, without adding one: a rank that
    /// builds only its part of a starting state every rank builds alike skips the agents of
    /// the tiles it does not hold, and its agents keep the ids of the whole build.
    void issue_id_without_agent(SiteIndex site) {
        const TileIndex tile = tile_of_(site);
        if (tile >= ids_issued_by_tile_.size()) {
            throw std::logic_error(fmt::format("{}: site {} is in tile {} of {}", name_, site, tile,
                                               ids_issued_by_tile_.size()));
        }
        static_cast<void>(issue_id(tile));
    }

    /// Records a birth at an empty site during a sweep; the agent exists after commit().
    void spawn(const SweepContext& context, SiteIndex site, const Row& row) {
        assert(layer_->is_empty(site));
#if CARTSIM_REACH_CHECKS
        check_rule_effect(context, tag_, name_, RuleEffect::spawn, site);
#endif
        layer_->place(site, AgentHandle::pending());
        pending_[context.tile].push_back({site, row});
        touched_by_tile_[context.tile] = 1;
    }

    /// Removes an agent from the lattice now; its slot is reclaimed at a later commit().
    void kill(const SweepContext& context, AgentSlot slot) {
        assert(alive(slot));
#if CARTSIM_REACH_CHECKS
        check_rule_effect(context, tag_, name_, RuleEffect::kill, site_[slot]);
#endif
        layer_->clear(site_[slot]);
        site_[slot] = kNoSite;
        ++deaths_by_tile_[context.tile];
        touched_by_tile_[context.tile] = 1;
    }

    /// Moves an agent to an empty site of its layer, from a rule inside a sweep.
    void move(const SweepContext& context, AgentSlot slot, SiteIndex to) {
#if CARTSIM_REACH_CHECKS
        check_rule_effect(context, tag_, name_, RuleEffect::move, site_[slot]);
        check_rule_effect(context, tag_, name_, RuleEffect::move, to);
#else
        static_cast<void>(context);
#endif
        move(slot, to);
    }
    /// Moves an agent to an empty site of its layer (sequential code only).
    void move(AgentSlot slot, SiteIndex to) {
        layer_->move(site_[slot], to);
        site_[slot] = to;
    }

    /// Sync point: compacts dead slots, then numbers each tile's births in the order its rule
    /// spawned them and appends them (tiles in ascending order, which only storage sees).
    /// Only the tiles whose rules killed or spawned since the last commit are visited, so a
    /// step with few agents does not walk every tile's lists.
    CommitReport commit() {
        CommitReport report;
        for_each_touched_tile([&](TileIndex tile) {
            report.deaths += deaths_by_tile_[tile];
            deaths_by_tile_[tile] = 0;
        });
        live_ -= report.deaths;
        dead_slots_ += report.deaths;
        if (dead_slots_ > 0 && dead_slots_ * 8 >= site_.size()) {
            compact();
            report.compacted = true;
        }
        for_each_touched_tile([&](TileIndex tile) {
            auto& births = pending_[tile];
            for (const PendingBirth& birth : births) {
                const AgentSlot slot = append(birth.site, birth.row, issue_id(tile));
                layer_->reassign(birth.site, handle(slot));
                if (share_births_) births_to_share_.push_back(birth.site);
            }
            report.births += births.size();
            births.clear();
            touched_by_tile_[tile] = 0;
        });
        return report;
    }

    /// The site of every agent committed or added since the last take_births_to_share(),
    /// while share_births(true) is on: an exchange between ranks sends these new agents to the
    /// other ranks that hold their sites (engine/virtual_ranks.hpp), so with several ranks
    /// sequential code adds agents only on the rank that owns the site's tile (e.g. blood
    /// entrants at a vessel). Off by default (costs nothing).
    void share_births(bool on) {
        share_births_ = on;
    }
    std::vector<SiteIndex> take_births_to_share() {
        return std::exchange(births_to_share_, {});
    }

    // --- Copies of agents between ranks (engine/site_records.hpp). The caller keeps the layer
    // --- consistent: these set this population's own slot and layer cell only.

    /// Appends a copy of `from`'s agent at `from_slot` (same id and columns) at `site`,
    /// overwriting the layer cell: an agent another rank owns or now hands over. No id is issued.
    AgentSlot adopt(const Population& from, AgentSlot from_slot, SiteIndex site) {
        const AgentSlot slot = append(site, Row{}, from.id_[from_slot]);
        copy_columns(from, from_slot, slot);
        layer_->reassign(site, handle(slot));
        return slot;
    }
    /// Makes the agent at `slot` (the same id as `from_slot`) equal to `from`'s copy, at `site`.
    void overwrite(AgentSlot slot, const Population& from, AgentSlot from_slot, SiteIndex site) {
        assert(id_[slot] == from.id_[from_slot]);
        site_[slot] = site;
        copy_columns(from, from_slot, slot);
        layer_->reassign(site, handle(slot));
    }
    /// Bytes of one agent's model columns as write_record() writes them (every column's
    /// element, in for_each_column order, unpadded): the agent part of a site record that
    /// travels between ranks (engine/site_records.hpp).
    static std::size_t record_bytes() {
        static const Columns kNone{};
        std::size_t bytes = 0;
        Columns::for_each_column(kNone, [&](std::string_view, const auto& column) {
            bytes += sizeof(typename std::remove_cvref_t<decltype(column)>::value_type);
        });
        return bytes;
    }
    /// Writes the columns of the agent at `slot` to `out` (record_bytes() bytes).
    void write_record(AgentSlot slot, std::byte* out) const {
        Columns::for_each_column(columns_, [&](std::string_view, const auto& column) {
            const auto value = column[slot];
            std::memcpy(out, &value, sizeof(value));
            out += sizeof(value);
        });
    }
    /// Appends an agent with id `id` at `site` whose columns are the record `in` (from
    /// write_record on another rank's copy), overwriting the layer cell.
    AgentSlot adopt_record(AgentId id, const std::byte* in, SiteIndex site) {
        const AgentSlot slot = append(site, Row{}, id);
        read_record(slot, in);
        layer_->reassign(site, handle(slot));
        return slot;
    }
    /// Makes the agent at `slot` equal to the record `in`, at `site`.
    void overwrite_record(AgentSlot slot, const std::byte* in, SiteIndex site) {
        site_[slot] = site;
        read_record(slot, in);
        layer_->reassign(site, handle(slot));
    }

    /// Drops the agent at `slot` without counting a death (it died on, or left for, another
    /// rank, which counts it). Leaves the layer alone.
    void forget(AgentSlot slot) {
        assert(alive(slot));
        site_[slot] = kNoSite;
        --live_;
        ++dead_slots_;
    }

    /// Removes every dead slot now (stable: relative storage order is kept).
    void compact() {
        if (dead_slots_ == 0) return;
        // In place (a gather into new columns, as sort_by_tile does, cost twice as much in
        // fresh pages), the columns side by side: each is one sequential pass, and they are
        // independent. The sites go last: they tell which slots are dead.
        std::vector<std::function<void()>> passes;
        Columns::for_each_column(columns_, [&](std::string_view, auto& column) {
            passes.emplace_back([this, &column] { compact_column(column); });
        });
        passes.emplace_back([this] { compact_column(id_); });
        parallel_for_index(passes.size(), [&](std::size_t i) { passes[i](); });
        compact_column(site_);
        parallel_for_chunks(site_.size(), kSlotChunk, [&](std::size_t begin, std::size_t end) {
            for (std::size_t slot = begin; slot < end; ++slot) {
                layer_->reassign(site_[slot], handle(static_cast<AgentSlot>(slot)));
            }
        });
        dead_slots_ = 0;
        ++layout_version_;
    }

    /// Reorders storage by (tile of site, id) and drops dead slots, so agents that are close
    /// on the lattice are close in memory. A pure layout change: sweeps visit each tile's
    /// agents in id order whatever the storage order, so results do not depend on when (or
    /// whether) this runs. `tile_of(site)` gives the tile of a site.
    template <class TileOf>
    void sort_by_tile(std::uint32_t tile_count, TileOf&& tile_of) {
        // The sweeps' canonical order (engine/tile_buckets.hpp), then every column gathered
        // into it in parallel chunks.
        TileBuckets buckets;
        buckets.build(tile_count, site_, id_, tile_of);
        reorder(buckets.all());
    }

    /// Live slots in id order (ids are unique, so a parallel sort gives the one order).
    std::vector<AgentSlot> live_slots_by_id() const {
        std::vector<AgentSlot> slots;
        slots.reserve(live_);
        for (AgentSlot slot = 0; slot < site_.size(); ++slot) {
            if (site_[slot] != kNoSite) slots.push_back(slot);
        }
        if (!std::is_sorted(slots.begin(), slots.end(),
                            [this](AgentSlot a, AgentSlot b) { return id_[a] < id_[b]; })) {
            parallel_sort_unique(slots.begin(), slots.end(),
                                 [this](AgentSlot a, AgentSlot b) { return id_[a] < id_[b]; });
        }
        return slots;
    }

    /// True when storage holds live agents only, in id order: the canonical layout that a
    /// checkpoint writes and restore() rebuilds.
    bool in_id_order() const {
        return dead_slots_ == 0 && std::is_sorted(id_.begin(), id_.end());
    }

    /// Reorders storage by id and drops dead slots (a pure layout change, like sort_by_tile()):
    /// afterwards the storage is the canonical one, whatever its history.
    void sort_by_id() {
        if (in_id_order()) return;
        reorder(live_slots_by_id());
    }

    /// Replaces the whole storage: live agents (ids, sites, columns, in any order) and how many
    /// ids each tile has issued. Storage is rebuilt in id order, so what the population does
    /// next depends only on these values, never on the storage of the run that saved them. The
    /// layer's cells of the old agents are cleared and the new ones placed. Only between steps
    /// (no pending births). Throws std::invalid_argument for inconsistent input (lengths, a
    /// counter per tile, ids of another population or tile, ids not yet issued by their tile,
    /// ids twice, sites taken twice or off the layer); the population is then unusable.
    void restore(std::vector<AgentId> ids, std::vector<SiteIndex> sites, Columns columns,
                 std::vector<std::uint64_t> ids_issued_by_tile) {
        for (const auto& births : pending_) {
            if (!births.empty()) throw std::logic_error(name_ + ": restore() with pending births");
        }
        const std::size_t n = ids.size();
        bool lengths_match = sites.size() == n;
        Columns::for_each_column(std::as_const(columns), [&](std::string_view, const auto& c) {
            lengths_match = lengths_match && c.size() == n;
        });
        if (!lengths_match) {
            throw std::invalid_argument(name_ + ": restore() with columns of unequal length");
        }
        if (n > AgentHandle::kMaxSlots) {
            throw std::invalid_argument(fmt::format("{}: more than {} agents", name_, n));
        }
        if (ids_issued_by_tile.size() != ids_issued_by_tile_.size()) {
            throw std::invalid_argument(
                fmt::format("{}: restore() with id counters of {} tiles, this lattice has {}",
                            name_, ids_issued_by_tile.size(), ids_issued_by_tile_.size()));
        }
        for (std::size_t tile = 0; tile < ids_issued_by_tile.size(); ++tile) {
            if (ids_issued_by_tile[tile] > id_layout_.sequence_limit()) {
                throw std::invalid_argument(fmt::format(
                    "{}: restore() with {} ids issued by tile {}, more than its {} sequence bits "
                    "can number",
                    name_, ids_issued_by_tile[tile], tile, id_layout_.sequence_bits()));
            }
        }
        for (std::size_t k = 0; k < n; ++k) {
            const AgentId id = ids[k];
            const std::uint64_t tile = id_layout_.tile_of(id);
            if (AgentIdLayout::tag_of(id) != tag_ || tile >= ids_issued_by_tile.size()) {
                throw std::invalid_argument(fmt::format(
                    "{}: restore() with id {} not of this population and lattice", name_, id));
            }
            if (id_layout_.sequence_of(id) >= ids_issued_by_tile[tile]) {
                throw std::invalid_argument(fmt::format(
                    "{}: restore() with id {} (tile {}, sequence {}) not yet issued: "
                    "tile {} has issued {}",
                    name_, id, tile, id_layout_.sequence_of(id), tile, ids_issued_by_tile[tile]));
            }
            if (sites[k] >= layer_->site_count()) {
                throw std::invalid_argument(
                    fmt::format("{}: restore() with site {} off the lattice", name_, sites[k]));
            }
        }
        if (!std::is_sorted(ids.begin(), ids.end())) {
            std::vector<AgentId> sorted(ids);
            std::sort(sorted.begin(), sorted.end());
            const auto twice = std::adjacent_find(sorted.begin(), sorted.end());
            if (twice != sorted.end()) {
                throw std::invalid_argument(
                    fmt::format("{}: restore() with id {} twice", name_, *twice));
            }
        } else if (const auto twice = std::adjacent_find(ids.begin(), ids.end());
                   twice != ids.end()) {
            throw std::invalid_argument(
                fmt::format("{}: restore() with id {} twice", name_, *twice));
        }
        for (const SiteIndex site : site_) {
            if (site != kNoSite) layer_->clear(site);
        }
        id_ = std::move(ids);
        site_ = std::move(sites);
        columns_ = std::move(columns);
        ids_issued_by_tile_ = std::move(ids_issued_by_tile);
        live_ = site_.size();
        dead_slots_ = 0;
        for (AgentSlot slot = 0; slot < site_.size(); ++slot) {
            if (!layer_->is_empty(site_[slot])) {
                throw std::invalid_argument(
                    fmt::format("{}: restore() with two agents on site {}", name_, site_[slot]));
            }
            layer_->place(site_[slot], handle(slot));
        }
        std::fill(deaths_by_tile_.begin(), deaths_by_tile_.end(), 0);
        std::fill(touched_by_tile_.begin(), touched_by_tile_.end(), 0);
        ++layout_version_;
        sort_by_id();
    }

  private:
    /// visit(tile) for every tile with a death or birth since the last commit, ascending (births
    /// are appended in tile order). Eight flags are tested at a time: most are 0.
    template <class Visit>
    void for_each_touched_tile(Visit&& visit) {
        const std::size_t tiles = touched_by_tile_.size();
        const std::uint8_t* flags = touched_by_tile_.data();
        std::size_t tile = 0;
        for (; tile + 8 <= tiles; tile += 8) {
            std::uint64_t eight = 0;
            std::memcpy(&eight, flags + tile, sizeof eight);
            if (eight == 0) continue;
            for (std::size_t k = tile; k < tile + 8; ++k) {
                if (flags[k] != 0) visit(static_cast<TileIndex>(k));
            }
        }
        for (; tile < tiles; ++tile) {
            if (flags[tile] != 0) visit(static_cast<TileIndex>(tile));
        }
    }

    struct PendingBirth {
        SiteIndex site;
        Row row;
    };

    // Storage becomes the given slots in the given order (every live slot at most once); dead
    // slots not listed are dropped. Every column is gathered in parallel chunks.
    void reorder(std::span<const AgentSlot> order) {
        const std::size_t kept = order.size();
        auto gather = [&](auto& column) {
            using Column = std::remove_reference_t<decltype(column)>;
            Column sorted;
            sorted.reserve(std::max(column.capacity(), kept));
            sorted.resize(kept);
            parallel_for_chunks(kept, kSlotChunk, [&](std::size_t begin, std::size_t end) {
                for (std::size_t k = begin; k < end; ++k) sorted[k] = column[order[k]];
            });
            column.swap(sorted);
        };
        Columns::for_each_column(columns_, [&](std::string_view, auto& column) { gather(column); });
        gather(id_);
        gather(site_);
        parallel_for_chunks(kept, kSlotChunk, [&](std::size_t begin, std::size_t end) {
            for (std::size_t k = begin; k < end; ++k) {
                layer_->reassign(site_[k], handle(static_cast<AgentSlot>(k)));
            }
        });
        live_ = kept;
        dead_slots_ = 0;
        ++layout_version_;
    }

    // The next id of `tile`; refuses to go past the last sequence rather than reuse an id.
    AgentId issue_id(TileIndex tile) {
        std::uint64_t& issued = ids_issued_by_tile_[tile];
        if (issued >= id_layout_.sequence_limit()) {
            throw std::length_error(fmt::format(
                "{}: tile {} has issued all {} ids its {} sequence bits can number ({} tiles "
                "take {} bits of the 56 below the tag, engine/agent_id.hpp); use larger tiles "
                "or a shorter run",
                name_, tile, id_layout_.sequence_limit(), id_layout_.sequence_bits(),
                id_layout_.tile_count(), id_layout_.tile_bits()));
        }
        return id_layout_.make(tag_, tile, issued++);
    }

    AgentSlot append(SiteIndex site, const Row& row, AgentId id) {
        if (site_.size() >= AgentHandle::kMaxSlots) {
            throw std::length_error(
                fmt::format("{}: more than {} agents", name_, AgentHandle::kMaxSlots));
        }
        const auto slot = static_cast<AgentSlot>(site_.size());
        id_.push_back(id);
        site_.push_back(site);
        columns_.push_back(row);
        ++live_;
        return slot;
    }

    void read_record(AgentSlot slot, const std::byte* in) {
        Columns::for_each_column(columns_, [&](std::string_view, auto& column) {
            typename std::remove_cvref_t<decltype(column)>::value_type value;
            std::memcpy(&value, in, sizeof(value));
            column[slot] = value;
            in += sizeof(value);
        });
    }

    // Column by column (for_each_column visits them in one fixed order), slot to slot.
    void copy_columns(const Population& from, AgentSlot from_slot, AgentSlot to_slot) {
        std::size_t to_index = 0;
        Columns::for_each_column(columns_, [&](std::string_view, auto& to) {
            std::size_t from_index = 0;
            Columns::for_each_column(from.columns_, [&](std::string_view, const auto& source) {
                if constexpr (std::is_same_v<std::remove_cvref_t<decltype(to)>,
                                             std::remove_cvref_t<decltype(source)>>) {
                    if (from_index == to_index) to[to_slot] = source[from_slot];
                }
                ++from_index;
            });
            ++to_index;
        });
    }

    template <class Column>
    void compact_column(Column& column) {
        std::size_t kept = 0;
        for (std::size_t slot = 0; slot < site_.size(); ++slot) {
            if (site_[slot] == kNoSite) continue;
            if (kept != slot) column[kept] = column[slot];
            ++kept;
        }
        column.resize(kept);
    }

    std::string name_;
    std::uint8_t tag_;
    OccupancyLayer* layer_;
    std::vector<AgentId> id_;
    std::vector<SiteIndex> site_;
    Columns columns_;
    std::size_t live_ = 0;
    std::size_t dead_slots_ = 0;
    AgentIdLayout id_layout_;
    std::vector<std::uint64_t> ids_issued_by_tile_;
    TileOfSite tile_of_;
    std::uint64_t layout_version_ = 0;
    std::vector<std::vector<PendingBirth>> pending_;
    std::vector<std::uint32_t> deaths_by_tile_;
    // 1 where deaths_by_tile_ or pending_ has something: a byte per tile, so rules of different
    // tiles running on different threads write different memory locations.
    std::vector<std::uint8_t> touched_by_tile_;
    bool share_births_ = false;
    std::vector<SiteIndex> births_to_share_;
};

}  // namespace cartsim::engine
