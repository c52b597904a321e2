#pragma once
// Blood: a well-mixed compartment of CAR-T cells (counts by state), the share of the patient's
// blood that exchanges with the simulated piece of marrow.

#include <array>
#include <cstdint>

#include "agents/car_t_cells.hpp"

namespace cartsim::agents {

struct BloodCompartment {
    std::array<std::uint64_t, kCarTStateCount> count{};  ///< by CarTState

    std::uint64_t total() const {
        std::uint64_t sum = 0;
        for (const auto c : count) sum += c;
        return sum;
    }
};

}  // namespace cartsim::agents
