#pragma once
// CAR-T cells held as counts, outside the lattice (blood, lymphoid tissues, the rest of the
// marrow): binned by state and exhaustion level, so a cell keeps both through every trip
// (docs/MODEL.md "Patient scale").

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "agents/car_t/columns.hpp"

namespace cartsim::agents {

/// Exhaustion levels of a pool: level l holds scores in [l / kExhaustionLevels,
/// (l + 1) / kExhaustionLevels); exhausted cells (score 1) sit in the top level.
inline constexpr int kExhaustionLevels = 8;

inline int exhaustion_level_of(float exhaustion) {
    return std::clamp(static_cast<int>(exhaustion * kExhaustionLevels), 0, kExhaustionLevels - 1);
}
/// The score a cell of this level and state gets when it enters the lattice: the level's
/// middle, 1 for an exhausted cell.
inline float exhaustion_of_level(int level, CarTState state) {
    if (state == CarTState::exhausted) return 1.0F;
    return (static_cast<float>(level) + 0.5F) / kExhaustionLevels;
}

struct CarTPool {
    static constexpr std::size_t kBins = kCarTStateCount * kExhaustionLevels;
    std::array<std::uint64_t, kBins> count{};

    static constexpr std::size_t bin(CarTState state, int level) {
        return static_cast<std::size_t>(state) * kExhaustionLevels +
               static_cast<std::size_t>(level);
    }
    static constexpr CarTState state_of_bin(std::size_t bin) {
        return static_cast<CarTState>(bin / kExhaustionLevels);
    }
    static constexpr int level_of_bin(std::size_t bin) {
        return static_cast<int>(bin % kExhaustionLevels);
    }
    std::uint64_t& at(CarTState state, int level) { return count[bin(state, level)]; }
    std::uint64_t at(CarTState state, int level) const { return count[bin(state, level)]; }

    std::uint64_t total() const {
        std::uint64_t sum = 0;
        for (const auto c : count) sum += c;
        return sum;
    }
    std::uint64_t total(CarTState state) const {
        std::uint64_t sum = 0;
        for (int l = 0; l < kExhaustionLevels; ++l) sum += at(state, l);
        return sum;
    }
    std::span<std::uint64_t, kBins> counts() { return count; }
    std::span<const std::uint64_t, kBins> counts() const { return count; }
};

}  // namespace cartsim::agents
