// Tutorial 01 (docs/tutorial/01_walkers_on_the_engine.md): a model of random walkers written on
// the engine alone, as the tutorial builds it step by step, and the tests that prove it works:
// walkers are conserved and never share a site, the run is identical at 1 and 4 threads, and a
// restored state continues bit for bit.

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/domain.hpp"
#include "engine/lattice.hpp"
#include "engine/model_state.hpp"
#include "engine/occupancy_layer.hpp"
#include "engine/parallelism.hpp"
#include "engine/population.hpp"
#include "engine/rule_descriptor.hpp"
#include "engine/scheduler.hpp"
#include "engine/tile_buckets.hpp"
#include "engine/tile_grid.hpp"
#include "engine/tile_sweep.hpp"

namespace cartsim::tutorial {
namespace {

using namespace cartsim::engine;

// Step 1: the columns of one walker (struct of arrays, one vector per field).
struct WalkerColumns {
    struct Row {
        std::uint32_t steps_taken = 0;
    };
    std::vector<std::uint32_t> steps_taken;
    void push_back(const Row& row) { steps_taken.push_back(row.steps_taken); }
    template <class Self, class F>
    static void for_each_column(Self& self, F&& f) {
        f("steps_taken", self.steps_taken);
    }
};

// Step 2: the rule's view (what it may touch) and its descriptor (reach, streams, effects).
struct WalkerView {
    Population<WalkerColumns>& walkers;
    const OccupancyLayer& layer;
    const Lattice& lattice;
};
constexpr std::uint8_t kWalkerTag = 0;
constexpr std::array kWalkerStreams = {StreamId::tutorial_walker_step};
constexpr RuleDescriptor kWalkerRule{
    .name = "walker",
    .reach = 1,
    .streams = kWalkerStreams,
    .effects = {.may_kill = {}, .may_spawn = {}, .may_move = {kWalkerTag}}};

// Step 3: the rule, a free function: one walker, one turn.
void walker_step(const WalkerView& view, AgentSlot slot, const SweepContext& context) {
    RandomStream random = context.random(StreamId::tutorial_walker_step, view.walkers.id(slot));
    const auto offsets = view.lattice.offsets(Neighborhood::moore);
    const SiteIndex to =
        view.lattice.neighbor(view.walkers.site(slot), offsets[random.below(offsets.size())]);
    if (to == kNoSite || !view.layer.is_empty(to)) return;  // blocked: stay
    view.walkers.move(context, slot, to);
    ++view.walkers.columns().steps_taken[slot];
}

// Step 4: the assembly: lattice, tiles, layer, population, one phase; state declared once.
class WalkerWorld {
  public:
    WalkerWorld(std::uint64_t seed, std::uint64_t walkers)
        : seed_(seed),
          lattice_(32, 32, 32, Boundary::periodic),
          grid_(lattice_, 1, 8),
          domain_(grid_),
          layer_(lattice_.site_count()),
          walkers_("walkers", kWalkerTag, layer_, grid_),
          scheduler_(1.0) {
        for (std::uint64_t i = 0; walkers_.live_count() < walkers; ++i) {
            RandomStream random(seed, StreamId::tutorial_walker_step, 0, i);
            const auto site = static_cast<SiteIndex>(random.below(lattice_.site_count()));
            if (layer_.is_empty(site)) walkers_.add(site, {});
        }
        scheduler_.add({"walk", "every walker tries one Moore step", 1, 0, [this](Step s) {
                            const WalkerView view{walkers_, layer_, lattice_};
                            sweep_population(domain_, walkers_, buckets_, seed_, s, kWalkerRule,
                                             [&](AgentSlot slot, const SweepContext& context) {
                                                 walker_step(view, slot, context);
                                             });
                            walkers_.commit();
                        }});
    }
    void step() { scheduler_.run_step(step_++); }

    template <class Self, class Visitor>
    static void visit_state(Self& self, Visitor& visitor) {
        visitor.scalar(StateEntry{"", "step", "steps"}, self.step_);
        visitor.population(self.walkers_);
    }
    std::uint64_t hash() const {
        StateHasher hasher;
        StateHashVisitor visitor(hasher);
        visit_state(*this, visitor);
        return hasher.value();
    }
    SavedState save() const {
        SavedState state;
        StateSaver saver(state);
        visit_state(*this, saver);
        return state;
    }
    void restore(SavedState state) {
        StateRestorer restorer(state);
        visit_state(*this, restorer);
    }
    const Population<WalkerColumns>& walkers() const { return walkers_; }
    const OccupancyLayer& layer() const { return layer_; }

  private:
    std::uint64_t seed_;
    Lattice lattice_;
    TileGrid grid_;
    Domain domain_;
    OccupancyLayer layer_;
    Population<WalkerColumns> walkers_;
    TileBuckets buckets_;
    Scheduler scheduler_;
    Step step_ = 0;
};

std::vector<std::uint64_t> hashes(int threads, int steps) {
    std::vector<std::uint64_t> out;
    run_with_threads(threads, [&] {
        WalkerWorld world(7, 4000);
        for (int s = 0; s < steps; ++s) {
            world.step();
            out.push_back(world.hash());
        }
    });
    return out;
}

// Step 5: the tests that prove the model works.
TEST(Tutorial01, WalkersAreConservedAndNeverShareASite) {
    WalkerWorld world(7, 4000);
    for (int s = 0; s < 50; ++s) world.step();
    EXPECT_EQ(world.walkers().live_count(), 4000u);
    std::uint64_t occupied = 0;
    std::uint64_t steps_taken = 0;
    for (SiteIndex site = 0; site < world.layer().site_count(); ++site) {
        occupied += world.layer().at(site).is_agent() ? 1 : 0;
    }
    for (const auto n : world.walkers().columns().steps_taken) steps_taken += n;
    EXPECT_EQ(occupied, 4000u);
    EXPECT_GT(steps_taken, 4000u * 40) << "walkers should move on most steps at 12% occupancy";
}

TEST(Tutorial01, IdenticalAtOneAndFourThreads) {
    EXPECT_EQ(hashes(1, 30), hashes(4, 30));
}

TEST(Tutorial01, ARestoredStateContinuesBitForBit) {
    WalkerWorld original(7, 4000);
    for (int s = 0; s < 10; ++s) original.step();
    WalkerWorld restored(7, 4000);
    for (int s = 0; s < 3; ++s) restored.step();  // another history, replaced by the saved state
    restored.restore(original.save());
    for (int s = 0; s < 10; ++s) {
        original.step();
        restored.step();
    }
    EXPECT_EQ(original.hash(), restored.hash());
}

}  // namespace
}  // namespace cartsim::tutorial
