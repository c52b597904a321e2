// Micro-benchmark: the CAR-T step of the marrow model (blood phase + the CAR-T sweep with its
// commit), on a small 3-D marrow full of CAR-T cells.
//
// Set-up: baseline biology on 64^3 sites with the largest allowed dose (1e10 cells), advanced
// kWarmupDays so that CAR-T cells have entered the marrow and expanded on the blasts; the state
// is computed once and restored for every run. Timed: model.step() on fine steps that run only
// the blood and CAR-T phases; steps that also run the tissue or cytokine phase are taken with the
// timer paused. The model keeps evolving while the benchmark iterates (hence the per-agent rate).
//
// Counters: agent_updates_per_s (CAR-T cells advanced per second of wall time), car_t_cells
// (mean CAR-T cells in the marrow per timed step).

#include <benchmark/benchmark.h>

#include <cstdint>

#include "benchmarks/bench_support.hpp"

namespace {

using cartsim::agents::MarrowModel;

constexpr std::int32_t kEdge = 64;
constexpr double kDoseCells = 1.0e10;
constexpr double kWarmupDays = 4.0;

void BM_CarTStep(benchmark::State& state) {
    const int threads = static_cast<int>(state.range(0));
    const auto parameters = cartsim::bench::marrow_parameters(kEdge, kEdge, kEdge, kDoseCells);
    const auto& warm = cartsim::bench::warmed_up_state("car_t_64", parameters, kWarmupDays);
    double updates = 0.0;
    cartsim::engine::run_with_threads(threads, [&] {
        MarrowModel model(parameters);
        model.restore_state(warm);
        for (auto _ : state) {
            if (cartsim::bench::tissue_phase_due(model) || cartsim::bench::field_phase_due(model)) {
                state.PauseTiming();
                while (cartsim::bench::tissue_phase_due(model) ||
                       cartsim::bench::field_phase_due(model)) {
                    model.step();
                }
                state.ResumeTiming();
            }
            updates += static_cast<double>(model.car_t().live_count());
            model.step();
        }
    });
    state.counters["agent_updates_per_s"] =
        benchmark::Counter(updates, benchmark::Counter::kIsRate);
    state.counters["car_t_cells"] = benchmark::Counter(updates, benchmark::Counter::kAvgIterations);
    state.counters["threads"] = threads;
}
BENCHMARK(BM_CarTStep)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
