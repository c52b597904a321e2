#pragma once
// The engine's reference model: hunters that random-walk on the mobile layer, bind targets on
// the tissue layer, kill them and divide; targets divide and die on a coarse clock. It has no
// biology in it; it exists to exercise every engine path (moves, births, deaths, two layers,
// two clocks, cross-population writes) in tests, benchmarks and the engine demo.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/domain.hpp"
#include "engine/lattice.hpp"
#include "engine/occupancy_layer.hpp"
#include "engine/population.hpp"
#include "engine/rank_exchange.hpp"
#include "engine/scheduler.hpp"
#include "engine/site_records.hpp"
#include "engine/tile_grid.hpp"
#include "engine/tile_sweep.hpp"

namespace cartsim::engine::toy {

struct WalkerParams {
    std::int32_t nx = 64;
    std::int32_t ny = 64;
    std::int32_t nz = 64;
    Boundary boundary = Boundary::reflective;
    std::uint64_t seed = 1;
    std::uint64_t initial_targets = 100'000;
    std::uint64_t initial_hunters = 20'000;
    /// Targets below this trait value cannot be bound.
    float trait_threshold = 0.5F;
    /// log-normal trait of initial targets (parameters of the logarithm)
    double trait_log_mean = 0.0;
    double trait_log_sd = 0.5;
    /// log-normal jitter of a daughter's trait around its mother's
    double trait_inheritance_log_sd = 0.1;
    double bind_probability = 0.5;  ///< per probe of a bindable target
    std::uint8_t bound_steps = 3;   ///< steps a hunter stays bound before the kill attempt
    double kill_probability = 0.6;  ///< per completed binding
    double divide_on_kill_probability = 0.5;
    double hunter_death_per_step = 0.003;
    std::uint64_t target_period_steps = 10;  ///< the coarse clock of targets
    double target_divide_per_tick = 0.04;
    double target_death_per_tick = 0.01;
    /// Reorder storage by tile every this many steps (0: never); must not change results.
    std::uint64_t sort_period_steps = 16;
};

struct HunterColumns {
    struct Row {
        std::uint16_t kills = 0;
        std::uint8_t bound_steps_left = 0;
        SiteIndex bound_site = kNoSite;
    };
    std::vector<std::uint16_t> kills;
    std::vector<std::uint8_t> bound_steps_left;
    std::vector<SiteIndex> bound_site;

    void push_back(const Row& row) {
        kills.push_back(row.kills);
        bound_steps_left.push_back(row.bound_steps_left);
        bound_site.push_back(row.bound_site);
    }
    template <class Self, class F>
    static void for_each_column(Self& self, F&& f) {
        f("kills", self.kills);
        f("bound_steps_left", self.bound_steps_left);
        f("bound_site", self.bound_site);
    }
};

struct TargetColumns {
    struct Row {
        float trait = 0.0F;
    };
    std::vector<float> trait;

    void push_back(const Row& row) { trait.push_back(row.trait); }
    template <class Self, class F>
    static void for_each_column(Self& self, F&& f) {
        f("trait", self.trait);
    }
};

struct WalkerCounts {
    std::uint64_t hunters = 0;
    std::uint64_t bound_hunters = 0;
    std::uint64_t targets = 0;
    std::uint64_t total_kills = 0;  ///< kills recorded by living hunters
    double mean_trait = 0.0;
};

class RandomWalkerWorld {
  public:
    static constexpr std::uint8_t kTargetTag = 0;
    static constexpr std::uint8_t kHunterTag = 1;
    /// Hunters move one site, then reach one site further: reach 2.
    static constexpr int kReach = 2;

    /// One rank's state: by default the only rank. With several (engine/virtual_ranks.hpp)
    /// every rank builds the same initial state, then keeps its box and ghosts.
    explicit RandomWalkerWorld(const WalkerParams& params, int preferred_tile_edge = 8,
                               const RankPlacement& placement = {});
    RandomWalkerWorld(const RandomWalkerWorld&) = delete;
    RandomWalkerWorld& operator=(const RandomWalkerWorld&) = delete;

    /// Advances one fine step (all phases due at the current step), then increments the step.
    void step();
    Step current_step() const { return step_; }

    WalkerCounts counts() const;
    std::uint64_t state_hash() const;

    const Lattice& lattice() const { return lattice_; }
    const TileGrid& grid() const { return grid_; }
    const Domain& domain() const { return domain_; }
    const Scheduler& scheduler() const { return scheduler_; }
    const OccupancyLayer& tissue() const { return tissue_; }
    const OccupancyLayer& mobile() const { return mobile_; }
    const Population<HunterColumns>& hunters() const { return hunters_; }
    const Population<TargetColumns>& targets() const { return targets_; }
    /// Births and deaths of the last commits, for conservation tests.
    const CommitReport& last_hunter_commit() const { return last_hunter_commit_; }
    const CommitReport& last_target_commit() const { return last_target_commit_; }
    std::uint64_t kills_this_step() const { return kills_this_step_; }

  private:
    void place_initial_agents();
    void hunter_rule(AgentSlot slot, const SweepContext& context);
    void target_rule(AgentSlot slot, const SweepContext& context);

    WalkerParams params_;
    Lattice lattice_;
    TileGrid grid_;
    Domain domain_;
    OccupancyLayer tissue_;
    OccupancyLayer mobile_;
    Population<TargetColumns> targets_;
    Population<HunterColumns> hunters_;
    TileBuckets buckets_;
    Scheduler scheduler_;
    Step step_ = 0;
    CommitReport last_hunter_commit_;
    CommitReport last_target_commit_;
    std::uint64_t kills_this_step_ = 0;
    SiteRecords records_;
};

/// The counts and state hash of a run split over ranks (one state per rank, in rank order):
/// each agent and site counted once, by its owner. For one rank, state_hash equals the world's
/// own; counts' mean trait is an exact sum here (engine/exact_sum.hpp), so it is the same for
/// any split while RandomWalkerWorld::counts sums in storage order.
std::uint64_t state_hash(std::span<const RandomWalkerWorld* const> ranks);
WalkerCounts counts(std::span<const RandomWalkerWorld* const> ranks);

}  // namespace cartsim::engine::toy
