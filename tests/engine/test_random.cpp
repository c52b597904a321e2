#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "engine/random.hpp"

namespace cartsim::engine {
namespace {

constexpr std::size_t kDraws = 1'000'000;
constexpr std::size_t kDrawsPerAgent = 16;

struct Moments {
    double mean = 0.0;
    double variance = 0.0;
};

/// Draws kDraws values, kDrawsPerAgent from each of kDraws / kDrawsPerAgent agent ids, as the
/// model does (many short streams, not one long one).
Moments sample(const std::function<double(RandomStream&)>& draw) {
    double sum = 0.0;
    double sum_sq = 0.0;
    for (std::size_t agent = 0; agent < kDraws / kDrawsPerAgent; ++agent) {
        RandomStream random(12345, StreamId::test_a, 17, agent);
        for (std::size_t k = 0; k < kDrawsPerAgent; ++k) {
            const double x = draw(random);
            sum += x;
            sum_sq += x * x;
        }
    }
    const auto n = static_cast<double>(kDraws);
    const double mean = sum / n;
    return {mean, (sum_sq - n * mean * mean) / (n - 1.0)};
}

/// Mean within 5 standard errors; variance within a relative tolerance.
void expect_moments(const Moments& m, double mean, double variance, double variance_rel_tol) {
    const double standard_error = std::sqrt(variance / static_cast<double>(kDraws));
    EXPECT_NEAR(m.mean, mean, 5.0 * standard_error);
    EXPECT_NEAR(m.variance, variance, variance_rel_tol * variance);
}

TEST(RandomStream, UniformMomentsAndRange) {
    double lo = 1.0;
    double hi = 0.0;
    const Moments m = sample([&](RandomStream& r) {
        const double u = r.uniform();
        lo = std::min(lo, u);
        hi = std::max(hi, u);
        return u;
    });
    expect_moments(m, 0.5, 1.0 / 12.0, 0.01);
    EXPECT_GT(lo, 0.0);
    EXPECT_LE(hi, 1.0);
}

TEST(RandomStream, UniformHistogramPassesChiSquare) {
    std::vector<double> bins(100, 0.0);
    sample([&](RandomStream& r) {
        const double u = r.uniform();
        bins[std::min<std::size_t>(99, static_cast<std::size_t>(u * 100.0))] += 1.0;
        return u;
    });
    double chi2 = 0.0;
    const double expected = static_cast<double>(kDraws) / 100.0;
    for (const double b : bins) chi2 += (b - expected) * (b - expected) / expected;
    EXPECT_LT(chi2, 160.0);  // 99 degrees of freedom: P(chi2 > 160) ~ 1e-4
}

TEST(RandomStream, BelowIsUniformOnItsRange) {
    const Moments m = sample([](RandomStream& r) { return static_cast<double>(r.below(26)); });
    expect_moments(m, 12.5, (26.0 * 26.0 - 1.0) / 12.0, 0.01);
}

TEST(RandomStream, NormalMoments) {
    expect_moments(sample([](RandomStream& r) { return r.normal(); }), 0.0, 1.0, 0.01);
    expect_moments(sample([](RandomStream& r) { return r.normal(3.0, 2.0); }), 3.0, 4.0, 0.01);
}

TEST(RandomStream, LogNormalMoments) {
    const double mu = 1.0;
    const double sigma = 0.4;
    const double mean = std::exp(mu + sigma * sigma / 2.0);
    const double variance = (std::exp(sigma * sigma) - 1.0) * std::exp(2.0 * mu + sigma * sigma);
    expect_moments(sample([&](RandomStream& r) { return r.lognormal(mu, sigma); }), mean, variance,
                   0.02);
}

TEST(RandomStream, ExponentialMoments) {
    expect_moments(sample([](RandomStream& r) { return r.exponential(2.5); }), 0.4, 0.16, 0.02);
}

TEST(RandomStream, BernoulliFrequency) {
    for (const double p : {0.001, 0.3, 0.9}) {
        // The sample variance of a 0/1 variable is phat (1 - phat): its error follows from the
        // standard error of phat (5 sigma), with a floor where the slope |1 - 2p| vanishes.
        const double se = std::sqrt(p * (1.0 - p) / static_cast<double>(kDraws));
        const double tol = std::max(0.01, 5.0 * se * std::abs(1.0 - 2.0 * p) / (p * (1.0 - p)));
        expect_moments(sample([&](RandomStream& r) { return r.bernoulli(p) ? 1.0 : 0.0; }), p,
                       p * (1.0 - p), tol);
    }
}

TEST(RandomStream, PoissonMomentsAcrossBothAlgorithms) {
    for (const double lambda : {0.05, 0.5, 4.0, 9.9, 10.0, 25.0, 300.0}) {
        SCOPED_TRACE(lambda);
        expect_moments(
            sample([&](RandomStream& r) { return static_cast<double>(r.poisson(lambda)); }), lambda,
            lambda, 0.015);
    }
    RandomStream r(1, StreamId::test_a, 0, 0);
    EXPECT_EQ(r.poisson(0.0), 0u);
}

TEST(RandomStream, PoissonProbabilitiesPassChiSquare) {
    for (const double lambda : {4.0, 30.0}) {
        SCOPED_TRACE(lambda);
        const std::size_t max_k = static_cast<std::size_t>(lambda * 3 + 10);
        std::vector<double> counts(max_k + 1, 0.0);
        sample([&](RandomStream& r) {
            counts[std::min<std::size_t>(max_k, r.poisson(lambda))] += 1.0;
            return 0.0;
        });
        double chi2 = 0.0;
        int bins = 0;
        for (std::size_t k = 0; k < max_k; ++k) {
            const double pmf = std::exp(static_cast<double>(k) * std::log(lambda) - lambda -
                                        std::lgamma(static_cast<double>(k) + 1.0));
            const double expected = pmf * static_cast<double>(kDraws);
            if (expected < 20.0) continue;
            chi2 += (counts[k] - expected) * (counts[k] - expected) / expected;
            ++bins;
        }
        // Reject only far in the tail: mean bins - 1, sd sqrt(2 (bins - 1)).
        EXPECT_LT(chi2, bins + 6.0 * std::sqrt(2.0 * bins)) << bins << " bins";
    }
}

TEST(RandomStream, BinomialMomentsAcrossAllBranches) {
    // Bernoulli trials (n <= 64), inversion (n p < 30), normal approximation, and p > 1/2.
    for (const auto& [n, p] : std::vector<std::pair<std::uint64_t, double>>{
             {20, 0.3}, {1000, 0.004}, {100000, 0.0003}, {5000, 0.2}, {300, 0.9}}) {
        SCOPED_TRACE(testing::Message() << "n " << n << " p " << p);
        const double nd = static_cast<double>(n);
        expect_moments(
            sample([&](RandomStream& r) { return static_cast<double>(r.binomial(n, p)); }), nd * p,
            nd * p * (1.0 - p), 0.02);
    }
    RandomStream r(1, StreamId::test_a, 0, 0);
    EXPECT_EQ(r.binomial(0, 0.5), 0u);
    EXPECT_EQ(r.binomial(10, 0.0), 0u);
    EXPECT_EQ(r.binomial(10, 1.0), 10u);
}

/// The inversion branch as it was before the shortcut for draws below P(0)'s lower bound
/// (engine/random.cpp): every step of the pmf recurrence, from P(0) = exp(n log1p(-p)).
std::uint64_t binomial_by_full_inversion(RandomStream& random, std::uint64_t n, double p) {
    const auto nd = static_cast<double>(n);
    const double u = random.uniform();
    const double ratio = p / (1.0 - p);
    double pk = std::exp(nd * std::log1p(-p));
    double cumulative = pk;
    std::uint64_t k = 0;
    while (u > cumulative && k < n) {
        pk *= static_cast<double>(n - k) / static_cast<double>(k + 1) * ratio;
        cumulative += pk;
        ++k;
    }
    return k;
}

TEST(RandomStream, BinomialInversionShortcutGivesTheFullInversionsDraws) {
    // Means from 1e-12 to 29 (the inversion branch), n from 65 to 1e12: the same value and the
    // same stream position after it (the next uniform) as the full recurrence, draw by draw.
    std::size_t zeros = 0;
    std::size_t draws = 0;
    for (const std::uint64_t n : {65ULL, 1000ULL, 123457ULL, 1000000000ULL, 1000000000000ULL}) {
        for (const double mean : {1e-12, 1e-6, 1e-3, 0.05, 0.5, 0.99, 1.0, 2.0, 10.0, 29.0}) {
            const double p = mean / static_cast<double>(n);
            SCOPED_TRACE(testing::Message() << "n " << n << " p " << p);
            for (std::uint64_t agent = 0; agent < 2000; ++agent) {
                RandomStream fast(99, StreamId::test_a, n, agent);
                RandomStream full(99, StreamId::test_a, n, agent);
                const std::uint64_t k = fast.binomial(n, p);
                ASSERT_EQ(k, binomial_by_full_inversion(full, n, p)) << "agent " << agent;
                ASSERT_EQ(fast.uniform(), full.uniform()) << "agent " << agent;
                zeros += k == 0 ? 1 : 0;
                ++draws;
            }
        }
    }
    // Both outcomes were exercised: zeros near the bound and above it.
    EXPECT_GT(zeros, draws / 4);
    EXPECT_LT(zeros, draws);
}

/// Pearson correlation of uniforms from two keys over kDraws agents.
double correlation(const std::function<double(std::size_t)>& a,
                   const std::function<double(std::size_t)>& b) {
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (std::size_t i = 0; i < kDraws; ++i) {
        const double x = a(i);
        const double y = b(i);
        sa += x;
        sb += y;
        saa += x * x;
        sbb += y * y;
        sab += x * y;
    }
    const auto n = static_cast<double>(kDraws);
    const double cov = sab / n - (sa / n) * (sb / n);
    return cov / std::sqrt((saa / n - sa * sa / n / n) * (sbb / n - sb * sb / n / n));
}

TEST(RandomStream, DistinctStreamsIdsStepsAndSeedsAreUncorrelated) {
    const double bound = 5.0 / std::sqrt(static_cast<double>(kDraws));
    auto u = [](std::uint64_t seed, StreamId stream, Step step, std::uint64_t id) {
        return RandomStream(seed, stream, step, id).uniform();
    };
    EXPECT_LT(std::abs(correlation([&](std::size_t i) { return u(1, StreamId::test_a, 0, i); },
                                   [&](std::size_t i) { return u(1, StreamId::test_b, 0, i); })),
              bound);
    EXPECT_LT(
        std::abs(correlation([&](std::size_t i) { return u(1, StreamId::test_a, 0, i); },
                             [&](std::size_t i) { return u(1, StreamId::test_a, 0, i + 1); })),
        bound);
    EXPECT_LT(std::abs(correlation([&](std::size_t i) { return u(1, StreamId::test_a, 0, i); },
                                   [&](std::size_t i) { return u(1, StreamId::test_a, 1, i); })),
              bound);
    EXPECT_LT(std::abs(correlation([&](std::size_t i) { return u(1, StreamId::test_a, 0, i); },
                                   [&](std::size_t i) { return u(2, StreamId::test_a, 0, i); })),
              bound);
    // Consecutive draws of one stream are uncorrelated too.
    EXPECT_LT(std::abs(correlation(
                  [&](std::size_t i) { return RandomStream(1, StreamId::test_a, 0, i).uniform(); },
                  [&](std::size_t i) {
                      RandomStream r(1, StreamId::test_a, 0, i);
                      r.uniform();
                      return r.uniform();
                  })),
              bound);
}

TEST(RandomStream, SameKeyGivesSameNumbers) {
    RandomStream a(99, StreamId::test_a, 5, 42);
    RandomStream b(99, StreamId::test_a, 5, 42);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(a.bits(), b.bits());
    RandomStream c(99, StreamId::test_a, 5, 43);
    RandomStream d(99, StreamId::test_a, 5, 42);
    EXPECT_NE(c.bits(), d.bits());
}

}  // namespace
}  // namespace cartsim::engine
