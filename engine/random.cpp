#include "engine/random.hpp"

#include <math.h>  // lgamma_r

#include <algorithm>

namespace cartsim::engine {

std::uint64_t RandomStream::poisson(double lambda) {
    if (!(lambda > 0.0)) return 0;
    if (lambda < 10.0) {
        // Inversion by sequential search: expected lambda + 1 iterations.
        const double u = uniform();
        double p = std::exp(-lambda);
        double cumulative = p;
        std::uint64_t k = 0;
        while (u > cumulative && k < 1000) {
            ++k;
            p *= lambda / static_cast<double>(k);
            cumulative += p;
        }
        return k;
    }
    // W. Hormann, "The transformed rejection method for generating Poisson random variables",
    // Insurance: Mathematics and Economics 12 (1993) 39-45, algorithm PTRS.
    const double slam = std::sqrt(lambda);
    const double loglam = std::log(lambda);
    const double b = 0.931 + 2.53 * slam;
    const double a = -0.059 + 0.02483 * b;
    const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    const double vr = 0.9277 - 3.6224 / (b - 2.0);
    while (true) {
        const double u = uniform() - 0.5;
        const double v = uniform();
        const double us = 0.5 - std::abs(u);
        const double k = std::floor((2.0 * a / us + b) * u + lambda + 0.43);
        if (us >= 0.07 && v <= vr) return static_cast<std::uint64_t>(k);
        if (k < 0.0 || (us < 0.013 && v > us)) continue;
        const double log_accept = std::log(v * inv_alpha / (a / (us * us) + b));
        // lgamma_r, not lgamma: lgamma writes the global signgam, a data race when streams are
        // drawn on several threads at once (virtual ranks run the patient phase side by side);
        // glibc computes both with the same function, so the values are the same bits.
        int sign = 0;
        if (log_accept <= -lambda + k * loglam - ::lgamma_r(k + 1.0, &sign)) {
            return static_cast<std::uint64_t>(k);
        }
    }
}

std::uint64_t RandomStream::binomial(std::uint64_t n, double p) {
    if (n == 0 || !(p > 0.0)) return 0;
    if (p >= 1.0) return n;
    if (p > 0.5) return n - binomial(n, 1.0 - p);  // keeps n p small for the inversion branch
    const auto nd = static_cast<double>(n);
    const double mean = nd * p;
    if (n <= 64 && mean >= 30.0) {
        std::uint64_t k = 0;
        for (std::uint64_t i = 0; i < n; ++i) k += bernoulli(p) ? 1 : 0;
        return k;
    }
    if (mean < 30.0) {
        // One uniform however large n is (the patient's pools draw millions of these).
        // Inversion with the pmf recurrence P(k+1) = P(k) (n-k)/(k+1) p/(1-p).
        const double u = uniform();
        // P(0) = (1 - p)^n >= 1 - n p / (1 - p), since e^x >= 1 + x and ln(1 - p) >= -p / (1 - p).
        // Below that bound, less a margin far above the rounding of the exact path (log1p,
        // product, exp: a few 1e-16), the draw is 0 as the exact path would find, without its
        // log1p and exp: most draws of the blood exchange, whose means are far below 1 (a
        // patient-year of a 64 x 64 window draws ~1e8 of them; benchmarks/RESULTS.md, session
        // 22). Above it the exact path runs, so every result is the same.
        if (u < 1.0 - mean / (1.0 - p) - 1e-12) return 0;
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
    const double draw = std::round(normal(mean, std::sqrt(mean * (1.0 - p))));
    return static_cast<std::uint64_t>(std::clamp(draw, 0.0, nd));
}

}  // namespace cartsim::engine
