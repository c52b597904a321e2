#pragma once
// Counter-based random numbers (Random123 Philox4x64-10), keyed by (seed, stream) with counter
// (step, agent id, draw index). A draw depends only on those values, never on threads or
// call order across agents, which is what makes runs bitwise reproducible at any thread count.

#include <Random123/philox.h>

#include <Random123/boxmuller.hpp>
#include <Random123/uniform.hpp>
#include <cmath>
#include <cstdint>

#include "engine/rng_streams.hpp"
#include "engine/types.hpp"

namespace cartsim::engine {

/// The random numbers of one (seed, stream, step, id): a short-lived object, cheap to make.
class RandomStream {
  public:
    RandomStream(std::uint64_t seed, StreamId stream, Step step, std::uint64_t id)
        : key_{{seed, static_cast<std::uint64_t>(stream)}}, counter_{{step, id, 0, 0}} {}

    /// 64 uniformly distributed bits.
    std::uint64_t bits() {
        if (used_ == 4) refill();
        return block_.v[used_++];
    }
    /// Uniform on (0, 1]: never 0, so log() is always finite.
    double uniform() { return r123::u01<double>(bits()); }
    /// Uniform integer in [0, n) for n >= 1 (multiply-shift; bias below n / 2^64).
    std::uint64_t below(std::uint64_t n) {
        __extension__ using Wide = unsigned __int128;  // g++ and clang on 64-bit targets
        return static_cast<std::uint64_t>((static_cast<Wide>(bits()) * n) >> 64);
    }
    bool bernoulli(double p) { return uniform() <= p; }
    /// Standard normal (Random123 Box-Muller; the second value of a pair serves the next call).
    double normal() {
        if (has_spare_normal_) {
            has_spare_normal_ = false;
            return spare_normal_;
        }
        const std::uint64_t u0 = bits();
        const std::uint64_t u1 = bits();
        const r123::double2 pair = r123::boxmuller(u0, u1);
        spare_normal_ = pair.y;
        has_spare_normal_ = true;
        return pair.x;
    }
    double normal(double mean, double sd) { return mean + sd * normal(); }
    /// exp(N(mu, sigma^2)): mu and sigma are of the logarithm.
    double lognormal(double mu, double sigma) { return std::exp(mu + sigma * normal()); }
    /// Exponential with the given rate (mean 1 / rate).
    double exponential(double rate) { return -std::log(uniform()) / rate; }
    /// Poisson with mean lambda >= 0 (inversion below 10, Hormann's PTRS above).
    std::uint64_t poisson(double lambda);
    /// Binomial(n, p): exact (Bernoulli trials for n <= 64, inversion while n p < 30), and a
    /// rounded normal approximation, clamped to [0, n], when both n p and n (1 - p) >= 30.
    std::uint64_t binomial(std::uint64_t n, double p);

  private:
    void refill() {
        block_ = r123::Philox4x64()(counter_, key_);
        ++counter_.v[2];
        used_ = 0;
    }

    r123::Philox4x64::key_type key_;
    r123::Philox4x64::ctr_type counter_;
    r123::Philox4x64::ctr_type block_{};
    unsigned used_ = 4;
    bool has_spare_normal_ = false;
    double spare_normal_ = 0.0;
};

}  // namespace cartsim::engine
