#include "engine/toy/random_walkers.hpp"

#include <fmt/format.h>

#include <array>
#include <stdexcept>

#include "engine/exact_sum.hpp"
#include "engine/reduce.hpp"
#include "engine/rule_descriptor.hpp"
#include "engine/state_hash.hpp"

namespace cartsim::engine::toy {

namespace {

// What each rule declares (engine/rule_descriptor.hpp): a hunter steps one site and probes one
// further, and its daughter goes next to it; a target divides into a face neighbour.
constexpr std::array kHunterStreams = {StreamId::toy_hunter_move, StreamId::toy_hunter_probe,
                                       StreamId::toy_hunter_fate};
constexpr RuleDescriptor kHunterRule{
    .name = "hunter",
    .reach = 2,
    .streams = kHunterStreams,
    .effects = {.may_kill = {RandomWalkerWorld::kHunterTag, RandomWalkerWorld::kTargetTag},
                .may_spawn = {RandomWalkerWorld::kHunterTag},
                .may_move = {RandomWalkerWorld::kHunterTag}}};
constexpr std::array kTargetStreams = {StreamId::toy_target_fate, StreamId::toy_target_trait};
constexpr RuleDescriptor kTargetRule{.name = "target",
                                     .reach = 1,
                                     .streams = kTargetStreams,
                                     .effects = {.may_kill = {RandomWalkerWorld::kTargetTag},
                                                 .may_spawn = {RandomWalkerWorld::kTargetTag},
                                                 .may_move = {}}};

}  // namespace

RandomWalkerWorld::RandomWalkerWorld(const WalkerParams& params, int preferred_tile_edge,
                                     const RankPlacement& placement)
    : params_(params),
      lattice_(params.nx, params.ny, params.nz, params.boundary),
      grid_(lattice_, kReach, preferred_tile_edge),
      domain_(grid_, placement.rank_count, placement.rank),
      tissue_(lattice_.site_count()),
      mobile_(lattice_.site_count()),
      targets_("targets", kTargetTag, tissue_, grid_),
      hunters_("hunters", kHunterTag, mobile_, grid_),
      scheduler_(1.0) {
    if (params.initial_targets > lattice_.site_count() ||
        params.initial_hunters > lattice_.site_count()) {
        throw std::invalid_argument(
            fmt::format("toy model: {} targets and {} hunters do not fit on {} sites",
                        params.initial_targets, params.initial_hunters, lattice_.site_count()));
    }
    place_initial_agents();
    if (placement.exchange != nullptr) {
        records_.add_layer(tissue_, targets_);
        records_.add_layer(mobile_, hunters_);
        domain_.set_exchange(placement.exchange);
        placement.exchange->attach(domain_, records_);
    }
    scheduler_.sync_with(domain_);

    scheduler_.add({"hunters", "move, probe and bind, kill and divide, die", 1, 0, [this](Step s) {
                        kills_this_step_ = 0;
                        if (params_.sort_period_steps > 0 && s % params_.sort_period_steps == 0) {
                            auto tile_of = [this](SiteIndex site) { return grid_.tile_of(site); };
                            hunters_.sort_by_tile(grid_.tile_count(), tile_of);
                            targets_.sort_by_tile(grid_.tile_count(), tile_of);
                        }
                        sweep_population(domain_, hunters_, buckets_, params_.seed, s, kHunterRule,
                                         [this](AgentSlot slot, const SweepContext& context) {
                                             hunter_rule(slot, context);
                                         });
                    }});
    scheduler_.add(
        {"commit-hunters", "apply hunter births/deaths, target deaths", 1, 0, [this](Step) {
             last_hunter_commit_ = hunters_.commit();
             last_target_commit_ = targets_.commit();
             kills_this_step_ = last_target_commit_.deaths;
         }});
    scheduler_.add({"targets", "divide into a free face neighbour, die", params.target_period_steps,
                    0, [this](Step s) {
                        sweep_population(domain_, targets_, buckets_, params_.seed, s, kTargetRule,
                                         [this](AgentSlot slot, const SweepContext& context) {
                                             target_rule(slot, context);
                                         });
                        const CommitReport report = targets_.commit();
                        last_target_commit_.births += report.births;
                        last_target_commit_.deaths += report.deaths;
                    }});
}

void RandomWalkerWorld::place_initial_agents() {
    targets_.reserve(params_.initial_targets * 2);
    hunters_.reserve(params_.initial_hunters * 2);
    const std::uint64_t sites = lattice_.site_count();
    auto place = [&](auto& population, std::uint64_t count, auto make_row) {
        for (std::uint64_t i = 0; i < count; ++i) {
            RandomStream random(params_.seed, StreamId::toy_initial_placement, population.tag(), i);
            SiteIndex site = kNoSite;
            do {
                site = static_cast<SiteIndex>(random.below(sites));
            } while (!population.layer().is_empty(site));
            population.add(site, make_row(random));
        }
    };
    place(targets_, params_.initial_targets, [&](RandomStream& random) {
        return TargetColumns::Row{
            static_cast<float>(random.lognormal(params_.trait_log_mean, params_.trait_log_sd))};
    });
    place(hunters_, params_.initial_hunters, [](RandomStream&) { return HunterColumns::Row{}; });
}

void RandomWalkerWorld::hunter_rule(AgentSlot slot, const SweepContext& context) {
    const AgentId id = hunters_.id(slot);
    auto& columns = hunters_.columns();
    RandomStream fate = context.random(StreamId::toy_hunter_fate, id);
    if (fate.bernoulli(params_.hunter_death_per_step)) {
        hunters_.kill(context, slot);
        return;
    }
    std::array<SiteIndex, 27> candidates{};

    if (columns.bound_steps_left[slot] > 0) {
        if (--columns.bound_steps_left[slot] > 0) return;
        const SiteIndex target_site = columns.bound_site[slot];
        columns.bound_site[slot] = kNoSite;
        const AgentHandle target = tissue_.at(target_site);
        if (!target.is_agent() || target.tag() != kTargetTag) return;  // died meanwhile
        if (!fate.bernoulli(params_.kill_probability)) return;
        targets_.kill(context, target.slot());
        ++columns.kills[slot];
        if (!fate.bernoulli(params_.divide_on_kill_probability)) return;
        const int n = lattice_.neighbors(hunters_.site(slot), Neighborhood::moore, candidates);
        int free = 0;
        for (int i = 0; i < n; ++i) {
            if (mobile_.is_empty(candidates[static_cast<std::size_t>(i)])) {
                candidates[static_cast<std::size_t>(free++)] =
                    candidates[static_cast<std::size_t>(i)];
            }
        }
        if (free == 0) return;
        const SiteIndex daughter_site = candidates[fate.below(static_cast<std::uint64_t>(free))];
        hunters_.spawn(context, daughter_site, HunterColumns::Row{});
        return;
    }

    // Free: one random Moore step if the site is free (a blocked or off-lattice step is a
    // reflection: the hunter stays).
    RandomStream move = context.random(StreamId::toy_hunter_move, id);
    const auto offsets = lattice_.offsets(Neighborhood::moore);
    const Offset direction = offsets[move.below(offsets.size())];
    const SiteIndex to = lattice_.neighbor(hunters_.site(slot), direction);
    if (to != kNoSite && mobile_.is_empty(to)) hunters_.move(context, slot, to);

    // Probe one tissue site: its own or a Moore neighbour.
    RandomStream probe = context.random(StreamId::toy_hunter_probe, id);
    const SiteIndex here = hunters_.site(slot);
    const auto pick = probe.below(offsets.size() + 1);
    const SiteIndex probed = pick == offsets.size() ? here : lattice_.neighbor(here, offsets[pick]);
    if (probed == kNoSite) return;
    const AgentHandle target = tissue_.at(probed);
    if (!target.is_agent()) return;
    if (targets_.columns().trait[target.slot()] < params_.trait_threshold) return;
    if (!probe.bernoulli(params_.bind_probability)) return;
    columns.bound_steps_left[slot] = params_.bound_steps;
    columns.bound_site[slot] = probed;
}

void RandomWalkerWorld::target_rule(AgentSlot slot, const SweepContext& context) {
    RandomStream fate = context.random(StreamId::toy_target_fate, targets_.id(slot));
    if (fate.bernoulli(params_.target_death_per_tick)) {
        targets_.kill(context, slot);
        return;
    }
    if (!fate.bernoulli(params_.target_divide_per_tick)) return;
    std::array<SiteIndex, 27> candidates{};
    const int n = lattice_.neighbors(targets_.site(slot), Neighborhood::von_neumann, candidates);
    int free = 0;
    for (int i = 0; i < n; ++i) {
        if (tissue_.is_empty(candidates[static_cast<std::size_t>(i)])) {
            candidates[static_cast<std::size_t>(free++)] = candidates[static_cast<std::size_t>(i)];
        }
    }
    if (free == 0) return;  // contact inhibition
    const SiteIndex daughter_site = candidates[fate.below(static_cast<std::uint64_t>(free))];
    RandomStream trait = context.random(StreamId::toy_target_trait, targets_.id(slot));
    const float mother = targets_.columns().trait[slot];
    targets_.spawn(
        context, daughter_site,
        {static_cast<float>(mother * trait.lognormal(0.0, params_.trait_inheritance_log_sd))});
}

void RandomWalkerWorld::step() {
    scheduler_.run_step(step_);
    ++step_;
}

WalkerCounts RandomWalkerWorld::counts() const {
    WalkerCounts counts;
    counts.hunters = hunters_.live_count();
    counts.targets = targets_.live_count();
    const auto& hunter_columns = hunters_.columns();
    counts.bound_hunters = parallel_count(hunters_.slot_count(), [&](std::size_t slot) {
        return hunters_.alive(static_cast<AgentSlot>(slot)) &&
               hunter_columns.bound_steps_left[slot] > 0;
    });
    for (std::size_t slot = 0; slot < hunters_.slot_count(); ++slot) {
        if (hunters_.alive(static_cast<AgentSlot>(slot)))
            counts.total_kills += hunter_columns.kills[slot];
    }
    const auto& trait = targets_.columns().trait;
    const double sum = deterministic_sum(targets_.slot_count(), [&](std::size_t slot) {
        return targets_.alive(static_cast<AgentSlot>(slot)) ? static_cast<double>(trait[slot])
                                                            : 0.0;
    });
    counts.mean_trait = counts.targets > 0 ? sum / static_cast<double>(counts.targets) : 0.0;
    return counts;
}

std::uint64_t RandomWalkerWorld::state_hash() const {
    StateHasher hasher;
    hasher.add(step_);
    hash_population(hasher, targets_);
    hash_population(hasher, hunters_);
    // Occupancy as (site -> agent id), which does not depend on storage slots.
    for (const OccupancyLayer* layer : {&tissue_, &mobile_}) {
        for (SiteIndex site = 0; site < layer->site_count(); ++site) {
            const AgentHandle handle = layer->at(site);
            if (handle.is_empty()) continue;
            hasher.add(site);
            hasher.add(handle.tag() == kTargetTag ? targets_.id(handle.slot())
                                                  : hunters_.id(handle.slot()));
        }
    }
    return hasher.value();
}

namespace {

template <class F>
void for_each_owned(const RandomWalkerWorld& world, const auto& population, F&& f) {
    const Domain& domain = world.domain();
    for (AgentSlot slot = 0; slot < population.slot_count(); ++slot) {
        if (!population.alive(slot)) continue;
        if (!domain.owns(world.grid().tile_of(population.site(slot)))) continue;
        f(slot);
    }
}

}  // namespace

std::uint64_t state_hash(std::span<const RandomWalkerWorld* const> ranks) {
    const RandomWalkerWorld& first = *ranks.front();
    const TileGrid& grid = first.grid();
    std::vector<const Domain*> domains;
    std::vector<const Population<TargetColumns>*> targets;
    std::vector<const Population<HunterColumns>*> hunters;
    for (const RandomWalkerWorld* world : ranks) {
        domains.push_back(&world->domain());
        targets.push_back(&world->targets());
        hunters.push_back(&world->hunters());
    }
    StateHasher hasher;
    hasher.add(first.current_step());
    hash_population_across_ranks<Population<TargetColumns>>(hasher, targets, domains);
    hash_population_across_ranks<Population<HunterColumns>>(hasher, hunters, domains);
    // Occupancy as (site -> agent id), each site from the rank that owns it.
    for (const bool tissue : {true, false}) {
        for (SiteIndex site = 0; site < grid.lattice().site_count(); ++site) {
            const RandomWalkerWorld& owner =
                *ranks[static_cast<std::size_t>(first.domain().owner_of(grid.tile_of(site)))];
            const AgentHandle handle = (tissue ? owner.tissue() : owner.mobile()).at(site);
            if (handle.is_empty()) continue;
            hasher.add(site);
            hasher.add(handle.tag() == RandomWalkerWorld::kTargetTag
                           ? owner.targets().id(handle.slot())
                           : owner.hunters().id(handle.slot()));
        }
    }
    return hasher.value();
}

WalkerCounts counts(std::span<const RandomWalkerWorld* const> ranks) {
    WalkerCounts counts;
    ExactSum trait_sum;
    for (const RandomWalkerWorld* world : ranks) {
        const auto& hunter_columns = world->hunters().columns();
        for_each_owned(*world, world->hunters(), [&](AgentSlot slot) {
            ++counts.hunters;
            if (hunter_columns.bound_steps_left[slot] > 0) ++counts.bound_hunters;
            counts.total_kills += hunter_columns.kills[slot];
        });
        const auto& trait = world->targets().columns().trait;
        for_each_owned(*world, world->targets(), [&](AgentSlot slot) {
            ++counts.targets;
            trait_sum.add(static_cast<double>(trait[slot]));
        });
    }
    counts.mean_trait =
        counts.targets > 0 ? trait_sum.value() / static_cast<double>(counts.targets) : 0.0;
    return counts;
}

}  // namespace cartsim::engine::toy
