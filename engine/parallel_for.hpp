#pragma once
// The engine's parallel loops. Everything parallel in cartsim goes through here.
//
// Normally these are oneTBB algorithms. Under ThreadSanitizer (CARTSIM_TSAN_STD_THREADS, set by
// the tsan preset) they run on plain std::threads instead: Debian's libtbb is not instrumented,
// so TSan cannot see its task hand-offs and reports races inside TBB's own headers. The
// std::thread versions keep the same work decomposition (per index, fixed reduction grain), so
// TSan checks exactly what matters: that our sweeps and rules never race.

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_invoke.h>
#include <tbb/parallel_reduce.h>
#include <tbb/parallel_sort.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

#include "engine/exact_sum.hpp"

namespace cartsim::engine {

#if defined(CARTSIM_TSAN_STD_THREADS)
namespace detail {
/// Runs chunk(c) for c in [0, chunks) on up to the current arena's concurrency of std::threads.
template <class Chunk>
void run_chunks_on_threads(std::size_t chunks, Chunk&& chunk) {
    const auto threads = std::min<std::size_t>(
        chunks, static_cast<std::size_t>(std::max(1, tbb::this_task_arena::max_concurrency())));
    if (threads <= 1) {
        for (std::size_t c = 0; c < chunks; ++c) chunk(c);
        return;
    }
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (std::size_t c = t; c < chunks; c += threads) chunk(c);
        });
    }
    for (auto& thread : pool) thread.join();
}
}  // namespace detail
#endif

/// True when a loop of `pieces` pieces of work gains nothing from the scheduler: one piece, or
/// one thread (`--threads 1`, e.g. each patient of a cohort). The loops below then run inline:
/// a cohort patient's minute runs dozens of small loops, and handing each to the scheduler
/// cost more than its work (benchmarks/RESULTS.md, session 22). Results cannot differ: every
/// loop here gives the same result for any split and thread count.
inline bool runs_inline(std::size_t pieces) {
    return pieces <= 1 || tbb::this_task_arena::max_concurrency() <= 1;
}

/// body(i) for every i in [0, n), in parallel and in no particular order.
template <class Body>
void parallel_for_index(std::size_t n, Body&& body) {
    if (runs_inline(n)) {
        for (std::size_t i = 0; i < n; ++i) body(i);
        return;
    }
#if defined(CARTSIM_TSAN_STD_THREADS)
    detail::run_chunks_on_threads(n, body);
#else
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                          for (std::size_t i = range.begin(); i != range.end(); ++i) body(i);
                      });
#endif
}

/// Chunk length of parallel loops over agent slots (a few hundred kB of a column per chunk).
inline constexpr std::size_t kSlotChunk = 16384;

/// body(begin, end) for consecutive index ranges of `chunk` (the last one shorter) covering
/// [0, n), in parallel: for loops whose single iterations are too cheap to schedule one by one.
template <class Body>
void parallel_for_chunks(std::size_t n, std::size_t chunk, Body&& body) {
    parallel_for_index((n + chunk - 1) / chunk,
                       [&](std::size_t c) { body(c * chunk, std::min(n, (c + 1) * chunk)); });
}

/// Runs a() and b() (independent work that must not throw) at the same time if a second thread
/// is free, and returns when both are done.
template <class A, class B>
void parallel_invoke(A&& a, B&& b) {
#if defined(CARTSIM_TSAN_STD_THREADS)
    if (tbb::this_task_arena::max_concurrency() <= 1) {
        a();
        b();
        return;
    }
    std::thread other([&] { b(); });
    a();
    other.join();
#else
    tbb::parallel_invoke(a, b);
#endif
}

/// Sorts [first, last) by `less`, in parallel. Only for keys that are all distinct (ids): then
/// the result is the one sorted order whatever the threads did.
template <class Iterator, class Less>
void parallel_sort_unique(Iterator first, Iterator last, Less&& less) {
#if defined(CARTSIM_TSAN_STD_THREADS)
    std::sort(first, last, less);
#else
    tbb::parallel_sort(first, last, less);
#endif
}

/// Chunk size of reductions over slots or cells.
inline constexpr std::size_t kReduceGrain = 4096;
/// Chunks of kReduceGrain covering [0, n).
inline std::size_t reduce_chunks(std::size_t n) {
    return (n + kReduceGrain - 1) / kReduceGrain;
}

