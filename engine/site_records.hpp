#pragma once
// What one rank's model state shows of a lattice site, for the exchange between ranks: per
// occupancy layer, empty, a pending birth, or an agent (global id and row).

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "engine/domain.hpp"
#include "engine/occupancy_layer.hpp"
#include "engine/population.hpp"
#include "engine/types.hpp"

namespace cartsim::engine {

/// What an exchange counted, to show that agents really cross box borders.
struct ExchangeCounts {
    /// Agents received into a rank's owned tiles from another rank (moved across a border).
    std::uint64_t handed_over = 0;
    /// Newborns received by the owner of their site from the rank that committed them.
    std::uint64_t births_handed_over = 0;
    /// Site records copied (per layer).
    std::uint64_t sites_copied = 0;
};

namespace detail {

// One population as the exchange sees it, whatever its columns.
class PopulationRecords {
  public:
    virtual ~PopulationRecords() = default;
    virtual AgentId id(AgentSlot slot) const = 0;
    virtual SiteIndex site(AgentSlot slot) const = 0;
    virtual bool alive(AgentSlot slot) const = 0;
    virtual std::size_t slot_count() const = 0;
    /// Bytes of one agent's record (its model columns).
    virtual std::size_t record_bytes() const = 0;
    virtual void write_record(AgentSlot slot, std::byte* out) const = 0;
    virtual void adopt_record(AgentId id, const std::byte* in, SiteIndex site) = 0;
    virtual void overwrite_record(AgentSlot slot, const std::byte* in, SiteIndex site) = 0;
    virtual void forget(AgentSlot slot) = 0;
    virtual std::vector<SiteIndex> take_births_to_share() = 0;
};

template <class PopulationT>
class PopulationRecordsOf final : public PopulationRecords {
  public:
    explicit PopulationRecordsOf(PopulationT& population)
        : population_(&population), record_bytes_(PopulationT::record_bytes()) {
        population.share_births(true);
    }
    AgentId id(AgentSlot slot) const override { return population_->id(slot); }
    SiteIndex site(AgentSlot slot) const override { return population_->site(slot); }
    bool alive(AgentSlot slot) const override { return population_->alive(slot); }
    std::size_t slot_count() const override { return population_->slot_count(); }
    std::size_t record_bytes() const override { return record_bytes_; }
    void write_record(AgentSlot slot, std::byte* out) const override {
        population_->write_record(slot, out);
    }
    void adopt_record(AgentId id, const std::byte* in, SiteIndex site) override {
        population_->adopt_record(id, in, site);
    }
    void overwrite_record(AgentSlot slot, const std::byte* in, SiteIndex site) override {
        population_->overwrite_record(slot, in, site);
    }
    void forget(AgentSlot slot) override { population_->forget(slot); }
    std::vector<SiteIndex> take_births_to_share() override {
        return population_->take_births_to_share();
    }

  private:
    PopulationT* population_;
    std::size_t record_bytes_;
};

}  // namespace detail

/// The layers and populations of one rank's model state, registered by the model once (every
/// rank's state registers the same layers in the same order). A site record is, per layer,
/// the handle's kind and, for an agent, its population's id and row: never a storage slot, so
/// the receiving rank stores the agent wherever it likes.
class SiteRecords {
  public:
    /// One occupancy layer and the populations on it (one per tag).
    template <class... PopulationT>
    void add_layer(OccupancyLayer& layer, PopulationT&... populations) {
        Layer entry;
        entry.layer = &layer;
        (add_population(entry, populations), ...);
        layers_.push_back(std::move(entry));
    }
    std::size_t layer_count() const { return layers_.size(); }

    /// Makes `sites` of every layer of this state equal to `from`'s, reconciling agents by id:
    /// an agent this state has at one of the sites keeps its slot (moved and updated, so a
    /// sweep that bucketed it still runs it), an agent new here is appended, an agent that is
    /// no longer on any of the sites (killed, or gone beyond this state's sites) is forgotten.
    /// Only valid when `from` is the one state that may have written these sites since they
    /// were last made equal (same-color footprints are disjoint, engine/tile_grid.hpp).
    /// The records travel as bytes (encode_sites, then apply_sites), as they do between
    /// processes.
    ExchangeCounts copy_sites_from(const SiteRecords& from, std::span<const SiteIndex> sites,
                                   const Domain& here) {
        std::vector<std::byte> bytes;
        from.encode_sites(sites, bytes);
        std::span<const std::byte> in(bytes);
        const ExchangeCounts counts = apply_sites(in, sites, here);
        if (!in.empty()) throw_malformed("bytes left over after the records of every site");
        return counts;
    }

