#pragma once
// CAR-T cells on the mobile layer: their states and per-cell columns.

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "agents/labels.hpp"
#include "engine/types.hpp"

namespace cartsim::agents {

/// resting: infused, not yet stimulated; effector: stimulated (engaged or free);
/// memory: long-lived, re-activates on antigen; exhausted: kills less, does not divide.
enum class CarTState : std::uint8_t { resting = 0, effector = 1, memory = 2, exhausted = 3 };
inline constexpr int kCarTStateCount = 4;
/// Labels by CarTState value (snapshot attribute state_labels).
inline constexpr std::array<std::string_view, kCarTStateCount> kCarTStateLabels = {
    "resting", "effector", "memory", "exhausted"};

struct CarTColumns {
    struct Row {
        CarTState state = CarTState::resting;
        std::uint8_t direction = 0;  ///< index into Moore offsets
        std::uint16_t kills = 0;
        std::uint32_t activation_steps_left = 0;           ///< proliferative program remaining
        engine::SiteIndex engaged_site = engine::kNoSite;  ///< target's site while in synapse
        float exhaustion = 0.0F;        ///< score in [0, 1]; 1 = terminally exhausted
        float exhaustion_fixed = 0.0F;  ///< the part of the score rest cannot heal (<= score)
        float car_level = 1.0F;         ///< surface CAR, 1 = full, 0 = none
    };
    std::vector<CarTState> state;
    std::vector<std::uint8_t> direction;
    std::vector<std::uint16_t> kills;
    std::vector<std::uint32_t> activation_steps_left;
    std::vector<engine::SiteIndex> engaged_site;
    std::vector<float> exhaustion;
    std::vector<float> exhaustion_fixed;
    std::vector<float> car_level;

    void push_back(const Row& row) {
        state.push_back(row.state);
        direction.push_back(row.direction);
        kills.push_back(row.kills);
        activation_steps_left.push_back(row.activation_steps_left);
        engaged_site.push_back(row.engaged_site);
        exhaustion.push_back(row.exhaustion);
        exhaustion_fixed.push_back(row.exhaustion_fixed);
        car_level.push_back(row.car_level);
    }
    Row row(std::size_t slot) const {
        return {state[slot],
                direction[slot],
                kills[slot],
                activation_steps_left[slot],
                engaged_site[slot],
                exhaustion[slot],
                exhaustion_fixed[slot],
                car_level[slot]};
    }
    /// Every column (state: checkpoints, hashes, compaction, sorting).
    template <class Self, class F>
    static void for_each_column(Self& self, F&& f) {
        f("state", self.state);
        f("direction", self.direction);
        f("kills", self.kills);
        f("activation_steps_left", self.activation_steps_left);
        f("engaged_site", self.engaged_site);
        f("exhaustion", self.exhaustion);
        f("exhaustion_fixed", self.exhaustion_fixed);
        f("car_level", self.car_level);
    }
    /// What snapshots show of each cell: f(OutputColumn, value_of(slot)). The names are the
    /// output contract (docs/OUTPUT.md).
    template <class F>
    static void for_each_output(const CarTColumns& c, F&& f) {
        f(OutputColumn{"state", "", "state_labels", code_labels(kCarTStateLabels)},
          [&c](engine::AgentSlot s) { return static_cast<std::uint8_t>(c.state[s]); });
        f(OutputColumn{"engaged", ""}, [&c](engine::AgentSlot s) {
            return static_cast<std::uint8_t>(c.engaged_site[s] != engine::kNoSite ? 1 : 0);
        });
        f(OutputColumn{"kills", "cells"}, [&c](engine::AgentSlot s) { return c.kills[s]; });
        f(OutputColumn{"exhaustion", ""}, [&c](engine::AgentSlot s) { return c.exhaustion[s]; });
        f(OutputColumn{"exhaustion_fixed", ""},
          [&c](engine::AgentSlot s) { return c.exhaustion_fixed[s]; });
        f(OutputColumn{"car_level", ""}, [&c](engine::AgentSlot s) { return c.car_level[s]; });
    }
};

}  // namespace cartsim::agents
