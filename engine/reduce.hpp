#pragma once
// Deterministic parallel reductions for observables.

#include <tbb/blocked_range.h>
#include <tbb/parallel_reduce.h>

#include <cstddef>
#include <cstdint>

namespace cartsim::engine {

/// Fixed chunk size of floating-point reductions. The split tree of
/// tbb::parallel_deterministic_reduce depends only on the range and this grain, never on the
/// number of threads, so the rounding of the sum is the same on every run.
inline constexpr std::size_t kReduceGrain = 4096;

/// Sum of term(i) for i in [0, n), bitwise identical for any thread count.
template <class Term>
double deterministic_sum(std::size_t n, Term&& term) {
    return tbb::parallel_deterministic_reduce(
        tbb::blocked_range<std::size_t>(0, n, kReduceGrain), 0.0,
        [&](const tbb::blocked_range<std::size_t>& range, double partial) {
            for (std::size_t i = range.begin(); i != range.end(); ++i) partial += term(i);
            return partial;
        },
        [](double a, double b) { return a + b; });
}

/// Number of i in [0, n) with predicate(i); integer sums are exact in any order.
template <class Predicate>
std::uint64_t parallel_count(std::size_t n, Predicate&& predicate) {
    return tbb::parallel_reduce(
        tbb::blocked_range<std::size_t>(0, n, kReduceGrain), std::uint64_t{0},
        [&](const tbb::blocked_range<std::size_t>& range, std::uint64_t partial) {
            for (std::size_t i = range.begin(); i != range.end(); ++i) {
                if (predicate(i)) ++partial;
            }
            return partial;
        },
        [](std::uint64_t a, std::uint64_t b) { return a + b; });
}

}  // namespace cartsim::engine
