// The reach check (engine/reach_check.hpp): a rule that kills, spawns or moves beyond its
// declared reach of its agent's starting site, or in a population its descriptor does not
// name, is caught; a rule within its declaration is not. This target is built with
// CARTSIM_REACH_CHECKS=1, so the check runs here in every build type (release compiles it out
// of the model; debug and sanitizer builds keep it on everywhere).

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "engine/domain.hpp"
#include "engine/lattice.hpp"
#include "engine/population.hpp"
#include "engine/reach_check.hpp"
#include "engine/rule_descriptor.hpp"
#include "engine/tile_buckets.hpp"
#include "engine/tile_grid.hpp"
#include "engine/tile_sweep.hpp"

static_assert(CARTSIM_REACH_CHECKS == 1, "this test must be built with the reach check on");

namespace cartsim::engine {
namespace {

struct Columns {
    struct Row {};
    std::vector<std::uint8_t> unused;
    void push_back(const Row&) { unused.push_back(0); }
    template <class Self, class F>
    static void for_each_column(Self& self, F&& f) {
        f("unused", self.unused);
    }
};

constexpr std::uint8_t kWalkerTag = 1;
constexpr std::uint8_t kOtherTag = 2;

// One walker in the middle of a 16 x 16 periodic sheet, and "other" agents on a second layer.
struct World {
    Lattice lattice{16, 16, 1, Boundary::periodic};
    TileGrid grid{lattice, 2, 4};
    Domain domain{grid};
    OccupancyLayer walker_layer{lattice.site_count()};
    OccupancyLayer other_layer{lattice.site_count()};
    Population<Columns> walkers{"walkers", kWalkerTag, walker_layer, grid};
    Population<Columns> others{"others", kOtherTag, other_layer, grid};
    TileBuckets buckets;
    SiteIndex centre = lattice.site_of({8, 8, 0});

    World() {
        walkers.add(centre, {});
        for (SiteIndex s = 0; s < lattice.site_count(); ++s) others.add(s, {});
    }
    SiteIndex at(int dx, int dy) const { return lattice.site_at({8 + dx, 8 + dy, 0}); }

    template <class Rule>
    void sweep(const RuleDescriptor& descriptor, Rule&& rule) {
        sweep_population(domain, walkers, buckets, 1, 0, descriptor,
                         [&](AgentSlot slot, const SweepContext& context) { rule(slot, context); });
    }
};

constexpr RuleDescriptor kReachOne{
    .name = "test-rule",
    .reach = 1,
    .streams = {},
    .effects = {
        .may_kill = {kWalkerTag, kOtherTag}, .may_spawn = {kWalkerTag}, .may_move = {kWalkerTag}}};

TEST(ReachCheck, ActionsWithinTheDeclaredReachPass) {
    World world;
    EXPECT_NO_THROW(world.sweep(kReachOne, [&](AgentSlot slot, const SweepContext& context) {
        world.others.kill(context, world.other_layer.at(world.at(1, -1)).slot());
        world.walkers.spawn(context, world.at(-1, 1), {});
        world.walkers.move(context, slot, world.at(1, 1));
    }));
}

TEST(ReachCheck, PlantedKillBeyondTheReachIsCaught) {
    World world;
    try {
        world.sweep(kReachOne, [&](AgentSlot, const SweepContext& context) {
            world.others.kill(context, world.other_layer.at(world.at(2, 0)).slot());
        });
        FAIL() << "a kill two sites away from a reach-1 rule went unnoticed";
    } catch (const ReachViolation& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("test-rule"), std::string::npos) << message;
        EXPECT_NE(message.find("others"), std::string::npos) << message;
        EXPECT_NE(message.find("reach of 1"), std::string::npos) << message;
    }
}

TEST(ReachCheck, PlantedSpawnAndMoveBeyondTheReachAreCaught) {
    World spawn_world;
    EXPECT_THROW(spawn_world.sweep(kReachOne,
                                   [&](AgentSlot, const SweepContext& context) {
                                       spawn_world.walkers.spawn(context, spawn_world.at(0, 3), {});
                                   }),
                 ReachViolation);
    World move_world;
    EXPECT_THROW(move_world.sweep(kReachOne,
                                  [&](AgentSlot slot, const SweepContext& context) {
                                      move_world.walkers.move(context, slot, move_world.at(-2, 2));
                                  }),
                 ReachViolation);
}

TEST(ReachCheck, DistanceWrapsAroundPeriodicFaces) {
    // Site (0, 8) is 8 sites from the centre; (15, 8) is 1 from (0, 8) across the face.
    World world;
    const Lattice& l = world.lattice;
    EXPECT_EQ(chebyshev_distance(l, l.site_of({0, 8, 0}), l.site_of({15, 8, 0})), 1);
    EXPECT_EQ(chebyshev_distance(l, l.site_of({0, 0, 0}), l.site_of({15, 15, 0})), 1);
    EXPECT_EQ(chebyshev_distance(l, world.centre, l.site_of({0, 8, 0})), 8);
    const Lattice reflective{16, 16, 1, Boundary::reflective};
    EXPECT_EQ(chebyshev_distance(reflective, 0, reflective.site_of({15, 15, 0})), 15);
}

TEST(ReachCheck, EffectsTheDescriptorDoesNotNameAreCaught) {
    constexpr RuleDescriptor kKillsOnlyWalkers{
        .name = "walkers-only",
        .reach = 2,
        .streams = {},
        .effects = {.may_kill = {kWalkerTag}, .may_spawn = {}, .may_move = {}}};
    World world;
    EXPECT_THROW(world.sweep(kKillsOnlyWalkers,
                             [&](AgentSlot, const SweepContext& context) {
                                 world.others.kill(context,
                                                   world.other_layer.at(world.centre).slot());
                             }),
                 ReachViolation);
    World again;
    EXPECT_THROW(again.sweep(kKillsOnlyWalkers,
                             [&](AgentSlot slot, const SweepContext& context) {
                                 again.walkers.move(context, slot, again.at(0, 1));
                             }),
                 ReachViolation);
}

TEST(ReachCheck, ADescriptorReachingBeyondTheGridIsRefused) {
    constexpr RuleDescriptor kTooFar{.name = "too-far", .reach = 3, .streams = {}, .effects = {}};
    World world;
    EXPECT_THROW(world.sweep(kTooFar, [](AgentSlot, const SweepContext&) {}), std::logic_error);
}

TEST(ReachCheck, SequentialCodeMayActAnywhere) {
    World world;
    const SweepContext sequential = SweepContext::sequential(0, 1);
    EXPECT_NO_THROW(world.others.kill(sequential, world.other_layer.at(world.at(7, 7)).slot()));
}

}  // namespace
}  // namespace cartsim::engine