/// Reduces [0, n) in parallel: add_range(begin, end, partial) for consecutive ranges covering
/// [0, n), each into a fresh Partial{}, the partials merged with +=. Only for partials whose
/// merge is exact and order-free (integer counts, ExactSum, structs of them): then the result
/// is the same for any thread count and any split of the range, which is why the split may be
/// TBB's dynamic one.
template <class Partial, class AddRange>
Partial parallel_exact_reduce(std::size_t n, AddRange&& add_range) {
    if (runs_inline(reduce_chunks(n))) {
        Partial total{};
        if (n > 0) add_range(std::size_t{0}, n, total);
        return total;
    }
#if defined(CARTSIM_TSAN_STD_THREADS)
    const std::size_t chunks = reduce_chunks(n);
    std::vector<Partial> partial(chunks);
    detail::run_chunks_on_threads(chunks, [&](std::size_t c) {
        add_range(c * kReduceGrain, std::min(n, (c + 1) * kReduceGrain), partial[c]);
    });
    Partial total{};
    for (const Partial& p : partial) total += p;
    return total;
#else
    return tbb::parallel_reduce(
        tbb::blocked_range<std::size_t>(0, n, kReduceGrain), Partial{},
        [&](const tbb::blocked_range<std::size_t>& range, Partial partial) {
            add_range(range.begin(), range.end(), partial);
            return partial;
        },
        [](Partial a, const Partial& b) {
            a += b;
            return a;
        });
#endif
}

/// Sum of term(i) for i in [0, n), exact and correctly rounded (engine/exact_sum.hpp): the same
/// bits for any thread count, any split, and any order of the terms (slots, cells, ranks).
template <class Term>
double deterministic_sum(std::size_t n, Term&& term) {
    return parallel_exact_reduce<ExactSum>(
               n,
               [&](std::size_t begin, std::size_t end, ExactSum& sum) {
                   sum.add_terms(end - begin, [&](std::size_t i) { return term(begin + i); });
               })
        .value();
}

/// Number of i in [0, n) with predicate(i); integer sums are exact in any order.
template <class Predicate>
std::uint64_t parallel_count(std::size_t n, Predicate&& predicate) {
    if (runs_inline(reduce_chunks(n))) {
        std::uint64_t total = 0;
        for (std::size_t i = 0; i < n; ++i) total += predicate(i) ? 1 : 0;
        return total;
    }
#if defined(CARTSIM_TSAN_STD_THREADS)
    const std::size_t chunks = reduce_chunks(n);
    std::vector<std::uint64_t> partial(chunks, 0);
    detail::run_chunks_on_threads(chunks, [&](std::size_t c) {
        const std::size_t end = std::min(n, (c + 1) * kReduceGrain);
        for (std::size_t i = c * kReduceGrain; i < end; ++i) partial[c] += predicate(i) ? 1 : 0;
    });
    std::uint64_t total = 0;
    for (const std::uint64_t p : partial) total += p;
    return total;
#else
    return tbb::parallel_reduce(
        tbb::blocked_range<std::size_t>(0, n, kReduceGrain), std::uint64_t{0},
        [&](const tbb::blocked_range<std::size_t>& range, std::uint64_t partial) {
            for (std::size_t i = range.begin(); i != range.end(); ++i) {
                if (predicate(i)) ++partial;
            }
            return partial;
        },
        [](std::uint64_t a, std::uint64_t b) { return a + b; });
#endif
}

/// counts[b] = number of i in [0, n) with bin_of(i) == b, for b in [0, bins); i with
/// bin_of(i) >= bins are not counted. Integer counts are exact in any order, so the result is
/// the same for any thread count.
template <class BinOf>
std::vector<std::uint32_t> parallel_histogram(std::size_t n, std::size_t bins, BinOf&& bin_of) {
    std::vector<std::uint32_t> counts(bins, 0);
    parallel_for_chunks(n, kReduceGrain, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            const std::size_t bin = bin_of(i);
            if (bin < bins) {
                std::atomic_ref<std::uint32_t>(counts[bin]).fetch_add(1, std::memory_order_relaxed);
            }
        }
    });
    return counts;
}

}  // namespace cartsim::engine
