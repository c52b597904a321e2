#pragma once
// What a rule declares about itself, in the spirit of FLAME GPU 2's agent function
// descriptions: its name, how far from its agent's starting site it may act (its reach), the
// random streams it draws from, and its effects (which populations it may kill, spawn into or
// move). The sweep checks the reach against the tile grid before it runs, debug builds check
// every kill, spawn and move against the declaration (engine/reach_check.hpp), and the
// schedule prints it.

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "engine/occupancy_layer.hpp"
#include "engine/rng_streams.hpp"

namespace cartsim::engine {

/// A set of population tags (AgentHandle tags are < 64).
class TagSet {
  public:
    constexpr TagSet() = default;
    constexpr TagSet(std::initializer_list<std::uint8_t> tags) {
        for (const std::uint8_t tag : tags) bits_ |= std::uint64_t{1} << tag;
    }
    constexpr bool contains(std::uint8_t tag) const { return (bits_ >> tag) & 1U; }
    constexpr bool empty() const { return bits_ == 0; }
    static constexpr TagSet all() {
        TagSet set;
        set.bits_ = ~std::uint64_t{0};
        return set;
    }

  private:
    std::uint64_t bits_ = 0;
};

/// What a rule may do to agents besides writing its own agent's columns.
struct RuleEffects {
    TagSet may_kill;   ///< populations whose agents it may remove
    TagSet may_spawn;  ///< populations it may add agents to
    TagSet may_move;   ///< populations whose agents it may move
};

struct RuleDescriptor {
    std::string_view name;
    /// Chebyshev distance (sites) from the acting agent's site at the start of its turn within
    /// which the rule reads and writes; at most the tile grid's reach.
    int reach = 0;
    /// The random streams the rule draws from (engine/rng_streams.hpp), in no particular order.
    std::span<const StreamId> streams;
    RuleEffects effects;

    /// One line for the printed schedule, e.g. "reach 2; streams 1020; kills car_t, tissue".
    std::string describe() const;
};

}  // namespace cartsim::engine
