#include "engine/diffusion_field.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include "engine/parallel_for.hpp"

namespace cartsim::engine {

namespace {

/// Residual above which a solve that hit the iteration cap is reported as failed.
constexpr double kSolverFailureResidual = 1e-6;

// The solver counts iterations in an int and allows 2 per cell (as Eigen's default did).
constexpr std::size_t kMaxCells = std::numeric_limits<int>::max() / 2;

std::int32_t ceil_div(std::int32_t n, std::int32_t c) {
    return (n + c - 1) / c;
}

}  // namespace

DiffusionField::DiffusionField(const Lattice& lattice, int coarsening, double diffusion_um2_per_min,
                               double decay_per_min, double site_edge_um)
    : nx_(lattice.nx()),
      ny_(lattice.ny()),
      nz_(lattice.nz()),
      boundary_(lattice.boundary()),
      coarsening_(coarsening),
      coarsening_z_(lattice.dimension() == 2 ? 1 : coarsening),
      diffusion_um2_per_min_(diffusion_um2_per_min),
      decay_per_min_(decay_per_min),
      site_edge_um_(site_edge_um) {
    if (coarsening < 1) {
        throw std::invalid_argument(
            fmt::format("diffusion field coarsening must be an integer >= 1, got {}", coarsening));
    }
    if (!std::isfinite(diffusion_um2_per_min) || diffusion_um2_per_min < 0.0) {
        throw std::invalid_argument(
            fmt::format("diffusion coefficient must be finite and >= 0 um^2/min, got {}",
                        diffusion_um2_per_min));
    }
    if (!std::isfinite(decay_per_min) || decay_per_min < 0.0) {
        throw std::invalid_argument(
            fmt::format("decay rate must be finite and >= 0 per min, got {}", decay_per_min));
    }
    if (!std::isfinite(site_edge_um) || site_edge_um <= 0.0) {
        throw std::invalid_argument(
            fmt::format("site edge must be finite and > 0 um, got {}", site_edge_um));
    }
    if (boundary_ == Boundary::periodic &&
        (nx_ % coarsening_ != 0 || ny_ % coarsening_ != 0 || nz_ % coarsening_z_ != 0)) {
        throw std::invalid_argument(fmt::format(
            "a periodic lattice of {} x {} x {} sites cannot be coarsened by {}: every coarsened "
            "extent must be a multiple of the coarsening so the field wraps with the lattice",
            nx_, ny_, nz_, coarsening_));
    }
    gx_ = ceil_div(nx_, coarsening_);
    gy_ = ceil_div(ny_, coarsening_);
    gz_ = ceil_div(nz_, coarsening_z_);
    cell_count_ = static_cast<std::size_t>(gx_) * static_cast<std::size_t>(gy_) *
                  static_cast<std::size_t>(gz_);
    if (cell_count_ > kMaxCells) {
        throw std::invalid_argument(fmt::format(
            "diffusion field of {} cells exceeds the solver limit of {} cells; increase the "
            "coarsening",
            cell_count_, kMaxCells));
    }
    cell_edge_um_ = site_edge_um_ * coarsening_;
    cell_volume_um3_ = cell_edge_um_ * cell_edge_um_ * (site_edge_um_ * coarsening_z_);

    values_.assign(cell_count_, 0.0);
    rhs_.assign(cell_count_, 0.0);
    source_per_min_.assign(cell_count_, 0.0);
    uptake_per_min_.assign(cell_count_, 0.0);
}

std::size_t DiffusionField::cell_of_site(SiteIndex site) const {
    const auto nx = static_cast<std::size_t>(nx_);
    const auto plane = nx * static_cast<std::size_t>(ny_);
    assert(site < plane * static_cast<std::size_t>(nz_));
    const std::size_t z = site / plane;
    const std::size_t rest = site - z * plane;
    const std::size_t y = rest / nx;
    const std::size_t x = rest - y * nx;
    const auto c = static_cast<std::size_t>(coarsening_);
    return x / c + static_cast<std::size_t>(gx_) *
                       (y / c + static_cast<std::size_t>(gy_) *
                                    (z / static_cast<std::size_t>(coarsening_z_)));
}

void DiffusionField::add_source_at_site(SiteIndex site, double rate_per_min) {
    add_source_at_cell(cell_of_site(site), rate_per_min);
}

void DiffusionField::add_source_at_cell(std::size_t cell, double rate_per_min) {
    // A negative source could drive the field below zero; sinks go through uptake.
    if (!std::isfinite(rate_per_min) || rate_per_min < 0.0) {
        throw std::invalid_argument(
            fmt::format("source rate must be finite and >= 0 C/min, got {}", rate_per_min));
    }
    assert(cell < cell_count_);
    source_per_min_[cell] += rate_per_min;
}

void DiffusionField::add_uptake_at_site(SiteIndex site, double uptake_per_min) {
    if (!std::isfinite(uptake_per_min) || uptake_per_min < 0.0) {
        throw std::invalid_argument(
            fmt::format("uptake rate must be finite and >= 0 per min, got {}", uptake_per_min));
    }
    uptake_per_min_[cell_of_site(site)] += uptake_per_min;
}

void DiffusionField::clear_sources() {
    std::fill(source_per_min_.begin(), source_per_min_.end(), 0.0);
    std::fill(uptake_per_min_.begin(), uptake_per_min_.end(), 0.0);
}

void DiffusionField::set_operator(double dt_min) {
    // Finite volumes on a uniform grid: each face to an existing neighbour carries flux
    // D (u_j - u_i) / h^2; a reflective face carries none, a periodic one wraps.
    stencil_ =
        GridStencil{.gx = gx_,
                    .gy = gy_,
                    .gz = gz_,
                    .periodic = boundary_ == Boundary::periodic,
                    .coupling = dt_min * diffusion_um2_per_min_ / (cell_edge_um_ * cell_edge_um_),
                    .diagonal_base = 1.0 + dt_min * decay_per_min_};
    matrix_dt_min_ = dt_min;
}

void DiffusionField::step(double dt_min) {
    if (!std::isfinite(dt_min) || dt_min <= 0.0) {
        throw std::invalid_argument(
            fmt::format("diffusion field time step must be finite and > 0 min, got {}", dt_min));
    }
    if (dt_min != matrix_dt_min_) set_operator(dt_min);

    parallel_for_chunks(cell_count_, kReduceGrain, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i)
            rhs_[i] = values_[i] + dt_min * source_per_min_[i];
    });
    // Warm start from the current values: they are close to the answer for ordinary steps.
    const int max_iterations = static_cast<int>(2 * cell_count_);
    const StencilCgResult result =
        solve_stencil_cg(stencil_, rhs_, values_, solver_relative_tolerance_, max_iterations,
                         solver_partition_, solver_work_, solver_preconditioner_);
    last_solve_iterations_ = result.iterations;
    last_solve_relative_residual_ = result.relative_residual;
    // The stopping threshold is clamped to DBL_MIN for a near-zero right-hand side (a field that
    // has decayed to ~1e-150), so the residual reached may exceed the tolerance although the
    // solve stopped on its own test. Only the iteration cap with a large residual, or NaN, is a
    // real failure.
    const bool converged =
        (result.iterations < max_iterations && std::isfinite(result.relative_residual)) ||
        result.relative_residual <= kSolverFailureResidual;
    if (!converged) {
        throw std::runtime_error(fmt::format(
            "diffusion field solve did not converge: relative residual {} after {} iterations "
            "(dt = {} min, {} cells)",
            last_solve_relative_residual_, last_solve_iterations_, dt_min, cell_count_));
    }

    // The solve stops within its tolerance of the exact answer; what the exact answer keeps is
    // restored: no negative values (the operator is an M-matrix), and the amount the step
    // conserves, sum(u') (1 + dt k) = sum(u + dt s) (the diffusion terms sum to zero across the
    // cells with reflective or periodic faces), by scaling every value alike. The sums are
    // exact, so the scale is the same bits for any split of the cells.
    const double kept_amount =
        deterministic_sum(cell_count_, [&](std::size_t i) { return rhs_[i]; }) /
        stencil_.diagonal_base;
    const double solved_amount =
        deterministic_sum(cell_count_, [&](std::size_t i) { return std::max(values_[i], 0.0); });
    const double scale =
        solved_amount > 0.0 && kept_amount > 0.0 ? kept_amount / solved_amount : 1.0;
    // Exact first-order uptake over the step, split after the diffusion solve.
    parallel_for_chunks(cell_count_, kReduceGrain, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            values_[i] = std::max(values_[i], 0.0) * scale;
            if (uptake_per_min_[i] > 0.0) values_[i] *= std::exp(-uptake_per_min_[i] * dt_min);
        }
    });
    clear_sources();
}

void DiffusionField::set_solver_relative_tolerance(double tolerance) {
    if (!(tolerance > 0.0 && tolerance < 1.0)) {
        throw std::invalid_argument(
            fmt::format("solver relative tolerance must be in (0, 1), got {}", tolerance));
    }
    solver_relative_tolerance_ = tolerance;
}

double DiffusionField::total_amount() const {
    // Exact and order-free: the same bits however the cells are split (threads, later ranks).
    return deterministic_sum(cell_count_, [&](std::size_t i) { return values_[i]; }) *
           cell_volume_um3_;
}

double DiffusionField::mean() const {
    return total_amount() / (cell_volume_um3_ * static_cast<double>(cell_count_));
}

}  // namespace cartsim::engine
