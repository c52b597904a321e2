#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/parallelism.hpp"
#include "engine/random.hpp"
#include "engine/reduce.hpp"

namespace cartsim::engine {
namespace {

TEST(Reduce, FloatingSumIsBitwiseIdenticalAcrossThreadCounts) {
    // Values spanning many magnitudes make the rounding depend on summation order.
    std::vector<double> values(1'000'003);
    for (std::size_t i = 0; i < values.size(); ++i) {
        RandomStream r(7, StreamId::test_a, 0, i);
        values[i] = std::exp(r.normal(0.0, 8.0)) * (r.bernoulli(0.5) ? 1.0 : -1.0);
    }
    std::vector<double> sums;
    for (const int threads : {1, 2, 4, 8}) {
        run_with_threads(threads, [&] {
            sums.push_back(
                deterministic_sum(values.size(), [&](std::size_t i) { return values[i]; }));
        });
    }
    for (const double s : sums) EXPECT_EQ(std::memcmp(&s, &sums[0], sizeof(double)), 0);
    // And it is the sum (to rounding): compare with a long-double sequential sum.
    long double reference = 0;
    for (const double v : values) reference += v;
    EXPECT_NEAR(sums[0], static_cast<double>(reference),
                1e-9 * std::abs(static_cast<double>(reference)) + 1e-6);

    // The order of the terms (the storage order of agents) does not matter either, unlike for
    // a plain loop.
    std::vector<double> shuffled = values;
    std::mt19937_64 random(11);
    std::shuffle(shuffled.begin(), shuffled.end(), random);
    run_with_threads(2, [&] {
        const double s =
            deterministic_sum(shuffled.size(), [&](std::size_t i) { return shuffled[i]; });
        EXPECT_EQ(std::memcmp(&s, &sums[0], sizeof(double)), 0);
    });
    double plain = 0.0;
    double plain_shuffled = 0.0;
    for (const double v : values) plain += v;
    for (const double v : shuffled) plain_shuffled += v;
    EXPECT_NE(plain, plain_shuffled);
}

TEST(Reduce, CountMatchesSequentialCount) {
    std::vector<int> flags(123'457);
    std::uint64_t expected = 0;
    for (std::size_t i = 0; i < flags.size(); ++i) {
        flags[i] = (i * 2654435761u) % 7 == 3;
        expected += static_cast<std::uint64_t>(flags[i]);
    }
    run_with_threads(4, [&] {
        EXPECT_EQ(parallel_count(flags.size(), [&](std::size_t i) { return flags[i] != 0; }),
                  expected);
    });
}

TEST(Parallelism, RejectsNonPositiveThreadCount) {
    EXPECT_THROW(run_with_threads(0, [] {}), std::invalid_argument);
}

}  // namespace
}  // namespace cartsim::engine
