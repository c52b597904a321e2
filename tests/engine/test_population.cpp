#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <string_view>
#include <vector>

#include "engine/domain.hpp"
#include "engine/population.hpp"
#include "engine/site_records.hpp"
#include "tests/engine/mass_population.hpp"

namespace cartsim::engine {
namespace {

using testing::four_tile_population;
using testing::MassColumns;

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

// A rank that builds only the tiles it holds lets the other tiles' agents take their ids without
// adding them: the agents it adds get the ids the whole build gives them, and every tile's
// counter is the whole build's.
TEST(Population, IdsIssuedWithoutAgentsKeepTheWholeBuildsIds) {
    OccupancyLayer whole_layer(100);
    OccupancyLayer part_layer(100);
    Population<MassColumns> whole = four_tile_population(0, whole_layer);
    Population<MassColumns> part = four_tile_population(0, part_layer);
    for (const SiteIndex site : {3U, 7U, 30U, 60U, 61U, 62U, 90U, 91U}) {
        whole.add(site, {static_cast<float>(site)});
        if (site / 25 == 2) {  // the part holds tile 2 only
            part.add(site, {static_cast<float>(site)});
        } else {
            part.issue_id_without_agent(site);
        }
    }
    ASSERT_EQ(part.live_count(), 3u);
    for (AgentSlot slot = 0; slot < part.slot_count(); ++slot) {
        const AgentHandle in_whole = whole_layer.at(part.site(slot));
        EXPECT_EQ(part.id(slot), whole.id(in_whole.slot())) << "site " << part.site(slot);
    }
    EXPECT_TRUE(std::equal(part.ids_issued_by_tile().begin(), part.ids_issued_by_tile().end(),
                           whole.ids_issued_by_tile().begin(), whole.ids_issued_by_tile().end()));
    EXPECT_TRUE(part_layer.at(3).is_empty());  // skipped agents occupy nothing
    EXPECT_THROW(part.issue_id_without_agent(100), std::logic_error);  // no tile 4
    expect_consistent(part, part_layer);
}

TEST(Population, BirthsAreNumberedByTheirTileInSpawnOrder) {
    OccupancyLayer layer(100);
    Population<MassColumns> population = four_tile_population(0, layer);
    population.add(0, {0.0F});
    const AgentIdLayout& ids = population.id_layout();
    // Tile 3 records its birth before tile 1 (as a parallel schedule might); the daughter of
    // tile 1's rule lands in tile 2, and is still numbered by tile 1.
    population.spawn({3, 0, 0}, 80, {3.0F});
    population.spawn({1, 0, 0}, 30, {1.0F});
    population.spawn({1, 0, 0}, 55, {1.5F});
    EXPECT_TRUE(layer.at(80).is_pending());
    EXPECT_EQ(population.live_count(), 1u);
    const CommitReport report = population.commit();
    EXPECT_EQ(report.births, 3u);
    ASSERT_EQ(population.live_count(), 4u);
    EXPECT_EQ(population.id(0), ids.make(0, 0, 0));
    EXPECT_EQ(population.site(1), 30u);
    EXPECT_EQ(population.id(1), ids.make(0, 1, 0));
    EXPECT_EQ(population.site(2), 55u);
    EXPECT_EQ(population.id(2), ids.make(0, 1, 1));
    EXPECT_EQ(population.site(3), 80u);
    EXPECT_EQ(population.id(3), ids.make(0, 3, 0));
    EXPECT_EQ(std::vector<std::uint64_t>(population.ids_issued_by_tile().begin(),
                                         population.ids_issued_by_tile().end()),
              (std::vector<std::uint64_t>{1, 2, 0, 1}));
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

// Compaction runs its columns side by side and the layer's cells in chunks: storage larger than
// one chunk (kSlotChunk) keeps every column with its agent and every layer cell pointing at it.
TEST(Population, CompactionAcrossManyChunksKeepsColumnsAndLayerWithTheirAgents) {
    const std::size_t agents = 3 * kSlotChunk + 123;
    OccupancyLayer layer(2 * agents);
    Population<MassColumns> population("cells", 1, layer, 1);
    for (SiteIndex s = 0; s < agents; ++s) population.add(2 * s, {static_cast<float>(s)});
    std::set<AgentId> survivors;
    for (AgentSlot slot = 0; slot < agents; ++slot) {
        if (slot % 3 == 0) {
            population.kill({0, 0, 0}, slot);
        } else {
            survivors.insert(population.id(slot));
        }
    }
    ASSERT_TRUE(population.commit().compacted);
    ASSERT_EQ(population.slot_count(), survivors.size());
    for (AgentSlot slot = 0; slot < population.slot_count(); ++slot) {
        if (slot > 0) {
            EXPECT_LT(population.id(slot - 1), population.id(slot));
        }
        EXPECT_EQ(population.columns().mass[slot] * 2.0F,
                  static_cast<float>(population.site(slot)));
    }
    EXPECT_EQ(std::set<AgentId>(population.ids().begin(), population.ids().end()), survivors);
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

TEST(Population, RestoreRebuildsIdOrderAndContinuesEveryTileSequence) {
    OccupancyLayer layer(100);
    Population<MassColumns> original = four_tile_population(2, layer);
    for (SiteIndex s = 0; s < 40; ++s) original.add(s * 2 + 1, {static_cast<float>(s)});
    original.kill({0, 0, 0}, 7);  // one dead slot, below the compaction threshold
    original.commit();
    // Storage out of id order: by (tile, id) with tile 3 first.
    original.sort_by_tile(4, [](SiteIndex site) { return 3 - site / 25; });
    ASSERT_FALSE(original.in_id_order());

    // The live agents in reverse order, as any reader might hand them over.
    std::vector<AgentId> ids;
    std::vector<SiteIndex> sites;
    MassColumns columns;
    for (AgentSlot slot = static_cast<AgentSlot>(original.slot_count()); slot-- > 0;) {
        if (!original.alive(slot)) continue;
        ids.push_back(original.id(slot));
        sites.push_back(original.site(slot));
        columns.mass.push_back(original.columns().mass[slot]);
    }
    OccupancyLayer other_layer(100);
    Population<MassColumns> restored = four_tile_population(2, other_layer);
    restored.add(0, {9.0F});  // replaced by restore()
    restored.restore(ids, sites, columns,
                     {original.ids_issued_by_tile().begin(), original.ids_issued_by_tile().end()});
    EXPECT_TRUE(other_layer.is_empty(0));
    EXPECT_EQ(restored.slot_count(), 39u);
    EXPECT_EQ(restored.live_count(), 39u);
    EXPECT_TRUE(restored.in_id_order());
    expect_consistent(restored, other_layer);
    // Both issue the same next ids, in every tile.
    for (const SiteIndex site : {0U, 30U, 98U}) {
        const AgentSlot a = original.add(site, {1.0F});
        const AgentSlot b = restored.add(site, {1.0F});
        EXPECT_EQ(original.id(a), restored.id(b)) << "site " << site;
    }
}

TEST(Population, RestoreRejectsInconsistentStorage) {
    OccupancyLayer layer(10);
    Population<MassColumns> population("cells", 1, layer, 1);
    const AgentIdLayout& layout = population.id_layout();
    const AgentId base = layout.make(1, 0, 0);
    MassColumns two;
    two.mass = {0.0F, 0.0F};
    const std::vector<std::uint64_t> issued = {2};
    EXPECT_NO_THROW(population.restore({base, base + 1}, {1, 2}, two, issued));
    EXPECT_THROW(population.restore({base, base + 1}, {1}, two, issued), std::invalid_argument);
    EXPECT_THROW(population.restore({base, base + 1}, {1, 1}, two, issued),
                 std::invalid_argument);  // two agents on one site
    EXPECT_THROW(population.restore({base, base + 1}, {1, 10}, two, issued),
                 std::invalid_argument);  // off the lattice
    EXPECT_THROW(population.restore({base, base + 1}, {1, kNoSite}, two, issued),
                 std::invalid_argument);  // a dead slot: canonical storage is live agents only
    EXPECT_THROW(population.restore({base, base + 5}, {1, 2}, two, issued),
                 std::invalid_argument);  // id not yet issued by its tile
    EXPECT_THROW(population.restore({base, base + 1}, {1, 2}, two, {1}),
                 std::invalid_argument);  // counter below an id
    EXPECT_THROW(population.restore({base, base + 1}, {1, 2}, two, {2, 0}),
                 std::invalid_argument);  // counters of another tiling
    EXPECT_THROW(population.restore({0, 1}, {1, 2}, two, issued),
                 std::invalid_argument);  // other tag
    EXPECT_THROW(population.restore({base + 1, base + 1}, {1, 2}, two, issued),
                 std::invalid_argument);  // one id twice
    EXPECT_THROW(population.restore({base, base + 1}, {1, 2}, two, {layout.sequence_limit() + 1}),
                 std::invalid_argument);  // more ids than the sequence bits can number
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

// Copies between ranks (engine/site_records.hpp): another rank's agent arrives with its id and
// columns, an agent both hold is updated in its slot, a forgotten agent is no death.
TEST(Population, AdoptOverwriteAndForgetCopyAgentsBetweenRanksWithoutIssuingIds) {
    OccupancyLayer here_layer(100);
    OccupancyLayer there_layer(100);
    Population<MassColumns> here = four_tile_population(1, here_layer);
    Population<MassColumns> there = four_tile_population(1, there_layer);
    const AgentSlot source = there.add(30, {7.0F});
    const AgentSlot copy = here.adopt(there, source, 31);
    EXPECT_EQ(here.id(copy), there.id(source));
    EXPECT_EQ(here.site(copy), 31u);
    EXPECT_EQ(here.columns().mass[copy], 7.0F);
    EXPECT_EQ(here.ids_issued_by_tile()[1], 0u);  // adopting issues no id
    expect_consistent(here, here_layer);

    there.columns().mass[source] = 9.0F;
    here_layer.clear(31);
    here.overwrite(copy, there, source, 32);
    EXPECT_EQ(here.site(copy), 32u);
    EXPECT_EQ(here.columns().mass[copy], 9.0F);
    expect_consistent(here, here_layer);

    here_layer.clear(32);
    here.forget(copy);
    EXPECT_EQ(here.live_count(), 0u);
    EXPECT_EQ(here.commit().deaths, 0u);  // the owner counts the death, not a copy
    expect_consistent(here, here_layer);
}

// The byte form of the same copies (what travels between processes): every column's value
// arrives, and a record written from one slot and read into another leaves the rest alone.
TEST(Population, RecordBytesCarryEveryColumnBetweenRanks) {
    OccupancyLayer here_layer(100);
    OccupancyLayer there_layer(100);
    Population<MassColumns> here = four_tile_population(1, here_layer);
    Population<MassColumns> there = four_tile_population(1, there_layer);
    ASSERT_EQ(Population<MassColumns>::record_bytes(), sizeof(float));
    const AgentSlot source = there.add(30, {7.5F});
    there.add(31, {1.0F});
    std::vector<std::byte> record(Population<MassColumns>::record_bytes());
    there.write_record(source, record.data());
    const AgentSlot copy = here.adopt_record(there.id(source), record.data(), 40);
    EXPECT_EQ(here.id(copy), there.id(source));
    EXPECT_EQ(here.site(copy), 40u);
    EXPECT_EQ(here.columns().mass[copy], 7.5F);
    EXPECT_EQ(here.ids_issued_by_tile()[1], 0u);
    expect_consistent(here, here_layer);

    there.columns().mass[source] = -2.25F;
    there.write_record(source, record.data());
    here_layer.clear(40);
    here.overwrite_record(copy, record.data(), 41);
    EXPECT_EQ(here.site(copy), 41u);
    EXPECT_EQ(here.columns().mass[copy], -2.25F);
    expect_consistent(here, here_layer);
}

// Site records as bytes (engine/site_records.hpp): applied to another state they reproduce
// the sites (agents by id, empty sites emptied); bytes that do not fit are refused by name
// instead of corrupting the receiver.
TEST(SiteRecords, EncodedSitesApplyToAnotherStateAndMalformedBytesAreRefused) {
    const Lattice lattice(10, 10, 1, Boundary::reflective);
    const TileGrid grid(lattice, 1, 5);
    const Domain domain(grid);
    OccupancyLayer from_layer(100);
    OccupancyLayer to_layer(100);
    Population<MassColumns> from("cells", 1, from_layer, grid);
    Population<MassColumns> to("cells", 1, to_layer, grid);
    SiteRecords from_records;
    SiteRecords to_records;
    from_records.add_layer(from_layer, from);
    to_records.add_layer(to_layer, to);
    const AgentSlot a = from.add(12, {3.0F});
    from.add(13, {4.0F});
    to.add(14, {9.0F});  // not in `from`: gone after the copy
    const std::vector<SiteIndex> sites{12, 13, 14, 15};
    std::vector<std::byte> bytes;
    from_records.encode_sites(sites, bytes);
    EXPECT_EQ(bytes.size(), 2 * (2 + sizeof(AgentId) + sizeof(float)) + 2);

    std::span<const std::byte> in(bytes);
    to_records.apply_sites(in, sites, domain);
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(to.live_count(), 2u);
    EXPECT_TRUE(to_layer.is_empty(14));
    const AgentHandle copied = to_layer.at(12);
    ASSERT_TRUE(copied.is_agent());
    EXPECT_EQ(to.id(copied.slot()), from.id(a));
    EXPECT_EQ(to.columns().mass[copied.slot()], 3.0F);
    expect_consistent(to, to_layer);

    std::vector<std::byte> truncated(bytes.begin(), bytes.end() - 1);
    std::span<const std::byte> short_in(truncated);
    EXPECT_THROW(to_records.apply_sites(short_in, sites, domain), std::runtime_error);
    std::vector<std::byte> unknown = bytes;
    unknown.front() = std::byte{7};
    std::span<const std::byte> unknown_in(unknown);
    EXPECT_THROW(to_records.apply_sites(unknown_in, sites, domain), std::runtime_error);
}

TEST(Population, SharedBirthsAreTheSitesOfAgentsCommittedOrAddedSinceTheLastTake) {
    OccupancyLayer layer(100);
    Population<MassColumns> population = four_tile_population(0, layer);
    const SweepContext context = SweepContext::sequential(0, 1);
    population.spawn(context, 5, {1.0F});
    population.commit();
    EXPECT_TRUE(population.take_births_to_share().empty());  // off by default
    population.share_births(true);
    population.spawn(context, 6, {1.0F});
    population.spawn(context, 7, {1.0F});
    population.commit();
    EXPECT_EQ(population.take_births_to_share(), (std::vector<SiteIndex>{6, 7}));
    EXPECT_TRUE(population.take_births_to_share().empty());
    population.add(40, {2.0F});  // sequential additions too (e.g. entrants at a vessel)
    EXPECT_EQ(population.take_births_to_share(), (std::vector<SiteIndex>{40}));
}

}  // namespace
}  // namespace cartsim::engine