    /// Appends the records of `sites` on every layer to `out`: per layer and site, a kind byte
    /// (empty, pending birth, agent) and for an agent its population tag, global id and model
    /// columns (never a storage slot: the receiver stores the agent wherever it likes).
    void encode_sites(std::span<const SiteIndex> sites, std::vector<std::byte>& out) const {
        for (std::size_t l = 0; l < layers_.size(); ++l) encode_layer_sites(l, sites, out);
    }
    /// The same for one layer.
    void encode_layer_sites(std::size_t layer, std::span<const SiteIndex> sites,
                            std::vector<std::byte>& out) const {
        const Layer& from = layers_[layer];
        for (const SiteIndex site : sites) {
            const AgentHandle handle = from.layer->at(site);
            if (handle.is_empty()) {
                out.push_back(std::byte{kEmpty});
                continue;
            }
            if (handle.is_pending()) {
                out.push_back(std::byte{kPending});
                continue;
            }
            const detail::PopulationRecords& source = *from.by_tag[handle.tag()];
            out.push_back(std::byte{kAgent});
            out.push_back(static_cast<std::byte>(handle.tag()));
            const AgentId id = source.id(handle.slot());
            const std::size_t at = out.size();
            out.resize(at + sizeof(id) + source.record_bytes());
            std::memcpy(out.data() + at, &id, sizeof(id));
            source.write_record(handle.slot(), out.data() + at + sizeof(id));
        }
    }

    /// Makes `sites` of every layer equal to the records at the front of `in` (encode_sites of
    /// the same sites by the one state that may have written them), as copy_sites_from does,
    /// and drops the bytes it read from `in`. Throws std::runtime_error on records that do not
    /// fit this state (truncated, unknown kind or tag).
    ExchangeCounts apply_sites(std::span<const std::byte>& in, std::span<const SiteIndex> sites,
                               const Domain& here) {
        ExchangeCounts counts;
        for (std::size_t l = 0; l < layers_.size(); ++l) {
            counts.handed_over += apply_layer_sites(l, in, sites, here);
        }
        counts.sites_copied = sites.size() * layers_.size();
        return counts;
    }

    /// Newborns committed here since the last call, as (layer, sites), for every layer.
    std::vector<std::vector<SiteIndex>> take_births_to_share() {
        std::vector<std::vector<SiteIndex>> births(layers_.size());
        for (std::size_t l = 0; l < layers_.size(); ++l) {
            for (auto& population : layers_[l].by_tag) {
                if (population == nullptr) continue;
                auto sites = population->take_births_to_share();
                births[l].insert(births[l].end(), sites.begin(), sites.end());
            }
        }
        return births;
    }
    /// Copies `sites` of one layer only (newborns).
    std::uint64_t copy_layer_sites_from(const SiteRecords& from, std::size_t layer,
                                        std::span<const SiteIndex> sites, const Domain& here) {
        std::vector<std::byte> bytes;
        from.encode_layer_sites(layer, sites, bytes);
        std::span<const std::byte> in(bytes);
        const std::uint64_t handed_over = apply_layer_sites(layer, in, sites, here);
        if (!in.empty()) throw_malformed("bytes left over after the records of every site");
        return handed_over;
    }

