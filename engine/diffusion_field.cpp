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

// The project never enables OpenMP; this keeps the solve serial in this file even if someone
// does, because a parallel sparse product would make results depend on the thread count.
#define EIGEN_DONT_PARALLELIZE
#include <Eigen/IterativeLinearSolvers>
#include <Eigen/SparseCore>

namespace cartsim::engine {

namespace {

// Row-major so the CG product walks rows in order; 32-bit indices halve the index memory.
using SparseMatrix = Eigen::SparseMatrix<double, Eigen::RowMajor, std::int32_t>;
// Lower|Upper: the full matrix is stored, so the product needs no symmetric trick.
using CgSolver = Eigen::ConjugateGradient<SparseMatrix, Eigen::Lower | Eigen::Upper>;

// Tight enough that the solver error stays far below any modelling error and mass is
// conserved to ~1e-12 relative in practice.
/// Residual above which a solve is reported as failed.
constexpr double kSolverFailureResidual = 1e-6;
constexpr double kSolverRelativeTolerance = 1e-10;

// Face neighbours per cell plus the diagonal.
constexpr int kMaxEntriesPerRow = 7;

std::int32_t ceil_div(std::int32_t n, std::int32_t c) {
    return (n + c - 1) / c;
}

}  // namespace

struct DiffusionField::Solver {
    SparseMatrix matrix;
    CgSolver cg;
    // Eigen allocates these aligned, so its vectorised reductions take the same order on every
    // run (an unaligned Map could start its SIMD loop at a different element).
    Eigen::VectorXd values;
    Eigen::VectorXd rhs;
};

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
    const auto max_cells =
        static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max() / kMaxEntriesPerRow);
    if (cell_count_ > max_cells) {
        throw std::invalid_argument(fmt::format(
            "diffusion field of {} cells exceeds the solver limit of {} cells; increase the "
            "coarsening",
            cell_count_, max_cells));
    }
    cell_edge_um_ = site_edge_um_ * coarsening_;
    cell_volume_um3_ = cell_edge_um_ * cell_edge_um_ * (site_edge_um_ * coarsening_z_);

    solver_ = std::make_unique<Solver>();
    solver_->values = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(cell_count_));
    solver_->rhs = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(cell_count_));
    values_ = solver_->values.data();
    source_per_min_.assign(cell_count_, 0.0);
    uptake_per_min_.assign(cell_count_, 0.0);
}

DiffusionField::~DiffusionField() = default;
DiffusionField::DiffusionField(DiffusionField&&) noexcept = default;
DiffusionField& DiffusionField::operator=(DiffusionField&&) noexcept = default;

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

