#pragma once
// The field solver of DiffusionField: Jacobi-preconditioned conjugate gradients on the 7-point
// backward-Euler stencil, applied without a matrix, parallel over cells, with exact dot
// products (engine/exact_sum.hpp).
//
// Why not a library solver: its dot products are partial double sums combined in an order that
// depends on threads and (with MPI) ranks, so the iterates, the iteration count and the answer
// would change with the decomposition. Here every per-cell operation depends only on the cell's
// grid position, and every sum is exact, so the result is the same bits for any thread count and
// any split of the cells into pieces: the property a distributed run needs
// (../shared/MPI-DESIGN.md, section 2.5).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace cartsim::engine {

/// The operator (I + dt k I - dt D L) of DiffusionField on its grid of cells:
///     (A u)_i = (diagonal_base + coupling * faces_i) u_i - coupling * sum_j u_j
/// over the face neighbours j of cell i (reflective: faces on the grid edge are closed; periodic:
/// they wrap, and on an axis of 2 cells both faces lead to the same neighbour, counted twice; an
/// axis of 1 cell has none). Cells are numbered x + gx * (y + gy * z).
struct GridStencil {
    std::int32_t gx = 1;
    std::int32_t gy = 1;
    std::int32_t gz = 1;
    bool periodic = false;
    double coupling = 0.0;       ///< dt D / h^2
    double diagonal_base = 1.0;  ///< 1 + dt k

    std::size_t cell_count() const {
        return static_cast<std::size_t>(gx) * static_cast<std::size_t>(gy) *
               static_cast<std::size_t>(gz);
    }
};

/// How the solver splits the cells for its loops and sums. pieces = 0: the engine's parallel
/// chunks, grouped as TBB schedules them. pieces = P > 0: P contiguous ranges of cells processed
/// one after the other, each summing into its own accumulators, merged at the end (last piece
/// first), as P ranks would. The result is the same bits either way; tests use P to show it.
struct CellPartition {
    std::size_t pieces = 0;
};

/// Vectors of a solve, kept between solves to avoid reallocation.
struct StencilCgWork {
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

/// Solves A x = b, warm-started from x, by the algorithm of Eigen's ConjugateGradient with its
/// DiagonalPreconditioner: the same recurrences, stopping when |r|^2 < max(tolerance^2 |b|^2,
/// DBL_MIN) or after max_iterations; x = 0 when b = 0. It stops early, with a NaN residual, when
/// a sum is not finite (a NaN or Inf input). b and x have stencil.cell_count() elements.
StencilCgResult solve_stencil_cg(const GridStencil& stencil, std::span<const double> b,
                                 std::span<double> x, double tolerance, int max_iterations,
                                 CellPartition partition, StencilCgWork& work);

/// (A u) for every cell, into out (for tests and diagnostics).
void apply_stencil(const GridStencil& stencil, std::span<const double> u, std::span<double> out);

}  // namespace cartsim::engine
