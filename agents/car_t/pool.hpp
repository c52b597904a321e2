#pragma once
// CAR-T cells held as counts, outside the lattice (blood, lymphoid tissues, the rest of the
// marrow): binned by state, exhaustion level and fixed-exhaustion level, so a cell keeps all
// three through every trip (docs/MODEL.md "Patient scale").

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "agents/car_t/columns.hpp"

namespace cartsim::agents {

/// Exhaustion levels of a pool: level l holds scores in [l / kExhaustionLevels,
/// (l + 1) / kExhaustionLevels); terminally exhausted cells (score 1) sit in the top level.
inline constexpr int kExhaustionLevels = 8;
/// The fixed part is held finer, kFixedPerLevel steps per exhaustion level. Each antigen-driven
/// division adds a fixed amount to it (~0.01-0.03); a step must be at most about twice that,
/// or a binned lineage could divide on without ever climbing, which the lattice's cells cannot
/// (they add it every division and end terminally exhausted).
inline constexpr int kFixedPerLevel = 16;
inline constexpr int kFixedLevels = kExhaustionLevels * kFixedPerLevel;

inline int exhaustion_level_of(float exhaustion) {
    return std::clamp(static_cast<int>(exhaustion * kExhaustionLevels), 0, kExhaustionLevels - 1);
}
/// The score of a level for a cell entering the lattice: the level's middle.
inline float exhaustion_of_level(int level) {
    return (static_cast<float>(level) + 0.5F) / kExhaustionLevels;
}
inline int fixed_level_of(float fixed) {
    return std::clamp(static_cast<int>(fixed * kFixedLevels), 0, kFixedLevels - 1);
}
/// The fixed part of a fixed level: its middle.
inline float fixed_exhaustion_of_level(int fixed_level) {
    return (static_cast<float>(fixed_level) + 0.5F) / kFixedLevels;
}
/// The highest fixed level a cell of exhaustion level `level` can have (fixed <= score).
inline constexpr int max_fixed_level(int level) {
    return (level + 1) * kFixedPerLevel - 1;
}

struct CarTPool {
    static constexpr std::size_t kLevels = kExhaustionLevels;
    static constexpr std::size_t kFixed = kFixedLevels;
    /// state x exhaustion level x fixed level (a fixed level's part never exceeds the level's
    /// upper edge: fixed_level <= max_fixed_level(level)).
    static constexpr std::size_t kBins = kCarTStateCount * kLevels * kFixed;
    std::array<std::uint64_t, kBins> count{};

    static constexpr std::size_t bin(CarTState state, int level, int fixed_level) {
        return (static_cast<std::size_t>(state) * kLevels + static_cast<std::size_t>(level)) *
                   kFixed +
               static_cast<std::size_t>(fixed_level);
    }
    static constexpr CarTState state_of_bin(std::size_t bin) {
        return static_cast<CarTState>(bin / (kLevels * kFixed));
    }
    static constexpr int level_of_bin(std::size_t bin) {
        return static_cast<int>((bin / kFixed) % kLevels);
    }
    static constexpr int fixed_level_of_bin(std::size_t bin) {
        return static_cast<int>(bin % kFixed);
    }
    /// False for the bins no cell can be in (fixed part above the score's level).
    static constexpr bool possible_bin(std::size_t bin) {
        return fixed_level_of_bin(bin) <= max_fixed_level(level_of_bin(bin));
    }
    /// The bin of a lattice cell.
    static std::size_t bin_of(CarTState state, float exhaustion, float fixed) {
        const int level = exhaustion_level_of(exhaustion);
        return bin(state, level, std::min(max_fixed_level(level), fixed_level_of(fixed)));
    }
    std::uint64_t& at(CarTState state, int level, int fixed_level) {
        return count[bin(state, level, fixed_level)];
    }
    std::uint64_t at(CarTState state, int level, int fixed_level) const {
        return count[bin(state, level, fixed_level)];
    }

    std::uint64_t total() const {
        std::uint64_t sum = 0;
        for (const auto c : count) sum += c;
        return sum;
    }
    std::uint64_t total(CarTState state) const {
        std::uint64_t sum = 0;
        for (std::size_t b = bin(state, 0, 0); b < bin(state, 0, 0) + kLevels * kFixed; ++b) {
            sum += count[b];
        }
        return sum;
    }
    std::span<std::uint64_t, kBins> counts() { return count; }
    std::span<const std::uint64_t, kBins> counts() const { return count; }
};

}  // namespace cartsim::agents
