#pragma once
// Struct-of-arrays agent population with stable ids, deferred births and deaths, and
// deterministic compaction.

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <concepts>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/occupancy_layer.hpp"
#include "engine/parallel_for.hpp"
#include "engine/reach_check.hpp"
#include "engine/sweep_context.hpp"
#include "engine/tile_buckets.hpp"
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
/// Identity: ids are (tag << 56) | counter, unique across populations and never reused. Slots
/// are storage positions: births append, compaction is stable, and sort_by_tile() reorders by
/// (tile, id) for memory locality. The storage layout is a deterministic function of the run's
/// history; sweeps do not depend on it at all (they visit agents of a tile in id order).
///
/// Births and deaths inside a parallel sweep are deferred: spawn() claims the site at once (it
/// shows as pending) and records the birth under the running tile; kill() frees the site at once
/// and marks the slot dead. commit(), at a sync point, appends births tile by tile in ascending
/// tile order and compacts dead slots when they exceed an eighth of storage.
template <AgentColumns Columns>
class Population {
  public:
    using Row = typename Columns::Row;

    Population(std::string name, std::uint8_t tag, OccupancyLayer& layer, std::uint32_t tile_count)
        : name_(std::move(name)),
          tag_(tag),
          layer_(&layer),
          pending_(tile_count),
          deaths_by_tile_(tile_count, 0) {
        if (tag >= AgentHandle::kMaxTags) {
            throw std::invalid_argument(
                fmt::format("population tag {} >= {}", tag, AgentHandle::kMaxTags));
        }
        next_id_ = static_cast<AgentId>(tag) << 56;
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
    /// The first id the next birth will get (checkpointed so restarts continue the sequence).
    AgentId next_id() const { return next_id_; }
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
        const AgentSlot slot = append(site, row);
        layer_->place(site, handle(slot));
        return slot;
    }

    /// Records a birth at an empty site during a sweep; the agent exists after commit().
    void spawn(const SweepContext& context, SiteIndex site, const Row& row) {
        assert(layer_->is_empty(site));
#if CARTSIM_REACH_CHECKS
        check_rule_effect(context, tag_, name_, RuleEffect::spawn, site);
#endif
        layer_->place(site, AgentHandle::pending());
        pending_[context.tile].push_back({site, row});
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

    /// Sync point: applies births in ascending tile order and compacts dead slots.
    CommitReport commit() {
        CommitReport report;
        for (std::uint32_t tile = 0; tile < deaths_by_tile_.size(); ++tile) {
            report.deaths += deaths_by_tile_[tile];
            deaths_by_tile_[tile] = 0;
        }
        live_ -= report.deaths;
        dead_slots_ += report.deaths;
        if (dead_slots_ > 0 && dead_slots_ * 8 >= site_.size()) {
            compact();
            report.compacted = true;
        }
        for (auto& births : pending_) {
            for (const PendingBirth& birth : births) {
                const AgentSlot slot = append(birth.site, birth.row);
                layer_->reassign(birth.site, handle(slot));
            }
            report.births += births.size();
            births.clear();
        }
        return report;
    }

    /// Removes every dead slot now (stable: relative storage order is kept).
    void compact() {
        if (dead_slots_ == 0) return;
        Columns::for_each_column(
            columns_, [this](std::string_view, auto& column) { compact_column(column); });
        compact_column(id_);
        compact_column(site_);
        for (AgentSlot slot = 0; slot < site_.size(); ++slot) {
            layer_->reassign(site_[slot], handle(slot));
        }
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
        const std::span<const AgentSlot> order = buckets.all();
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
        dead_slots_ = 0;
        ++layout_version_;
    }

    /// Used when restoring a checkpoint.
    void set_next_id(AgentId next) {
        next_id_ = next;
    }

    /// Replaces the whole storage (a checkpoint's): ids, sites (kNoSite for dead slots not yet
    /// compacted), columns, and the next id. Storage order is kept exactly, so a restored run
    /// continues bit for bit. The layer's cells of the old agents are cleared and the new ones
    /// placed. Only between steps (no pending births). Throws std::invalid_argument for
    /// inconsistent input (lengths, ids of another population, sites taken twice or off the layer);
    /// the population is then unusable.
    void restore(std::vector<AgentId> ids, std::vector<SiteIndex> sites, Columns columns,
                 AgentId next_id) {
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
        const AgentId tag_bits = static_cast<AgentId>(tag_) << 56;
        if ((next_id >> 56) != tag_) {
            throw std::invalid_argument(name_ + ": restore() with a next id of another population");
        }
        for (std::size_t slot = 0; slot < n; ++slot) {
            if ((ids[slot] >> 56) != tag_ || ids[slot] >= next_id || ids[slot] < tag_bits) {
                throw std::invalid_argument(fmt::format(
                    "{}: restore() with id {} not of this population", name_, ids[slot]));
            }
            if (sites[slot] != kNoSite && sites[slot] >= layer_->site_count()) {
                throw std::invalid_argument(
                    fmt::format("{}: restore() with site {} off the lattice", name_, sites[slot]));
            }
        }
        {
            std::vector<AgentId> sorted(ids);
            std::sort(sorted.begin(), sorted.end());
            const auto twice = std::adjacent_find(sorted.begin(), sorted.end());
            if (twice != sorted.end()) {
                throw std::invalid_argument(
                    fmt::format("{}: restore() with id {} twice", name_, *twice));
            }
        }
        for (const SiteIndex site : site_) {
            if (site != kNoSite) layer_->clear(site);
        }
        id_ = std::move(ids);
        site_ = std::move(sites);
        columns_ = std::move(columns);
        next_id_ = next_id;
        live_ = 0;
        dead_slots_ = 0;
        for (AgentSlot slot = 0; slot < site_.size(); ++slot) {
            if (site_[slot] == kNoSite) {
                ++dead_slots_;
                continue;
            }
            if (!layer_->is_empty(site_[slot])) {
                throw std::invalid_argument(
                    fmt::format("{}: restore() with two agents on site {}", name_, site_[slot]));
            }
            layer_->place(site_[slot], handle(slot));
            ++live_;
        }
        std::fill(deaths_by_tile_.begin(), deaths_by_tile_.end(), 0);
        ++layout_version_;
    }

  private:
    struct PendingBirth {
        SiteIndex site;
        Row row;
    };

    AgentSlot append(SiteIndex site, const Row& row) {
        if (site_.size() >= AgentHandle::kMaxSlots) {
            throw std::length_error(
                fmt::format("{}: more than {} agents", name_, AgentHandle::kMaxSlots));
        }
        const auto slot = static_cast<AgentSlot>(site_.size());
        id_.push_back(next_id_++);
        site_.push_back(site);
        columns_.push_back(row);
        ++live_;
        return slot;
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
    AgentId next_id_ = 0;
    std::uint64_t layout_version_ = 0;
    std::vector<std::vector<PendingBirth>> pending_;
    std::vector<std::uint32_t> deaths_by_tile_;
};

}  // namespace cartsim::engine
