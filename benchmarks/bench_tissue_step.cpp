// Micro-benchmark: the tissue step of the marrow model (the sweep of blasts, normal B cells and
// other marrow cells with its commit), on a packed marrow.
//
// Set-up: baseline biology without CAR-T cells (dose 0, so the CAR-T phase of the same fine step
// costs next to nothing) on a 3-D marrow of 128^3 sites (~2e6 tissue cells) and a 2-D one of
// 1024 x 1024 sites (~1e6). Timed: model.step() on the fine steps that run the tissue phase (one
// in time.tissue_period_steps = 60), from the second one on; the other steps are taken with the
// timer paused.
//
// Counters: agent_updates_per_s (tissue cells advanced per second of wall time), tissue_cells.

#include <benchmark/benchmark.h>

#include <cstdint>

#include "benchmarks/bench_support.hpp"

namespace {

using cartsim::agents::MarrowModel;

void BM_TissueStep(benchmark::State& state) {
    const auto nx = static_cast<std::int32_t>(state.range(0));
    const auto nz = static_cast<std::int32_t>(state.range(1));
    const int threads = static_cast<int>(state.range(2));
    const auto parameters = cartsim::bench::marrow_parameters(nx, nx, nz, 0.0);
    double updates = 0.0;
    cartsim::engine::run_with_threads(threads, [&] {
        MarrowModel model(parameters);
        model.step();  // the first tissue step (step 0) runs untimed: buffers, caches
        for (auto _ : state) {
            if (!cartsim::bench::tissue_phase_due(model)) {
                state.PauseTiming();
                while (!cartsim::bench::tissue_phase_due(model)) model.step();
                state.ResumeTiming();
            }
            updates += static_cast<double>(model.tissue().live_count());
            model.step();
        }
    });
    state.counters["agent_updates_per_s"] =
        benchmark::Counter(updates, benchmark::Counter::kIsRate);
    state.counters["tissue_cells"] =
        benchmark::Counter(updates, benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_TissueStep)
    ->ArgNames({"nx=ny", "nz", "threads"})
    ->Args({128, 128, 1})
    ->Args({128, 128, 2})
    ->Args({1024, 1, 1})
    ->Args({1024, 1, 2})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