    /// apply_sites for one layer; returns how many agents `here` received into its owned tiles
    /// from another owner (a move across the border, or a newborn); each crossing is counted
    /// once, by its new owner.
    std::uint64_t apply_layer_sites(std::size_t layer, std::span<const std::byte>& in,
                                    std::span<const SiteIndex> sites, const Domain& here) {
        Layer& to = layers_[layer];
        // First each site's record as sent. A site whose occupant is unchanged (the same agent,
        // or still empty, or still pending: most sites of a footprint) is updated in place;
        // only the others need reconciling by id. The reconciliation below therefore sees the
        // same adoptions and losses, in the same order, as if every site went through it.
        struct Changed {
            SiteIndex site;
            std::byte kind;
            std::uint8_t tag;
            AgentId id;
            const std::byte* record;
        };
        std::vector<Changed> changed;
        for (const SiteIndex site : sites) {
            Changed next{site, take(in, 1).front(), 0, 0, nullptr};
            const AgentHandle local = to.layer->at(site);
            if (next.kind == std::byte{kEmpty}) {
                if (!local.is_empty()) changed.push_back(next);
                continue;
            }
            if (next.kind == std::byte{kPending}) {
                if (!local.is_pending()) changed.push_back(next);
                continue;
            }
            if (next.kind != std::byte{kAgent}) throw_malformed("unknown site record kind");
            next.tag = static_cast<std::uint8_t>(take(in, 1).front());
            if (next.tag >= to.by_tag.size() || to.by_tag[next.tag] == nullptr) {
                throw_malformed(fmt::format("no population with tag {} on this layer", next.tag));
            }
            detail::PopulationRecords& target = *to.by_tag[next.tag];
            std::memcpy(&next.id, take(in, sizeof(next.id)).data(), sizeof(next.id));
            next.record = take(in, target.record_bytes()).data();
            if (local.is_agent() && local.tag() == next.tag && target.id(local.slot()) == next.id) {
                target.overwrite_record(local.slot(), next.record, site);  // stayed put
                continue;
            }
            changed.push_back(next);
        }
        struct Local {
            AgentId id;
            std::uint8_t tag;
            AgentSlot slot;
            bool kept;
        };
        // The agents this state has on the changed sites, by id, then those sites emptied.
        std::vector<Local> local;
        for (const Changed& c : changed) {
            const AgentHandle handle = to.layer->at(c.site);
            if (handle.is_agent()) {
                local.push_back({to.by_tag[handle.tag()]->id(handle.slot()), handle.tag(),
                                 handle.slot(), false});
            }
            to.layer->clear(c.site);
        }
        std::sort(local.begin(), local.end(),
                  [](const Local& a, const Local& b) { return a.id < b.id; });
        const TileGrid& grid = here.grid();
        std::uint64_t handed_over = 0;
        for (const Changed& c : changed) {
            if (c.kind == std::byte{kEmpty}) continue;
            if (c.kind == std::byte{kPending}) {
                to.layer->reassign(c.site, AgentHandle::pending());
                continue;
            }
            detail::PopulationRecords& target = *to.by_tag[c.tag];
            const auto found =
                std::lower_bound(local.begin(), local.end(), c.id,
                                 [](const Local& a, AgentId value) { return a.id < value; });
            if (found != local.end() && found->id == c.id) {
                if (found->kept) throw_inconsistent(c.id);  // two sites of one agent
                const SiteIndex before = target.site(found->slot);
                if (here.owns(grid.tile_of(c.site)) && !here.owns(grid.tile_of(before))) {
                    ++handed_over;
                }
                target.overwrite_record(found->slot, c.record, c.site);
                found->kept = true;
            } else {
                if (here.owns(grid.tile_of(c.site))) ++handed_over;
                target.adopt_record(c.id, c.record, c.site);
            }
        }
        for (const Local& agent : local) {
            if (!agent.kept) to.by_tag[agent.tag]->forget(agent.slot);
        }
        return handed_over;
    }

    /// Drops every agent whose site this rank does not hold (Domain::holds_site; after a state
    /// was built whole).
    void keep_only_held(const Domain& domain) {
        for (Layer& layer : layers_) {
            for (auto& population : layer.by_tag) {
                if (population == nullptr) continue;
                for (AgentSlot slot = 0; slot < population->slot_count(); ++slot) {
                    if (!population->alive(slot)) continue;
                    const SiteIndex site = population->site(slot);
                    if (domain.holds_site(site)) continue;
                    layer.layer->clear(site);
                    population->forget(slot);
                }
            }
        }
    }

  private:
    struct Layer {
        OccupancyLayer* layer = nullptr;
        std::array<std::unique_ptr<detail::PopulationRecords>, AgentHandle::kMaxTags> by_tag{};
    };

    template <class PopulationT>
    static void add_population(Layer& entry, PopulationT& population) {
        entry.by_tag[population.tag()] =
            std::make_unique<detail::PopulationRecordsOf<PopulationT>>(population);
    }

    static constexpr std::uint8_t kEmpty = 0;
    static constexpr std::uint8_t kPending = 1;
    static constexpr std::uint8_t kAgent = 2;

    // The first `count` bytes of `in`, dropped from it; a record cut short is refused.
    static std::span<const std::byte> take(std::span<const std::byte>& in, std::size_t count) {
        if (in.size() < count) throw_malformed("records end before the last site");
        const std::span<const std::byte> head = in.first(count);
        in = in.subspan(count);
        return head;
    }

    [[noreturn]] static void throw_malformed(const std::string& what) {
        throw std::runtime_error("rank exchange: malformed site records: " + what);
    }

    // Records that no single writer could have produced: a protocol error (e.g. a skipped
    // exchange), refused before it corrupts this state.
    [[noreturn]] static void throw_inconsistent(AgentId id) {
        throw std::logic_error(fmt::format(
            "rank exchange: agent {} appears on two sites of one record set; ranks disagree", id));
    }

    std::vector<Layer> layers_;
};

}  // namespace cartsim::engine
