#pragma once
// The field solver of DiffusionField: preconditioned conjugate gradients on the 7-point
// backward-Euler stencil, applied without a matrix, parallel over cells, with exact dot
// products (engine/exact_sum.hpp). The preconditioner is a geometric multigrid V-cycle
// (engine/stencil_multigrid.hpp, the default: ~10x fewer iterations) or Jacobi (the diagonal).
//
// Why not a library solver: its dot products are partial double sums combined in an order that
// depends on threads and (with MPI) ranks, so the iterates, the iteration count and the answer
// would change with the decomposition. Here every per-cell operation depends only on the cell's
// grid position, and every sum is exact, so the result is the same bits for any thread count and
// any split of the cells into pieces: the property a distributed run needs
// (../shared/MPI-DESIGN.md, section 2.5).

#include <span>
#include <vector>

#include "engine/grid_stencil.hpp"
#include "engine/stencil_multigrid.hpp"

namespace cartsim::engine {

/// M in CG's M^-1: both give the same bits for any thread count and partition, and answers that
/// agree within the tolerance; they differ in iterations and time per iteration.
enum class StencilPreconditioner {
    multigrid,  ///< one symmetric V-cycle (engine/stencil_multigrid.hpp)
    jacobi,     ///< the diagonal: Eigen's DiagonalPreconditioner, the solver before issue 16
};

/// Vectors of a solve, and the multigrid levels, kept between solves to avoid reallocation.
struct StencilCgWork {
    StencilMultigrid multigrid;
    std::vector<double> residual;
    std::vector<double> preconditioned;  // z = M^-1 r
    std::vector<double> direction;       // p
    std::vector<double> product;         // A p
};

struct StencilCgResult {
    int iterations = 0;
    /// |b - A x| / |b| at the end (0 for b = 0; NaN if an input was not finite).
    double relative_residual = 0.0;
};

/// Solves A x = b, warm-started from x, by the algorithm of Eigen's ConjugateGradient (with its
/// DiagonalPreconditioner for jacobi): the same recurrences, stopping when |r|^2 < max(tolerance^2
/// |b|^2, DBL_MIN) or after max_iterations; x = 0 when b = 0. It stops early, with a NaN residual,
/// when a sum is not finite (a NaN or Inf input). b and x have stencil.cell_count() elements.
StencilCgResult solve_stencil_cg(
    const GridStencil& stencil, std::span<const double> b, std::span<double> x, double tolerance,
    int max_iterations, CellPartition partition, StencilCgWork& work,
    StencilPreconditioner preconditioner = StencilPreconditioner::multigrid);

/// (A u) for every cell, into out (for tests and diagnostics).
void apply_stencil(const GridStencil& stencil, std::span<const double> u, std::span<double> out);

}  // namespace cartsim::engine
