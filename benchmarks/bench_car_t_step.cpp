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

// Times model.step() on steps that run only the blood and CAR-T phases (the others run with the
// timer paused); returns the CAR-T cells advanced.
double time_car_t_steps(benchmark::State& state, MarrowModel& model) {
    double updates = 0.0;
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
    return updates;
}

// Places a CAR-T cell in `cell_state` on every `sites_per_cell`-th site whose mobile layer is
// free, each heading in a direction of its own.
void place_car_t_cells(MarrowModel& model, cartsim::agents::CarTState cell_state,
                       std::uint64_t sites_per_cell) {
    cartsim::agents::CarTColumns::Row cell;
    cell.state = cell_state;
    const auto sites = model.lattice().site_count();
    for (std::uint64_t site = 0; site < sites; site += sites_per_cell) {
        const auto s = static_cast<cartsim::engine::SiteIndex>(site);
        cell.direction = static_cast<std::uint8_t>(site % 26);
        if (model.mobile_layer().is_empty(s)) model.add_car_t_cell(s, cell);
    }
}

void report(benchmark::State& state, double updates, int threads) {
    state.counters["agent_updates_per_s"] =
        benchmark::Counter(updates, benchmark::Counter::kIsRate);
    state.counters["car_t_cells"] = benchmark::Counter(updates, benchmark::Counter::kAvgIterations);
    state.counters["threads"] = threads;
}

void BM_CarTStep(benchmark::State& state) {
    const int threads = static_cast<int>(state.range(0));
    const auto parameters = cartsim::bench::marrow_parameters(kEdge, kEdge, kEdge, kDoseCells);
    const auto& warm = cartsim::bench::warmed_up_state("car_t_64", parameters, kWarmupDays);
    double updates = 0.0;
    cartsim::engine::run_with_threads(threads, [&] {
        MarrowModel model(parameters);
        model.restore_state(warm);
        updates = time_car_t_steps(state, model);
    });
    report(state, updates, threads);
}
BENCHMARK(BM_CarTStep)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The CAR-T peak of a large marrow, where the lattice no longer fits in cache: a fresh 160^3
// marrow (4.1e6 sites, 16 MB per occupancy layer) with effector CAR-T cells placed on one free
// mobile site in kSitesPerCarT (the density of bench_3d at its peak, ~1e6 cells on 8e6 sites).
// No warm-up: the point is the memory traffic of walk, probe and bind, not the biology.
constexpr std::int32_t kLargeEdge = 160;
constexpr std::uint64_t kSitesPerCarT = 8;

void BM_CarTStepDense(benchmark::State& state) {
    const int threads = static_cast<int>(state.range(0));
    const auto parameters =
        cartsim::bench::marrow_parameters(kLargeEdge, kLargeEdge, kLargeEdge, 1.0e8);
    double updates = 0.0;
    cartsim::engine::run_with_threads(threads, [&] {
        MarrowModel model(parameters);
        place_car_t_cells(model, cartsim::agents::CarTState::effector, kSitesPerCarT);
        updates = time_car_t_steps(state, model);
    });
    report(state, updates, threads);
}
BENCHMARK(BM_CarTStepDense)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

// The quiet months: persisting memory cells spread thinly through a marrow in remission (one
// per kSitesPerQuietCarT sites, ~1.1e-3 per site as in bench_year after day 100; they renew
// and their number grows while the benchmark runs), where each cell's neighbourhood is out of
// cache. cells:0 places none: the per-step work of the sweep that does not grow with the cells
// (buckets, colors, commits) alone.
constexpr std::uint64_t kSitesPerQuietCarT = 1000;

void BM_CarTStepQuiet(benchmark::State& state) {
    const int threads = static_cast<int>(state.range(0));
    const bool with_cells = state.range(1) != 0;
    auto parameters = cartsim::bench::marrow_parameters(kLargeEdge, kLargeEdge, kLargeEdge, 1.0e8);
    parameters.initial.blast_fraction = 1.0e-4;  // in remission: little to bind but B cells
    double updates = 0.0;
    cartsim::engine::run_with_threads(threads, [&] {
        MarrowModel model(parameters);
        model.set_blood(cartsim::agents::CarTPool{});  // no entries: the placed cells only
        if (with_cells) {
            place_car_t_cells(model, cartsim::agents::CarTState::memory, kSitesPerQuietCarT);
        }
        updates = time_car_t_steps(state, model);
    });
    report(state, updates, threads);
}
BENCHMARK(BM_CarTStepQuiet)
    ->ArgNames({"threads", "cells"})
    ->Args({1, 1})
    ->Args({2, 1})
    ->Args({1, 0})
    ->Args({2, 0})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
