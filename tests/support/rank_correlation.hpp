#pragma once
// Spearman's rank correlation with a 95% interval, for ensemble tests of trends (a claim is
// checked on the interval, never on a single run).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <vector>

namespace cartsim::testing {

/// Ranks 1..n, ties given their average rank.
inline std::vector<double> average_ranks(const std::vector<double>& x) {
    std::vector<std::size_t> order(x.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
    std::vector<double> ranks(x.size());
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
        const double rank = 0.5 * static_cast<double>(i + j) + 1.0;
        for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
        i = j + 1;
    }
    return ranks;
}

struct RankCorrelation {
    double rho = 0.0;
    double low = 0.0;  ///< 95% interval (Fisher z with the Fieller-Hartley-Pearson variance)
    double high = 0.0;
};

/// Spearman's rho of x and y (the Pearson correlation of their average ranks); NaN interval
/// bounds below 4 pairs. A constant series gives rho 0.
inline RankCorrelation spearman(const std::vector<double>& x, const std::vector<double>& y) {
    const std::vector<double> rx = average_ranks(x);
    const std::vector<double> ry = average_ranks(y);
    const auto n = static_cast<double>(x.size());
    const double mx = std::accumulate(rx.begin(), rx.end(), 0.0) / n;
    const double my = std::accumulate(ry.begin(), ry.end(), 0.0) / n;
    double sxy = 0.0;
    double sxx = 0.0;
    double syy = 0.0;
    for (std::size_t i = 0; i < rx.size(); ++i) {
        sxy += (rx[i] - mx) * (ry[i] - my);
        sxx += (rx[i] - mx) * (rx[i] - mx);
        syy += (ry[i] - my) * (ry[i] - my);
    }
    RankCorrelation r;
    r.rho = sxx > 0.0 && syy > 0.0 ? sxy / std::sqrt(sxx * syy) : 0.0;
    if (n < 4) {
        r.low = r.high = std::nan("");
        return r;
    }
    const double z = std::atanh(std::clamp(r.rho, -0.999999, 0.999999));
    const double se = std::sqrt(1.06 / (n - 3.0));
    r.low = std::tanh(z - 1.96 * se);
    r.high = std::tanh(z + 1.96 * se);
    return r;
}

}  // namespace cartsim::testing
