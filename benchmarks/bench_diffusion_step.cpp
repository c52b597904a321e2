// Micro-benchmark: one implicit diffusion-decay step of a cytokine field (engine/diffusion_field)
// on the grids of the standard benchmark scenarios, with the model's cytokine constants
// (D = 600 um^2/min, decay 0.02/min, 10 um sites, coarsening 4, dt = 30 min = one field period).
//
// Each timed step first adds point sources at kSources scattered sites (as engaged CAR-T cells
// do), then solves. The matrix is assembled before the timer starts (it is rebuilt only when dt
// changes; since issue 17 there is no matrix, only the stencil's constants). The solver runs on
// `threads` threads (the result is the same bits for any count), preconditioned by a multigrid
// V-cycle (preconditioner = 0, the default) or by Jacobi (1, the solver before issue 16).
//
// Counters: cells_per_s (field cells advanced per second), cg_iterations (mean per step).

#include <benchmark/benchmark.h>

#include <cstdint>

#include "engine/diffusion_field.hpp"
#include "engine/lattice.hpp"
#include "engine/parallelism.hpp"

namespace {

using cartsim::engine::Boundary;
using cartsim::engine::DiffusionField;
using cartsim::engine::Lattice;
using cartsim::engine::run_with_threads;
using cartsim::engine::SiteIndex;
using cartsim::engine::StencilPreconditioner;

constexpr double kDiffusionUm2PerMin = 600.0;
constexpr double kDecayPerMin = 0.02;
constexpr double kSiteEdgeUm = 10.0;
constexpr double kStepMin = 30.0;
constexpr std::uint64_t kSources = 2000;

void BM_DiffusionStep(benchmark::State& state) {
    const auto nx = static_cast<std::int32_t>(state.range(0));
    const auto nz = static_cast<std::int32_t>(state.range(1));
    const auto coarsening = static_cast<int>(state.range(2));
    const auto threads = static_cast<int>(state.range(3));
    const Lattice lattice(nx, nx, nz, Boundary::reflective);
    DiffusionField field(lattice, coarsening, kDiffusionUm2PerMin, kDecayPerMin, kSiteEdgeUm);
    field.set_solver_preconditioner(state.range(4) == 0 ? StencilPreconditioner::multigrid
                                                        : StencilPreconditioner::jacobi);
    const auto sites = static_cast<std::uint64_t>(lattice.site_count());
    auto add_sources = [&] {
        for (std::uint64_t i = 0; i < kSources; ++i) {
            // Scattered, fixed sites (a multiplicative hash of i).
            field.add_source_at_site(static_cast<SiteIndex>((i * 2654435761ULL) % sites), 1e-3);
        }
    };
    double iterations = 0.0;
    run_with_threads(threads, [&] {
        add_sources();
        field.step(kStepMin);  // sets up the operator
        for (auto _ : state) {
            add_sources();
            field.step(kStepMin);
            iterations += field.last_solve_iterations();
        }
    });
    const auto cells = static_cast<double>(field.cell_count());
    state.counters["cells_per_s"] = benchmark::Counter(
        cells * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
    state.counters["cg_iterations"] =
        benchmark::Counter(iterations, benchmark::Counter::kAvgIterations);
    state.counters["field_cells"] = cells;
}
// bench_3d (200^3 sites: 50^3 cells), bench_2d (2000 x 2000: 500 x 500 cells), bench_1e8
// (468^3 sites: 117^3 cells); preconditioner 0 = multigrid, 1 = Jacobi.
BENCHMARK(BM_DiffusionStep)
    ->ArgNames({"nx=ny", "nz", "coarsening", "threads", "preconditioner"})
    ->ArgsProduct({{200}, {200}, {4}, {1, 2}, {0, 1}})
    ->ArgsProduct({{2000}, {1}, {4}, {1, 2}, {0, 1}})
    ->ArgsProduct({{468}, {468}, {4}, {1, 2}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
