#pragma once
// The whole model's saved state from the saved states of its ranks: what one rank running the
// whole lattice would have saved (engine/model_state.hpp), so outputs and checkpoints of a
// multi-rank run are those of a single-rank run.

#include <algorithm>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <utility>
#include <variant>
#include <vector>

#include "engine/domain.hpp"
#include "engine/model_state.hpp"

namespace cartsim::engine {

namespace detail {

// Element `index` of the column `from` appended to `to` (both of one variant alternative).
inline void append_value(StateValues& to, const StateValues& from, std::size_t index) {
    std::visit(
        [&](const auto& source) {
            using Vector = std::remove_cvref_t<decltype(source)>;
            std::get<Vector>(to).push_back(source[index]);
        },
        from);
}

inline StateValues empty_like(const StateValues& values) {
    return std::visit([](const auto& v) { return StateValues(std::remove_cvref_t<decltype(v)>{}); },
                      values);
}

}  // namespace detail

/// Merges the saved states of every rank (in rank order, each from a state built with the same
/// parameters and the domain of that rank): each population's agents from the rank that owns
/// their site's tile, in id order, with every tile's id counter from its owner; every other
/// array from rank 0 (replicated on every rank). Throws std::invalid_argument when the parts
/// do not match.
inline SavedState gather_saved_states(std::span<const SavedState> parts,
                                      std::span<const Domain* const> domains) {
    if (parts.empty() || parts.size() != domains.size()) {
        throw std::invalid_argument("gather_saved_states: one saved state per rank is needed");
    }
    const TileGrid& grid = domains.front()->grid();
    SavedState whole;
    whole.arrays = parts.front().arrays;
    for (std::size_t p = 0; p < parts.front().populations.size(); ++p) {
        const SavedPopulation& first = parts.front().populations[p];
        // (id, rank, index) of every owned agent, in id order.
        struct Owned {
            AgentId id;
            std::size_t rank;
            std::size_t index;
        };
        std::vector<Owned> owned;
        for (std::size_t r = 0; r < parts.size(); ++r) {
            const SavedPopulation& part = parts[r].populations.at(p);
            if (part.name != first.name || part.columns.size() != first.columns.size()) {
                throw std::invalid_argument("gather_saved_states: population '" + part.name +
                                            "' of rank " + std::to_string(r) +
                                            " does not match rank 0's");
            }
            for (std::size_t k = 0; k < part.ids.size(); ++k) {
                if (domains[r]->owns(grid.tile_of(part.sites[k]))) {
                    owned.push_back({part.ids[k], r, k});
                }
            }
        }
        std::sort(owned.begin(), owned.end(),
                  [](const Owned& a, const Owned& b) { return a.id < b.id; });
        SavedPopulation merged;
        merged.name = first.name;
        merged.ids_issued_by_tile.resize(first.ids_issued_by_tile.size());
        for (TileIndex t = 0; t < merged.ids_issued_by_tile.size(); ++t) {
            const auto owner = static_cast<std::size_t>(domains.front()->owner_of(t));
            merged.ids_issued_by_tile[t] = parts[owner].populations[p].ids_issued_by_tile[t];
        }
        for (const auto& [name, values] : first.columns) {
            merged.columns.emplace_back(name, detail::empty_like(values));
        }
        for (const Owned& agent : owned) {
            const SavedPopulation& part = parts[agent.rank].populations[p];
            merged.ids.push_back(agent.id);
            merged.sites.push_back(part.sites[agent.index]);
            for (std::size_t c = 0; c < part.columns.size(); ++c) {
                detail::append_value(merged.columns[c].second, part.columns[c].second, agent.index);
            }
        }
        whole.populations.push_back(std::move(merged));
    }
    return whole;
}

}  // namespace cartsim::engine
