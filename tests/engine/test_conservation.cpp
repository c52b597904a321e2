// Conservation on the engine's reference walker model: never two agents on one site of a
// layer, and no agent lost or duplicated by moves, births or deaths.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <vector>

#include "engine/parallelism.hpp"
#include "engine/toy/random_walkers.hpp"

namespace cartsim::engine::toy {
namespace {

template <class PopulationT>
std::map<AgentId, SiteIndex> live_agents(const PopulationT& population) {
    std::map<AgentId, SiteIndex> agents;
    for (AgentSlot slot = 0; slot < population.slot_count(); ++slot) {
        if (!population.alive(slot)) continue;
        const bool inserted = agents.emplace(population.id(slot), population.site(slot)).second;
        EXPECT_TRUE(inserted) << population.name() << ": duplicate id " << population.id(slot);
    }
    return agents;
}

/// Every occupied site names a live agent of the layer's population that sits on that site,
/// each agent is on exactly one site, and no site holds two agents.
template <class PopulationT>
void expect_layer_matches(const PopulationT& population, const OccupancyLayer& layer) {
    std::uint64_t occupied = 0;
    for (SiteIndex s = 0; s < layer.site_count(); ++s) {
        const AgentHandle h = layer.at(s);
        if (h.is_empty()) continue;
        ++occupied;
        ASSERT_TRUE(h.is_agent()) << "pending birth left after commit at site " << s;
        ASSERT_EQ(h.tag(), population.tag());
        ASSERT_TRUE(population.alive(h.slot()));
        ASSERT_EQ(population.site(h.slot()), s);
    }
    // Live agents map injectively to sites (checked above), so equal counts mean a bijection.
    ASSERT_EQ(occupied, population.live_count());
}

int chebyshev(const Lattice& lattice, SiteIndex a, SiteIndex b) {
    const SiteCoord p = lattice.coord_of(a);
    const SiteCoord q = lattice.coord_of(b);
    return std::max({std::abs(p.x - q.x), std::abs(p.y - q.y), std::abs(p.z - q.z)});
}

TEST(Conservation, BirthsDeathsAndMovesAccountForEveryAgent) {
    WalkerParams params;
    params.nx = params.ny = params.nz = 40;
    params.initial_targets = 25'000;
    params.initial_hunters = 6'000;
    run_with_threads(2, [&] {
        RandomWalkerWorld world(params);
        std::uint64_t total_births = 0;
        std::uint64_t total_deaths = 0;
        for (int s = 0; s < 120; ++s) {
            const auto hunters_before = live_agents(world.hunters());
            const auto targets_before = live_agents(world.targets());
            const std::vector<std::uint64_t> hunter_ids_issued(
                world.hunters().ids_issued_by_tile().begin(),
                world.hunters().ids_issued_by_tile().end());
            world.step();
            const auto hunters_after = live_agents(world.hunters());
            const auto targets_after = live_agents(world.targets());
            expect_layer_matches(world.hunters(), world.mobile());
            expect_layer_matches(world.targets(), world.tissue());

            const CommitReport& h = world.last_hunter_commit();
            const CommitReport& t = world.last_target_commit();
            EXPECT_EQ(hunters_after.size(), hunters_before.size() + h.births - h.deaths);
            EXPECT_EQ(targets_after.size(), targets_before.size() + t.births - t.deaths);
            total_births += h.births + t.births;
            total_deaths += h.deaths + t.deaths;

            // Survivors keep their id; new ids are fresh; vanished ids are exactly the deaths.
            std::uint64_t hunter_survivors = 0;
            for (const auto& [id, site] : hunters_after) {
                const auto before = hunters_before.find(id);
                if (before == hunters_before.end()) {
                    // A fresh id: its tile had not issued its sequence before the step.
                    const AgentIdLayout& ids = world.hunters().id_layout();
                    EXPECT_GE(ids.sequence_of(id), hunter_ids_issued[ids.tile_of(id)]);
                    continue;
                }
                ++hunter_survivors;
                EXPECT_LE(chebyshev(world.lattice(), before->second, site), 1)
                    << "hunter " << id << " jumped";
            }
            EXPECT_EQ(hunter_survivors, hunters_before.size() - h.deaths);
            std::uint64_t target_survivors = 0;
            for (const auto& [id, site] : targets_after) {
                const auto before = targets_before.find(id);
                if (before == targets_before.end()) continue;
                ++target_survivors;
                EXPECT_EQ(before->second, site) << "target " << id << " moved";
            }
            EXPECT_EQ(target_survivors, targets_before.size() - t.deaths);
            if (testing::Test::HasFailure()) return;
        }
        // The run exercised every path, or the checks above prove little.
        EXPECT_GT(total_births, 1000u);
        EXPECT_GT(total_deaths, 1000u);
        EXPECT_GT(world.counts().total_kills, 100u);
    });
}

TEST(Conservation, PureRandomWalkKeepsEveryAgentOnItsOwnSite) {
    WalkerParams params;
    params.nx = params.ny = 30;
    params.nz = 1;  // 2-D, crowded: 60% of mobile sites taken
    params.boundary = Boundary::periodic;
    params.initial_targets = 0;
    params.initial_hunters = 540;
    params.hunter_death_per_step = 0.0;
    run_with_threads(4, [&] {
        RandomWalkerWorld world(params);
        const auto start = live_agents(world.hunters());
        std::uint64_t moved = 0;
        for (int s = 0; s < 200; ++s) {
            world.step();
            expect_layer_matches(world.hunters(), world.mobile());
        }
        const auto end = live_agents(world.hunters());
        ASSERT_EQ(end.size(), start.size());
        for (const auto& [id, site] : start) {
            ASSERT_TRUE(end.count(id)) << "agent " << id << " lost";
            moved += end.at(id) != site;
        }
        EXPECT_GT(moved, start.size() / 2);  // they did walk
    });
}

}  // namespace
}  // namespace cartsim::engine::toy
