#pragma once
// Blood: a well-mixed compartment of CAR-T cells (counts by state), the share of the patient's
// blood that exchanges with the simulated piece of marrow.

#include <array>
#include <cstdint>
#include <span>

#include "agents/car_t/columns.hpp"
#include "engine/model_state.hpp"

namespace cartsim::agents {

struct BloodCompartment {
    std::array<std::uint64_t, kCarTStateCount> count{};  ///< by CarTState

    std::uint64_t total() const {
        std::uint64_t sum = 0;
        for (const auto c : count) sum += c;
        return sum;
    }
    std::uint64_t& operator[](CarTState state) { return count[static_cast<std::size_t>(state)]; }

    /// The state (engine/model_state.hpp).
    template <class Self, class Visitor>
    static void visit_state(Self& self, Visitor& visitor) {
        visitor.array(engine::StateEntry{"blood", "count", "cells"}, std::span(self.count));
    }
};

}  // namespace cartsim::agents
