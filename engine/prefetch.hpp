#pragma once
// Memory hints for sweeps: ask the CPU to start loading the lattice data of a tile before its
// agents run. Pure hints: they read nothing into the program's state, so results never depend
// on them (only speed does).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/lattice.hpp"
#include "engine/tile_grid.hpp"
#include "engine/types.hpp"

namespace cartsim::engine {

inline constexpr std::size_t kCacheLineBytes = 64;

/// Hint that the cache line holding `address` will be read soon.
inline void prefetch_line(const void* address) {
#if defined(__x86_64__)
    // GCC 12 at -O3 (its ipa-modref pass) deletes __builtin_prefetch loops in some inlined
    // contexts as having no effect; a volatile asm statement is never deleted.
    asm volatile("prefetcht0 (%0)" : : "r"(address));
#else
    __builtin_prefetch(address);
#endif
}

/// Hint that the cache line holding `address` will be read, not right away: into the level-2
/// cache, so hints for a whole tile ahead do not evict what the current tile works on from
/// the small level-1 cache.
inline void prefetch_line_ahead(const void* address) {
#if defined(__x86_64__)
    asm volatile("prefetcht1 (%0)" : : "r"(address));
#else
    __builtin_prefetch(address, 0, 2);
#endif
}

/// Hint that [data, data + count) will be read soon (`ahead`: not right away, see
/// prefetch_line_ahead).
template <class T>
void prefetch_range(const T* data, std::size_t count, bool ahead = false) {
    const char* const end = reinterpret_cast<const char*>(data + count);
    const char* line = reinterpret_cast<const char*>(reinterpret_cast<std::uintptr_t>(data) &
                                                     ~std::uintptr_t{kCacheLineBytes - 1});
    for (; line < end; line += kCacheLineBytes) {
        if (ahead) {
            prefetch_line_ahead(line);
        } else {
            prefetch_line(line);
        }
    }
}

/// Calls run(first, count) for the runs of consecutive values in `slots` (a tile's agents are
/// mostly consecutive in storage after a sort by tile), to hint their columns range by range.
template <class Run>
void for_each_slot_run(std::span<const AgentSlot> slots, Run&& run) {
    std::size_t k = 0;
    while (k < slots.size()) {
        const AgentSlot first = slots[k];
        AgentSlot last = first;
        while (++k < slots.size() && slots[k] == last + 1) ++last;
        run(first, static_cast<std::size_t>(last - first) + 1);
    }
}

/// Calls row(first_site, length) for every x-row of the box of `tile` grown by `halo` sites on
/// each side (clamped to the lattice; no wrap-around: a hint may miss the far side of a
/// periodic face). Rows run along x, which is contiguous in site numbering.
template <class Row>
void for_each_tile_row(const TileGrid& grid, TileIndex tile, int halo, Row&& row) {
    const Lattice& lattice = grid.lattice();
    const auto tile_xyz = grid.tile_coord(tile);
    const auto edge = grid.tile_edge();
    const std::int32_t extent[3] = {lattice.nx(), lattice.ny(), lattice.nz()};
    std::int32_t lo[3];
    std::int32_t hi[3];
    for (int axis = 0; axis < 3; ++axis) {
        const int grow = extent[axis] == 1 ? 0 : halo;
        lo[axis] = std::max(0, tile_xyz[axis] * edge[axis] - grow);
        hi[axis] = std::min(extent[axis], (tile_xyz[axis] + 1) * edge[axis] + grow);
    }
    for (std::int32_t z = lo[2]; z < hi[2]; ++z) {
        for (std::int32_t y = lo[1]; y < hi[1]; ++y) {
            row(lattice.site_of({lo[0], y, z}), static_cast<std::size_t>(hi[0] - lo[0]));
        }
    }
}

/// Calls row(first_site, length) for the x-row of up to 3 sites centred on `site` (clamped to
/// the lattice's x extent).
template <class Row>
void for_each_row_through(const Lattice& lattice, SiteIndex site, Row&& row) {
    const auto x = static_cast<std::int32_t>(site % static_cast<SiteIndex>(lattice.nx()));
    const SiteIndex first = x > 0 ? site - 1 : site;
    const SiteIndex last = x + 1 < lattice.nx() ? site + 1 : site;
    row(first, static_cast<std::size_t>(last - first) + 1);
}

}  // namespace cartsim::engine
