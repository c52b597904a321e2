#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string_view>
#include <vector>

#include "engine/population.hpp"

namespace cartsim::engine {
namespace {

struct MassColumns {
    struct Row {
        float mass = 0.0F;
    };
    std::vector<float> mass;
    void push_back(const Row& row) { mass.push_back(row.mass); }
    template <class Self, class F>
    static void for_each_column(Self& self, F&& f) {
        f("mass", self.mass);
    }
};

/// Every live agent's site points back at it, and nothing else occupies the layer.
void expect_consistent(const Population<MassColumns>& population, const OccupancyLayer& layer) {
    std::size_t occupied = 0;
    for (SiteIndex s = 0; s < layer.site_count(); ++s) {
        const AgentHandle h = layer.at(s);
        if (h.is_empty()) continue;
        ++occupied;
        ASSERT_TRUE(h.is_agent()) << "pending marker left at site " << s;
        ASSERT_EQ(h.tag(), population.tag());
        ASSERT_TRUE(population.alive(h.slot()));
        ASSERT_EQ(population.site(h.slot()), s);
    }
    EXPECT_EQ(occupied, population.live_count());
}

TEST(Population, AddAssignsIncreasingIdsTaggedByPopulation) {
    OccupancyLayer layer(100);
    Population<MassColumns> population("cells", 3, layer, 4);
    const AgentSlot a = population.add(10, {1.0F});
    const AgentSlot b = population.add(11, {2.0F});
    EXPECT_EQ(population.id(a) >> 56, 3u);
    EXPECT_EQ(population.id(b), population.id(a) + 1);
    EXPECT_EQ(population.columns().mass[b], 2.0F);
    EXPECT_THROW(population.add(10, {3.0F}), std::logic_error);
    expect_consistent(population, layer);
}

TEST(Population, BirthsCommitInTileOrderNotCallOrder) {
    OccupancyLayer layer(100);
    Population<MassColumns> population("cells", 0, layer, 4);
    population.add(0, {0.0F});
    const AgentId first_new = population.next_id();
    // Tile 3 records its birth before tile 1 (as a parallel schedule might).
    population.spawn({3, 0, 0}, 30, {3.0F});
    population.spawn({1, 0, 0}, 10, {1.0F});
    population.spawn({1, 0, 0}, 11, {1.5F});
    EXPECT_TRUE(layer.at(30).is_pending());
    EXPECT_EQ(population.live_count(), 1u);
    const CommitReport report = population.commit();
    EXPECT_EQ(report.births, 3u);
    ASSERT_EQ(population.live_count(), 4u);
    EXPECT_EQ(population.site(1), 10u);
    EXPECT_EQ(population.site(2), 11u);
    EXPECT_EQ(population.site(3), 30u);
    EXPECT_EQ(population.id(1), first_new);
    EXPECT_EQ(population.id(3), first_new + 2);
    expect_consistent(population, layer);
}

TEST(Population, KillFreesSiteAtOnceAndCompactionKeepsIdOrder) {
    OccupancyLayer layer(1000);
    Population<MassColumns> population("cells", 1, layer, 1);
    for (SiteIndex s = 0; s < 100; ++s) population.add(s * 3, {static_cast<float>(s)});
    std::set<AgentId> survivors;
    for (AgentSlot slot = 0; slot < 100; ++slot) {
        if (slot % 4 == 1) {
            population.kill({0, 0, 0}, slot);
            EXPECT_TRUE(layer.is_empty(slot * 3));
        } else {
            survivors.insert(population.id(slot));
        }
    }
    const CommitReport report = population.commit();
    EXPECT_EQ(report.deaths, 25u);
    EXPECT_TRUE(report.compacted);  // 25 dead of 100 slots exceeds one eighth
    ASSERT_EQ(population.slot_count(), 75u);
    for (AgentSlot slot = 1; slot < population.slot_count(); ++slot) {
        EXPECT_LT(population.id(slot - 1), population.id(slot));
        // The mass column moved with its agent.
        EXPECT_EQ(population.columns().mass[slot] * 3.0F,
                  static_cast<float>(population.site(slot)));
    }
    std::set<AgentId> after(population.ids().begin(), population.ids().end());
    EXPECT_EQ(after, survivors);
    expect_consistent(population, layer);
}

TEST(Population, FewDeathsWaitForCompaction) {
    OccupancyLayer layer(1000);
    Population<MassColumns> population("cells", 1, layer, 1);
    for (SiteIndex s = 0; s < 100; ++s) population.add(s, {0.0F});
    population.kill({0, 0, 0}, 5);
    const CommitReport report = population.commit();
    EXPECT_FALSE(report.compacted);
    EXPECT_EQ(population.slot_count(), 100u);
    EXPECT_EQ(population.live_count(), 99u);
    EXPECT_FALSE(population.alive(5));
    expect_consistent(population, layer);
    population.compact();
    EXPECT_EQ(population.slot_count(), 99u);
    expect_consistent(population, layer);
}

// Whoever keeps slots across commits (the tissue calendar) rebuilds them when the layout
// version changes: on every renumbering, and only then.
TEST(Population, LayoutVersionChangesExactlyWhenSlotsAreRenumbered) {
    OccupancyLayer layer(1000);
    Population<MassColumns> population("cells", 1, layer, 1);
    const std::uint64_t start = population.layout_version();
    for (SiteIndex s = 0; s < 100; ++s) population.add(s, {0.0F});
    population.kill({0, 0, 0}, 5);
    population.spawn({0, 0, 0}, 500, {1.0F});
    EXPECT_FALSE(population.commit().compacted);
    EXPECT_EQ(population.layout_version(), start);  // appends and a dead slot: no renumbering
    population.compact();
    const std::uint64_t compacted = population.layout_version();
    EXPECT_NE(compacted, start);
    population.compact();  // nothing to compact
    EXPECT_EQ(population.layout_version(), compacted);
    population.sort_by_tile(1, [](SiteIndex) { return 0U; });
    EXPECT_NE(population.layout_version(), compacted);
}

TEST(Population, RestoreReproducesStorageDeadSlotsAndIdSequence) {
    OccupancyLayer layer(200);
    Population<MassColumns> original("cells", 2, layer, 1);
    for (SiteIndex s = 0; s < 40; ++s) original.add(s * 4, {static_cast<float>(s)});
    original.kill({0, 0, 0}, 7);  // one dead slot, below the compaction threshold
    original.commit();
    ASSERT_EQ(original.slot_count(), 40u);

    OccupancyLayer other_layer(200);
    Population<MassColumns> restored("cells", 2, other_layer, 1);
    restored.add(1, {9.0F});  // replaced by restore()
    restored.restore({original.ids().begin(), original.ids().end()},
                     {original.sites().begin(), original.sites().end()}, original.columns(),
                     original.next_id());
    EXPECT_TRUE(other_layer.is_empty(1));
    EXPECT_EQ(restored.slot_count(), 40u);
    EXPECT_EQ(restored.live_count(), 39u);
    EXPECT_FALSE(restored.alive(7));
    expect_consistent(restored, other_layer);
    // Both continue identically: same next id, same compaction point.
    const AgentSlot a = original.add(199, {1.0F});
    const AgentSlot b = restored.add(199, {1.0F});
    EXPECT_EQ(original.id(a), restored.id(b));
    for (AgentSlot slot = 0; slot < 6; ++slot) {
        original.kill({0, 0, 0}, slot);
        restored.kill({0, 0, 0}, slot);
    }
    EXPECT_EQ(original.commit().compacted, restored.commit().compacted);
    EXPECT_TRUE(std::equal(original.ids().begin(), original.ids().end(), restored.ids().begin(),
                           restored.ids().end()));
}

TEST(Population, RestoreRejectsInconsistentStorage) {
    OccupancyLayer layer(10);
    Population<MassColumns> population("cells", 1, layer, 1);
    const AgentId base = AgentId{1} << 56;
    MassColumns two;
    two.mass = {0.0F, 0.0F};
    EXPECT_THROW(population.restore({base, base + 1}, {1}, two, base + 2), std::invalid_argument);
    EXPECT_THROW(population.restore({base, base + 1}, {1, 1}, two, base + 2),
                 std::invalid_argument);  // two agents on one site
    EXPECT_THROW(population.restore({base, base + 1}, {1, 10}, two, base + 2),
                 std::invalid_argument);  // off the lattice
    EXPECT_THROW(population.restore({base, base + 5}, {1, 2}, two, base + 2),
                 std::invalid_argument);  // id not yet issued
    EXPECT_THROW(population.restore({0, 1}, {1, 2}, two, 2), std::invalid_argument);  // other tag
    EXPECT_THROW(population.restore({base + 1, base + 1}, {1, 2}, two, base + 2),
                 std::invalid_argument);  // one id twice
}

TEST(Population, MoveUpdatesLayerAndSite) {
    OccupancyLayer layer(10);
    Population<MassColumns> population("cells", 0, layer, 1);
    const AgentSlot slot = population.add(2, {0.0F});
    population.move(slot, 7);
    EXPECT_EQ(population.site(slot), 7u);
    EXPECT_TRUE(layer.is_empty(2));
    expect_consistent(population, layer);
}

}  // namespace
}  // namespace cartsim::engine
