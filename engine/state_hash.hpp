#pragma once
// A 64-bit hash of simulation state, used by determinism tests and printed by runs.

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "engine/domain.hpp"

namespace cartsim::engine {

/// FNV-1a over bytes followed by a final avalanche; order-sensitive by design: callers feed
/// state in a canonical order (slot order = id order).
class StateHasher {
  public:
    void add_bytes(const void* data, std::size_t size) {
        const auto* bytes = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < size; ++i) {
            hash_ = (hash_ ^ bytes[i]) * 0x100000001b3ULL;
        }
    }
    template <class T>
    requires std::is_trivially_copyable_v<T>
    void add(const T& value) { add_bytes(&value, sizeof(T)); }
    template <class T>
    requires std::is_trivially_copyable_v<T>
    void add(std::span<const T> values) {
        add(values.size());
        add_bytes(values.data(), values.size_bytes());
    }
    template <class T>
    void add(const std::vector<T>& values) {
        add(std::span<const T>(values));
    }
    void add(std::string_view text) {
        add(text.size());
        add_bytes(text.data(), text.size());
    }
    std::uint64_t value() const {
        std::uint64_t z = hash_;  // splitmix64 finaliser
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

  private:
    std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

/// Hashes a population's live agents (id, site and every model column) independently of their
/// storage order: each agent's record is hashed on its own and the results are summed, so the
/// hash depends neither on compaction nor on spatial sorting. The ids each tile has issued are
/// hashed too (they decide every later id).
template <class PopulationT>
std::uint64_t agent_hash(const PopulationT& population, std::uint32_t slot) {
    using Columns = std::remove_cvref_t<decltype(population.columns())>;
    StateHasher agent;
    agent.add(population.id(slot));
    agent.add(population.site(slot));
    Columns::for_each_column(population.columns(), [&](std::string_view, const auto& column) {
        const auto value = column[slot];
        agent.add(value);
    });
    return agent.value();
}

template <class PopulationT>
void hash_population(StateHasher& hasher, const PopulationT& population) {
    hasher.add(std::string_view(population.name()));
    hasher.add(static_cast<std::uint64_t>(population.live_count()));
    hasher.add(population.ids_issued_by_tile());
    std::uint64_t sum = 0;
    for (std::size_t slot = 0; slot < population.slot_count(); ++slot) {
        const auto s = static_cast<std::uint32_t>(slot);
        if (!population.alive(s)) continue;
        sum += agent_hash(population, s);
    }
    hasher.add(sum);
}

/// hash_population of one population split over ranks (one part per rank, in rank order):
/// every agent counted by the rank owning its site's tile, every tile's id counter taken from
/// its owner. Equal to hash_population of the same population on one rank.
template <class PopulationT>
void hash_population_across_ranks(StateHasher& hasher, std::span<const PopulationT* const> parts,
                                  std::span<const Domain* const> domains) {
    const TileGrid& grid = domains.front()->grid();
    std::uint64_t live = 0;
    std::uint64_t sum = 0;
    for (std::size_t r = 0; r < parts.size(); ++r) {
        const PopulationT& population = *parts[r];
        for (std::size_t slot = 0; slot < population.slot_count(); ++slot) {
            const auto s = static_cast<std::uint32_t>(slot);
            if (!population.alive(s) || !domains[r]->owns(grid.tile_of(population.site(s))))
                continue;
            ++live;
            sum += agent_hash(population, s);
        }
    }
    std::vector<std::uint64_t> issued(grid.tile_count());
    for (TileIndex t = 0; t < grid.tile_count(); ++t) {
        issued[t] =
            parts[static_cast<std::size_t>(domains.front()->owner_of(t))]->ids_issued_by_tile()[t];
    }
    hasher.add(std::string_view(parts.front()->name()));
    hasher.add(live);
    hasher.add(std::span<const std::uint64_t>(issued));
    hasher.add(sum);
}

}  // namespace cartsim::engine
