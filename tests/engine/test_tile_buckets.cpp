#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <tuple>
#include <vector>

#include "engine/lattice.hpp"
#include "engine/parallelism.hpp"
#include "engine/tile_buckets.hpp"
#include "engine/tile_grid.hpp"

namespace cartsim::engine {
namespace {

/// The canonical order written out the slow way: live slots sorted by (tile, id).
std::vector<AgentSlot> reference_order(const TileGrid& grid, const std::vector<SiteIndex>& sites,
                                       const std::vector<AgentId>& ids) {
    std::vector<AgentSlot> slots;
    for (AgentSlot s = 0; s < sites.size(); ++s) {
        if (sites[s] != kNoSite) slots.push_back(s);
    }
    std::sort(slots.begin(), slots.end(), [&](AgentSlot a, AgentSlot b) {
        return std::tuple(grid.tile_of(sites[a]), ids[a]) <
               std::tuple(grid.tile_of(sites[b]), ids[b]);
    });
    return slots;
}

struct Layout {
    std::vector<SiteIndex> sites;
    std::vector<AgentId> ids;
};

/// Agents on distinct sites, stored (tile, id)-sorted, then disturbed the way a run disturbs
/// storage between two sorts: `moved` of them jump to random free sites (other tiles), `born`
/// new ones (higher ids) are appended, and `dead` slots are emptied.
Layout disturbed_layout(const Lattice& lattice, const TileGrid& grid, std::size_t agents,
                        std::size_t moved, std::size_t born, std::size_t dead, unsigned seed) {
    std::mt19937_64 random(seed);
    std::vector<SiteIndex> all(lattice.site_count());
    std::iota(all.begin(), all.end(), SiteIndex{0});
    std::shuffle(all.begin(), all.end(), random);
    Layout layout;
    layout.sites.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(agents));
    layout.ids.resize(agents);
    std::iota(layout.ids.begin(), layout.ids.end(), AgentId{1000});
    std::shuffle(layout.ids.begin(), layout.ids.end(), random);
    const std::vector<AgentSlot> order = reference_order(grid, layout.sites, layout.ids);
    Layout sorted;
    for (const AgentSlot s : order) {
        sorted.sites.push_back(layout.sites[s]);
        sorted.ids.push_back(layout.ids[s]);
    }
    std::size_t next_free = agents;
    for (std::size_t k = 0; k < moved; ++k) {
        sorted.sites[random() % agents] = all[next_free++];
    }
    AgentId next_id = 1000 + agents;
    for (std::size_t k = 0; k < born; ++k) {
        sorted.sites.push_back(all[next_free++]);
        sorted.ids.push_back(next_id++);
    }
    for (std::size_t k = 0; k < dead; ++k) sorted.sites[random() % sorted.sites.size()] = kNoSite;
    return sorted;
}

TEST(TileBuckets, CanonicalOrderWhateverTheStorageDisorderAndThreads) {
    const Lattice lattice(48, 40, 24, Boundary::reflective);
    const TileGrid grid(lattice, 2, 8);
    // From freshly sorted storage to storage where most cells changed tiles, with tiles of a
    // few cells and of hundreds.
    const std::vector<std::tuple<std::size_t, std::size_t, std::size_t, std::size_t>> cases = {
        {0, 0, 0, 0},         {4000, 0, 0, 0},      {4000, 40, 10, 20},
        {4000, 1500, 300, 0}, {4000, 3900, 0, 500}, {20000, 12000, 4000, 1000},
        {40000, 500, 2000, 0}};
    for (unsigned seed = 1; seed <= 3; ++seed) {
        for (const auto& [agents, moved, born, dead] : cases) {
            const Layout layout = disturbed_layout(lattice, grid, agents, moved, born, dead, seed);
            const std::vector<AgentSlot> expected = reference_order(grid, layout.sites, layout.ids);
            for (const int threads : {1, 2, 4}) {
                TileBuckets buckets;
                run_with_threads(threads, [&] { buckets.build(grid, layout.sites, layout.ids); });
                const auto all = buckets.all();
                ASSERT_EQ(std::vector<AgentSlot>(all.begin(), all.end()), expected)
                    << agents << " agents, " << moved << " moved, " << born << " born, " << dead
                    << " dead, seed " << seed << ", " << threads << " threads";
                std::size_t total = 0;
                for (TileIndex t = 0; t < grid.tile_count(); ++t) {
                    for (const AgentSlot s : buckets.of_tile(t)) {
                        ASSERT_EQ(grid.tile_of(layout.sites[s]), t);
                        ++total;
                    }
                }
                EXPECT_EQ(total, expected.size());
            }
        }
    }
}

// Buckets of some agents only (those with an event due), given in any order: the same
// canonical order restricted to them.
TEST(TileBuckets, SubsetInCanonicalOrderWhateverTheGivenOrderAndThreads) {
    const Lattice lattice(48, 40, 24, Boundary::reflective);
    const TileGrid grid(lattice, 2, 8);
    const Layout layout = disturbed_layout(lattice, grid, 20000, 3000, 1000, 0, 7);
    std::mt19937_64 random(11);
    std::vector<AgentSlot> subset;
    for (AgentSlot s = 0; s < layout.sites.size(); ++s) {
        if (random() % 10 == 0) subset.push_back(s);
    }
    std::shuffle(subset.begin(), subset.end(), random);
    std::vector<AgentSlot> expected = reference_order(grid, layout.sites, layout.ids);
    std::erase_if(expected, [&](AgentSlot s) {
        return std::find(subset.begin(), subset.end(), s) == subset.end();
    });
    for (const int threads : {1, 2, 4}) {
        TileBuckets buckets;
        run_with_threads(threads,
                         [&] { buckets.build_of(grid, subset, layout.sites, layout.ids); });
        const auto all = buckets.all();
        EXPECT_EQ(std::vector<AgentSlot>(all.begin(), all.end()), expected) << threads;
        for (TileIndex t = 0; t < grid.tile_count(); ++t) {
            for (const AgentSlot s : buckets.of_tile(t))
                EXPECT_EQ(grid.tile_of(layout.sites[s]), t);
        }
    }
}

}  // namespace
}  // namespace cartsim::engine
