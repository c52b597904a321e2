// Micro-benchmarks of engine building blocks: RNG draws and a full toy-model step.

#include <benchmark/benchmark.h>

#include "engine/random.hpp"
#include "engine/toy/random_walkers.hpp"

namespace {

using cartsim::StreamId;
using cartsim::engine::RandomStream;

void BM_RandomStreamUniform(benchmark::State& state) {
    std::uint64_t id = 0;
    double sink = 0.0;
    for (auto _ : state) {
        RandomStream random(1, StreamId::test_a, 0, id++);
        sink += random.uniform();
    }
    benchmark::DoNotOptimize(sink);
}
BENCHMARK(BM_RandomStreamUniform);

void BM_RandomStreamNormal(benchmark::State& state) {
    RandomStream random(1, StreamId::test_a, 0, 0);
    double sink = 0.0;
    for (auto _ : state) sink += random.normal();
    benchmark::DoNotOptimize(sink);
}
BENCHMARK(BM_RandomStreamNormal);

void BM_RandomStreamPoisson(benchmark::State& state) {
    RandomStream random(1, StreamId::test_a, 0, 0);
    const double lambda = static_cast<double>(state.range(0));
    std::uint64_t sink = 0;
    for (auto _ : state) sink += random.poisson(lambda);
    benchmark::DoNotOptimize(sink);
}
BENCHMARK(BM_RandomStreamPoisson)->Arg(3)->Arg(50);

/// One fine step of the reference walker model (1.2e5 agents on 64^3 sites); items = agent
/// updates (every hunter, plus targets on their coarse ticks).
void BM_ToyWalkerStep(benchmark::State& state) {
    cartsim::engine::toy::WalkerParams params;
    cartsim::engine::toy::RandomWalkerWorld world(params);
    std::int64_t updates = 0;
    for (auto _ : state) {
        const auto counts = world.counts();
        updates += static_cast<std::int64_t>(counts.hunters);
        if (world.current_step() % params.target_period_steps == 0) {
            updates += static_cast<std::int64_t>(counts.targets);
        }
        world.step();
    }
    state.SetItemsProcessed(updates);
}
BENCHMARK(BM_ToyWalkerStep)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
