#pragma once
// Memory hints for a population sweep, from a layout description of what its rule reads: the
// site-indexed arrays (layers, per-site copies) around its agents, and the agents' own columns.
// A rule's step reads those arrays at its cell's site and a neighbour's; without hints each is
// a cache miss at full latency. Dense tiles are hinted one tile ahead, into L2 (their rows of
// every site array, and their agents' columns in runs of consecutive slots); tiles with few
// agents only the row through each agent's site, right before they run. A halo of one site
// was slower (more lines than the caches keep); so were the nine rows of the 3 x 3 x 3 block
// around a lone agent (36 hints of which a step uses ~4: 0.87x the CAR-T phase of a quiet
// day with the row alone, benchmarks/RESULTS.md 2026-12-06). Hints change no state, so results
// never depend on them.

#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>

#include "engine/prefetch.hpp"
#include "engine/tile_grid.hpp"
#include "engine/types.hpp"

namespace cartsim::engine {

/// One array indexed by site: its first element and the size of one element.
struct SiteArray {
    const void* base = nullptr;
    std::size_t element_bytes = 0;

    template <class T>
    static SiteArray of(const T* data) {
        return {data, sizeof(T)};
    }
};

/// The hint callback of sweep_population for a population whose rule reads `site_arrays`.
template <class PopulationT>
void prefetch_for_sweep(const TileGrid& grid, std::span<const SiteArray> site_arrays,
                        const PopulationT& population, TileIndex tile,
                        std::span<const AgentSlot> agents, int distance) {
    constexpr std::size_t kDenseTile = 8;
    const bool ahead = distance == 1;
    auto prefetch_rows = [&](SiteIndex first, std::size_t length) {
        for (const SiteArray& array : site_arrays) {
            if (array.base == nullptr) continue;
            const auto* bytes = static_cast<const char*>(array.base);
            prefetch_range(bytes + first * array.element_bytes, length * array.element_bytes,
                           ahead);
        }
    };
    if (agents.size() >= kDenseTile) {
        if (distance != 1) return;
        // Hints only: the next tile may run on another thread, so its agents' state is never
        // read here, only the addresses of its lattice rows and of its agents' columns.
        for_each_tile_row(grid, tile, 0, prefetch_rows);
        using Columns = std::remove_cvref_t<decltype(population.columns())>;
        for_each_slot_run(agents, [&](AgentSlot first, std::size_t count) {
            prefetch_range(population.ids().data() + first, count);
            prefetch_range(population.sites().data() + first, count);
            Columns::for_each_column(population.columns(),
                                     [&](std::string_view, const auto& column) {
                                         prefetch_range(column.data() + first, count);
                                     });
        });
        return;
    }
    if (distance != 0) return;
    for (const AgentSlot slot : agents) {
        if (population.alive(slot)) {
            for_each_row_through(grid.lattice(), population.site(slot), prefetch_rows);
        }
    }
}

}  // namespace cartsim::engine
