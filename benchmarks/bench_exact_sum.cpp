// Micro-benchmark: the exact accumulator (engine/exact_sum.hpp) against a plain loop, per term,
// on a field-sized vector (125,000 = 50^3 cells, the bench_3d field) and a larger one, for a
// sum and for a dot product (the CG solver's use). Terms have random signs and log-normal
// magnitudes: second argument 8 = wide (ln-sd 8: 1e-7..1e7 common, the products 1e-10..1e10,
// many terms fall below the 128-bit block register), 2 = field-like (ln-sd 2).
//
// Counter: s_per_term (real time per term).

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "engine/exact_sum.hpp"

namespace {

using cartsim::engine::ExactSum;

std::vector<double> mixed_terms(std::size_t n, double log_sd, std::uint64_t seed) {
    std::mt19937_64 random(seed);
    std::normal_distribution<double> log_magnitude(0.0, log_sd);
    std::vector<double> terms(n);
    for (double& t : terms) {
        t = std::exp(log_magnitude(random)) * ((random() & 1u) != 0 ? 1.0 : -1.0);
    }
    return terms;
}

void set_ns_per_term(benchmark::State& state, std::size_t n) {
    // Seconds per term, printed with an SI prefix (e.g. 1.3n = 1.3 ns).
    state.counters["s_per_term"] =
        benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
                                                       benchmark::Counter::kInvert);
}

void BM_PlainSum(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::vector<double> a = mixed_terms(n, static_cast<double>(state.range(1)), 1);
    for (auto _ : state) {
        double sum = 0.0;
        for (const double x : a) sum += x;
        benchmark::DoNotOptimize(sum);
    }
    set_ns_per_term(state, n);
}

void BM_ExactSumOneByOne(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::vector<double> a = mixed_terms(n, static_cast<double>(state.range(1)), 1);
    for (auto _ : state) {
        ExactSum sum;
        for (const double x : a) sum.add(x);
        benchmark::DoNotOptimize(sum.value());
    }
    set_ns_per_term(state, n);
}

void BM_ExactSum(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::vector<double> a = mixed_terms(n, static_cast<double>(state.range(1)), 1);
    for (auto _ : state) {
        ExactSum sum;
        sum.add_terms(n, [&](std::size_t i) { return a[i]; });
        benchmark::DoNotOptimize(sum.value());
    }
    set_ns_per_term(state, n);
}

void BM_PlainDot(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::vector<double> a = mixed_terms(n, static_cast<double>(state.range(1)), 1);
    const std::vector<double> b = mixed_terms(n, static_cast<double>(state.range(1)), 2);
    for (auto _ : state) {
        double sum = 0.0;
        for (std::size_t i = 0; i < n; ++i) sum += a[i] * b[i];
        benchmark::DoNotOptimize(sum);
    }
    set_ns_per_term(state, n);
}

void BM_ExactDot(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::vector<double> a = mixed_terms(n, static_cast<double>(state.range(1)), 1);
    const std::vector<double> b = mixed_terms(n, static_cast<double>(state.range(1)), 2);
    for (auto _ : state) {
        ExactSum sum;
        sum.add_terms(n, [&](std::size_t i) { return a[i] * b[i]; });
        benchmark::DoNotOptimize(sum.value());
    }
    set_ns_per_term(state, n);
}

BENCHMARK(BM_PlainSum)
    ->ArgsProduct({{125'000, 2'000'000}, {2, 8}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_ExactSumOneByOne)->Args({125'000, 8})->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_ExactSum)
    ->ArgsProduct({{125'000, 2'000'000}, {2, 8}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_PlainDot)
    ->ArgsProduct({{125'000, 2'000'000}, {2, 8}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_ExactDot)
    ->ArgsProduct({{125'000, 2'000'000}, {2, 8}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
