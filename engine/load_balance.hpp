#pragma once
// How evenly ranks share the work of a sweep. The colours of a sweep run one after another with
// a sync point after each (engine/tile_sweep.hpp), so a colour takes as long as its busiest
// rank: each colour's imbalance is its busiest rank's work over the ranks' mean, and the run
// waits as much as the worst colour says (1 = even).

#include <cstddef>
#include <cstdint>
#include <span>

namespace cartsim::engine {

struct ColorImbalance {
    double max_over_mean = 1.0;  ///< of the worst colour; 1 when no colour has work
    int color = -1;              ///< the worst colour, -1 when none has work
};

/// From each colour's work summed over `rank_count` ranks and its largest single-rank share.
inline ColorImbalance worst_color_imbalance(std::span<const std::uint64_t> sum_by_color,
                                            std::span<const std::uint64_t> max_by_color,
                                            int rank_count) {
    ColorImbalance worst;
    for (std::size_t c = 0; c < sum_by_color.size() && c < max_by_color.size(); ++c) {
        if (sum_by_color[c] == 0 || rank_count <= 0) continue;
        const double mean = static_cast<double>(sum_by_color[c]) / rank_count;
        const double ratio = static_cast<double>(max_by_color[c]) / mean;
        if (worst.color < 0 || ratio > worst.max_over_mean) {
            worst.max_over_mean = ratio;
            worst.color = static_cast<int>(c);
        }
    }
    return worst;
}

}  // namespace cartsim::engine
