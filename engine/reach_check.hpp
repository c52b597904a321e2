#pragma once
// The sweep's central safety claim, checked: a rule kills, spawns and moves only within its
// declared reach of its agent's starting site, and only in the populations its descriptor
// names (engine/rule_descriptor.hpp). Tiles of one color are farther apart than the grid's
// reach, which is what makes a parallel sweep race-free; a rule that acts farther would race
// silently. On in debug and sanitizer builds (no NDEBUG), compiled out in release; a build may
// force it with -DCARTSIM_REACH_CHECKS=0/1.

#include <fmt/format.h>

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "engine/lattice.hpp"
#include "engine/rule_descriptor.hpp"
#include "engine/sweep_context.hpp"
#include "engine/types.hpp"

#ifndef CARTSIM_REACH_CHECKS
#ifdef NDEBUG
#define CARTSIM_REACH_CHECKS 0
#else
#define CARTSIM_REACH_CHECKS 1
#endif
#endif

namespace cartsim::engine {

/// A rule acted beyond its declaration: a programming error in model code.
class ReachViolation : public std::logic_error {
  public:
    using std::logic_error::logic_error;
};

/// Chebyshev distance between two sites (the minimum image on periodic lattices).
inline std::int32_t chebyshev_distance(const Lattice& lattice, SiteIndex a, SiteIndex b) {
    const SiteCoord p = lattice.coord_of(a);
    const SiteCoord q = lattice.coord_of(b);
    const bool periodic = lattice.boundary() == Boundary::periodic;
    auto axis = [periodic](std::int32_t u, std::int32_t v, std::int32_t n) {
        const std::int32_t d = u > v ? u - v : v - u;
        return periodic && n - d < d ? n - d : d;
    };
    return std::max(
        {axis(p.x, q.x, lattice.nx()), axis(p.y, q.y, lattice.ny()), axis(p.z, q.z, lattice.nz())});
}

enum class RuleEffect : std::uint8_t { kill, spawn, move };

/// Throws ReachViolation if the rule running in `context` may not have this effect on
/// population `tag` at `site`. Sequential contexts (no rule) may do anything.
inline void check_rule_effect(const SweepContext& context, std::uint8_t tag,
                              std::string_view population, RuleEffect effect, SiteIndex site) {
    const RuleDescriptor* rule = context.rule;
    if (rule == nullptr || context.lattice == nullptr) return;
    static constexpr std::string_view kVerb[] = {"kill", "spawn", "move"};
    const std::string_view verb = kVerb[static_cast<int>(effect)];
    const TagSet allowed = effect == RuleEffect::kill    ? rule->effects.may_kill
                           : effect == RuleEffect::spawn ? rule->effects.may_spawn
                                                         : rule->effects.may_move;
    if (!allowed.contains(tag)) {
        throw ReachViolation(fmt::format(
            "rule '{}' tried to {} in population '{}', which its descriptor does not allow",
            rule->name, verb, population));
    }
    const std::int32_t distance = chebyshev_distance(*context.lattice, context.origin, site);
    if (distance > rule->reach) {
        throw ReachViolation(fmt::format(
            "rule '{}' tried to {} in population '{}' at site {}, {} sites from its agent's "
            "starting site {}: beyond its declared reach of {}",
            rule->name, verb, population, site, distance, context.origin, rule->reach));
    }
}

}  // namespace cartsim::engine
