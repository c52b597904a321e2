// Agent ids are tag : tile of birth : sequence within that tile (engine/agent_id.hpp). These
// tests pin what makes them partition-proof: a birth's id depends on its tile and on how many
// that tile issued before, never on other tiles, on the order tiles are visited, on storage or
// on the thread count; and a tile that has spent its sequences refuses instead of reusing one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "engine/agent_id.hpp"
#include "engine/lattice.hpp"
#include "engine/parallelism.hpp"
#include "engine/population.hpp"
#include "engine/tile_grid.hpp"
#include "engine/toy/random_walkers.hpp"
#include "tests/engine/mass_population.hpp"

namespace cartsim::engine {
namespace {

using testing::MassColumns;

// 100 sites in 4 tiles of 25.
Population<MassColumns> four_tiles(OccupancyLayer& layer) {
    return testing::four_tile_population(5, layer);
}

// Every live agent's id by its site.
std::map<SiteIndex, AgentId> id_by_site(const Population<MassColumns>& population) {
    std::map<SiteIndex, AgentId> ids;
    for (AgentSlot slot = 0; slot < population.slot_count(); ++slot) {
        if (population.alive(slot)) ids[population.site(slot)] = population.id(slot);
    }
    return ids;
}

// One birth recorded by a tile's rule: the spawning tile and the daughter's site.
struct Birth {
    TileIndex tile;
    SiteIndex site;
};

void spawn_and_commit(Population<MassColumns>& population, const std::vector<Birth>& births) {
    for (const Birth& birth : births) population.spawn({birth.tile, 0, 0}, birth.site, {1.0F});
    population.commit();
}

TEST(AgentIds, LayoutWidthsFollowTheTileCountAndRoundTrip) {
    EXPECT_EQ(AgentIdLayout(1).sequence_bits(), 56u);
    EXPECT_EQ(AgentIdLayout(2).tile_bits(), 1u);
    EXPECT_EQ(AgentIdLayout(4).tile_bits(), 2u);
    EXPECT_EQ(AgentIdLayout(5).tile_bits(), 3u);
    EXPECT_EQ(AgentIdLayout(0xFFFFFFFFu).tile_bits(), 32u);  // every TileIndex: 24 bits remain
    EXPECT_EQ(AgentIdLayout(0xFFFFFFFFu).sequence_bits(), 24u);

    const AgentIdLayout layout(1000);
    const AgentId id = layout.make(7, 999, layout.sequence_limit() - 1);
    EXPECT_EQ(AgentIdLayout::tag_of(id), 7u);
    EXPECT_EQ(layout.tile_of(id), 999u);
    EXPECT_EQ(layout.sequence_of(id), layout.sequence_limit() - 1);
    EXPECT_LT(id, AgentId{1} << 59);  // exact as int64 for every tag below 8
    // Ids of one tag order by tile, then sequence.
    EXPECT_LT(layout.make(1, 3, layout.sequence_limit() - 1), layout.make(1, 4, 0));
}

// The largest lattices the engine supports keep >= 2^30 ids per tile.
TEST(AgentIds, LargestLatticesLeaveRoomForLongRuns) {
    const Lattice square(4096, 4096, 1, Boundary::reflective);
    const TileGrid square_tiles(square, 2, 8);
    EXPECT_GE(AgentIdLayout(square_tiles.tile_count()).sequence_bits(), 30u);
    // 1600^3 = 4.1e9 sites (near the 2^32 a SiteIndex allows) in the smallest tiles reach 2
    // allows, 4^3 (counted, not built: the grid would list 6.4e7 tiles).
    EXPECT_GE(AgentIdLayout(400 * 400 * 400).sequence_bits(), 30u);
}

TEST(AgentIds, ABirthsIdDependsOnlyOnItsOwnTile) {
    OccupancyLayer busy_layer(100);
    OccupancyLayer quiet_layer(100);
    Population<MassColumns> busy = four_tiles(busy_layer);
    Population<MassColumns> quiet = four_tiles(quiet_layer);
    // Both tiles 2 spawn the same; only `busy` has births in other tiles, before and after.
    spawn_and_commit(busy, {{0, 1}, {1, 26}, {2, 51}, {2, 52}, {3, 76}});
    spawn_and_commit(quiet, {{2, 51}, {2, 52}});
    spawn_and_commit(busy, {{0, 3}, {2, 49}});  // a daughter of tile 2 landing in tile 1
    spawn_and_commit(quiet, {{2, 49}});
    const auto busy_ids = id_by_site(busy);
    const auto quiet_ids = id_by_site(quiet);
    for (const SiteIndex site : {51U, 52U, 49U}) {
        EXPECT_EQ(busy_ids.at(site), quiet_ids.at(site)) << "site " << site;
        EXPECT_EQ(busy.id_layout().tile_of(busy_ids.at(site)), 2u);
    }
}

TEST(AgentIds, IdsDoNotDependOnTheOrderTilesAreVisited) {
    OccupancyLayer layer_a(100);
    OccupancyLayer layer_b(100);
    Population<MassColumns> ascending = four_tiles(layer_a);
    Population<MassColumns> shuffled = four_tiles(layer_b);
    // Within a tile the rule's call order is kept; across tiles any interleaving.
    spawn_and_commit(ascending, {{0, 2}, {0, 7}, {1, 30}, {2, 60}, {2, 61}, {3, 99}});
    spawn_and_commit(shuffled, {{3, 99}, {2, 60}, {0, 2}, {1, 30}, {2, 61}, {0, 7}});
    EXPECT_EQ(id_by_site(ascending), id_by_site(shuffled));
}

TEST(AgentIds, IdsDoNotDependOnStorageHistory) {
    OccupancyLayer layer_a(100);
    OccupancyLayer layer_b(100);
    Population<MassColumns> kept = four_tiles(layer_a);
    Population<MassColumns> resorted = four_tiles(layer_b);
    for (SiteIndex s = 0; s < 100; s += 3) {
        kept.add(s, {0.0F});
        resorted.add(s, {0.0F});
    }
    // The same deaths; `resorted` is compacted and then sorted by tile, then by id.
    kept.kill({0, 0, 0}, 4);
    resorted.kill({0, 0, 0}, 4);
    kept.commit();
    resorted.commit();
    resorted.compact();
    resorted.sort_by_tile(4, [](SiteIndex site) { return 3 - site / 25; });
    spawn_and_commit(kept, {{1, 31}, {3, 80}});
    spawn_and_commit(resorted, {{1, 31}, {3, 80}});
    resorted.sort_by_id();
    EXPECT_TRUE(resorted.in_id_order());
    EXPECT_EQ(id_by_site(kept), id_by_site(resorted));
}

TEST(AgentIds, AddNumbersEachAgentInTheTileOfItsSite) {
    OccupancyLayer layer(100);
    Population<MassColumns> population = four_tiles(layer);
    const AgentIdLayout& ids = population.id_layout();
    EXPECT_EQ(population.id(population.add(60, {0.0F})), ids.make(5, 2, 0));
    EXPECT_EQ(population.id(population.add(3, {0.0F})), ids.make(5, 0, 0));
    EXPECT_EQ(population.id(population.add(61, {0.0F})), ids.make(5, 2, 1));
}

TEST(AgentIds, ToyWorldIdsAreTheSameAtEveryThreadCount) {
    toy::WalkerParams params;
    params.nx = params.ny = params.nz = 24;
    params.initial_targets = 5'000;
    params.initial_hunters = 1'000;
    auto ids_after = [&](int threads) {
        std::vector<std::pair<AgentId, SiteIndex>> ids;
        run_with_threads(threads, [&] {
            toy::RandomWalkerWorld world(params);
            for (int s = 0; s < 40; ++s) world.step();
            for (const auto* population : {&world.hunters()}) {
                for (AgentSlot slot = 0; slot < population->slot_count(); ++slot) {
                    if (population->alive(slot)) {
                        ids.emplace_back(population->id(slot), population->site(slot));
                    }
                }
            }
            for (AgentSlot slot = 0; slot < world.targets().slot_count(); ++slot) {
                if (world.targets().alive(slot)) {
                    ids.emplace_back(world.targets().id(slot), world.targets().site(slot));
                }
            }
        });
        std::sort(ids.begin(), ids.end());
        return ids;
    };
    const auto reference = ids_after(1);
    ASSERT_GT(reference.size(), 1000u);
    EXPECT_EQ(reference, ids_after(2));
    EXPECT_EQ(reference, ids_after(4));
}

TEST(AgentIds, ATileWhoseSequencesAreSpentRefusesTheNextId) {
    OccupancyLayer layer(10);
    Population<MassColumns> population("cells", 1, layer, 1);
    const std::uint64_t limit = population.id_layout().sequence_limit();
    population.restore({}, {}, MassColumns{}, {limit - 1});
    const AgentSlot last = population.add(0, {0.0F});
    EXPECT_EQ(population.id_layout().sequence_of(population.id(last)), limit - 1);
    try {
        population.add(1, {0.0F});
        ADD_FAILURE() << "an id past the last sequence was issued";
    } catch (const std::length_error& error) {
        EXPECT_NE(std::string(error.what()).find("tile 0 has issued all"), std::string::npos)
            << error.what();
    }
    // Births are refused the same way, at the commit that would number them.
    population.spawn({0, 0, 0}, 2, {0.0F});
    EXPECT_THROW(population.commit(), std::length_error);
}

}  // namespace
}  // namespace cartsim::engine
