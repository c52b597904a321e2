// FastDivider must give exactly n / d: the lattice's coord_of and the tile grid rely on it.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "engine/fast_divide.hpp"
#include "engine/random.hpp"

namespace cartsim::engine {
namespace {

TEST(FastDivider, ExactForEdgeCasesAndRandomNumeratorsOfManyDivisors) {
    constexpr std::uint32_t kMax = std::numeric_limits<std::uint32_t>::max();
    std::vector<std::uint32_t> divisors{1,     2,      3,       5,        7,        8,    10,
                                        100,   200,    250,     468,      641,      2000, 4096,
                                        40000, 219024, 6700417, 1u << 31, kMax - 1, kMax};
    for (std::uint32_t d = 1; d <= 1000; ++d) divisors.push_back(d);
    RandomStream random(7, StreamId::test_a, 0, 0);
    for (const std::uint32_t d : divisors) {
        const FastDivider divider(d);
        std::vector<std::uint32_t> numerators{0, 1, d - 1, d, kMax, kMax - 1, kMax - d};
        if (d < kMax / 3) {
            numerators.push_back(2 * d - 1);
            numerators.push_back(2 * d);
            numerators.push_back(3 * d + 1);
        }
        for (int k = 0; k < 2000; ++k) {
            numerators.push_back(static_cast<std::uint32_t>(random.bits()));
        }
        for (const std::uint32_t n : numerators) {
            ASSERT_EQ(divider.divide(n), n / d) << n << " / " << d;
        }
    }
}

TEST(FastDivider, ExhaustiveOverSitesOfALattice) {
    // Every site index of a 200^3 lattice divided by its row (200) and plane (40000) sizes.
    const FastDivider row(200);
    const FastDivider plane(40000);
    for (std::uint32_t site = 0; site < 200u * 200u * 200u; ++site) {
        ASSERT_EQ(row.divide(site), site / 200u);
        ASSERT_EQ(plane.divide(site), site / 40000u);
    }
}

}  // namespace
}  // namespace cartsim::engine