void DiffusionField::rebuild_matrix(double dt_min) {
    // Finite volumes on a uniform grid: each face to an existing neighbour carries flux
    // D (u_j - u_i) / h^2; a reflective face carries none, a periodic one wraps.
    const double coupling = dt_min * diffusion_um2_per_min_ / (cell_edge_um_ * cell_edge_um_);
    const double diagonal_base = 1.0 + dt_min * decay_per_min_;
    const bool periodic = boundary_ == Boundary::periodic;
    const std::array<std::int32_t, 3> extent{gx_, gy_, gz_};

    const auto n = static_cast<Eigen::Index>(cell_count_);
    SparseMatrix matrix(n, n);
    matrix.reserve(n * kMaxEntriesPerRow);
    std::array<std::pair<std::int32_t, int>, kMaxEntriesPerRow> neighbours{};
    Eigen::Index row = 0;
    for (std::int32_t cz = 0; cz < gz_; ++cz) {
        for (std::int32_t cy = 0; cy < gy_; ++cy) {
            for (std::int32_t cx = 0; cx < gx_; ++cx, ++row) {
                // Collect (column, number of shared faces); on a periodic axis of 2 cells both
                // faces lead to the same neighbour, and an axis of 1 cell has no neighbour.
                int count = 0;
                const std::array<std::int32_t, 3> here{cx, cy, cz};
                for (int axis = 0; axis < 3; ++axis) {
                    const std::int32_t g = extent[static_cast<std::size_t>(axis)];
                    if (g == 1) continue;
                    for (const std::int32_t step : {-1, 1}) {
                        std::array<std::int32_t, 3> there = here;
                        std::int32_t& v = there[static_cast<std::size_t>(axis)];
                        v += step;
                        if (v < 0 || v >= g) {
                            if (!periodic) continue;
                            v = (v + g) % g;
                        }
                        neighbours[static_cast<std::size_t>(count++)] = {
                            static_cast<std::int32_t>(cell_at(there[0], there[1], there[2])), 1};
                    }
                }
                // The diagonal joins the list so the row comes out in column order.
                neighbours[static_cast<std::size_t>(count++)] = {static_cast<std::int32_t>(row), 0};
                // Insertion sort of <= 7 entries (std::sort trips a GCC 12 -Warray-bounds
                // false positive on a short std::array).
                for (int i = 1; i < count; ++i) {
                    for (int j = i; j > 0 && neighbours[static_cast<std::size_t>(j)] <
                                                 neighbours[static_cast<std::size_t>(j - 1)];
                         --j) {
                        std::swap(neighbours[static_cast<std::size_t>(j)],
                                  neighbours[static_cast<std::size_t>(j - 1)]);
                    }
                }
                int faces = 0;
                for (int i = 0; i < count; ++i)
                    faces += neighbours[static_cast<std::size_t>(i)].second;

                matrix.startVec(row);
                for (int i = 0; i < count;) {
                    const std::int32_t column = neighbours[static_cast<std::size_t>(i)].first;
                    int shared = 0;
                    for (; i < count && neighbours[static_cast<std::size_t>(i)].first == column;
                         ++i) {
                        shared += neighbours[static_cast<std::size_t>(i)].second;
                    }
                    matrix.insertBack(row, column) =
                        column == row ? diagonal_base + coupling * faces : -coupling * shared;
                }
            }
        }
    }
    matrix.finalize();

    solver_->matrix = std::move(matrix);
    solver_->cg.setTolerance(kSolverRelativeTolerance);
    solver_->cg.compute(solver_->matrix);
    matrix_dt_min_ = dt_min;
}

void DiffusionField::step(double dt_min) {
    if (!std::isfinite(dt_min) || dt_min <= 0.0) {
        throw std::invalid_argument(
            fmt::format("diffusion field time step must be finite and > 0 min, got {}", dt_min));
    }
    if (dt_min != matrix_dt_min_) rebuild_matrix(dt_min);

    Eigen::VectorXd& u = solver_->values;
    Eigen::VectorXd& rhs = solver_->rhs;
    for (std::size_t i = 0; i < cell_count_; ++i) {
        const auto e = static_cast<Eigen::Index>(i);
        rhs[e] = u[e] + dt_min * source_per_min_[i];
    }
    // Warm start from the current values: they are close to the answer for ordinary steps.
    u = solver_->cg.solveWithGuess(rhs, u);
    last_solve_iterations_ = static_cast<int>(solver_->cg.iterations());
    last_solve_relative_residual_ = solver_->cg.error();
    // Eigen reports NoConvergence when its stopping threshold was clamped to DBL_MIN for a
    // near-zero right-hand side (a field that has decayed to ~1e-150), although it stopped on
    // its own test. Only the iteration cap with a large residual, or NaN, is a real failure.
    const bool stopped_by_iteration_cap = solver_->cg.iterations() >= solver_->cg.maxIterations();
    const bool converged =
        solver_->cg.info() == Eigen::Success ||
        (!stopped_by_iteration_cap && std::isfinite(last_solve_relative_residual_)) ||
        last_solve_relative_residual_ <= kSolverFailureResidual;
    if (!converged) {
        throw std::runtime_error(fmt::format(
            "diffusion field solve did not converge: relative residual {} after {} iterations "
            "(dt = {} min, {} cells)",
            last_solve_relative_residual_, last_solve_iterations_, dt_min, cell_count_));
    }

    // Exact first-order uptake over the step, split after the diffusion solve.
    for (std::size_t i = 0; i < cell_count_; ++i) {
        if (uptake_per_min_[i] > 0.0) {
            u[static_cast<Eigen::Index>(i)] *= std::exp(-uptake_per_min_[i] * dt_min);
        }
    }
    clear_sources();
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
