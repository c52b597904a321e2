#pragma once
// The field solver's operator and how its loops split the cells (engine/stencil_cg.hpp).

#include <cstddef>
#include <cstdint>

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

}  // namespace cartsim::engine
