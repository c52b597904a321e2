#pragma once
// A geometric multigrid V-cycle for the backward-Euler stencil of engine/stencil_cg.hpp, used as
// the preconditioner of its conjugate gradients (MG-PCG).
//
// Levels: each coarser grid halves every axis that has more than one cell (ceil(n/2): on an odd
// axis the last coarse cell has one child), until at most kCoarsestCells cells remain. The
// coarse operators are Galerkin products with piecewise-constant prolongation P (a coarse cell's
// value copied to its children) and restriction P^T (the children summed), with the face weights
// along each halved axis scaled by 1/2: plain piecewise-constant Galerkin doubles the coarse
// diffusion, the 1/2 restores the rediscretised operator on even axes. Every level is then
//     (A u)_c = mass_c u_c + sum over faces f of c of weight_f (u_c - u_neighbour(f))
// with mass and weights products of per-axis factors (thicknesses and face weights), so a level
// stores a few 1-D arrays and its diagonal; reflective boundary faces have weight 0.
//
// Why it keeps the solver's properties: every operation sets one cell from its own position and
// its neighbours' (or children's) values in a fixed order; there is no reduction, so the result
// is the same bits for any thread count and any partition of the cells. Smoothing is weighted
// Jacobi (order-free), with as many sweeps after the coarse correction as before it and
// restriction = P^T, and the coarsest grid gets a fixed number of Jacobi sweeps from zero: the
// V-cycle is a fixed symmetric positive definite operator, as CG needs of a preconditioner.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/grid_stencil.hpp"

namespace cartsim::engine {

class StencilMultigrid {
  public:
    /// Builds the levels for `stencil` (cheap: a few 1-D arrays and one diagonal per level); does
    /// nothing when they were built for the same stencil.
    void set_stencil(const GridStencil& stencil);

    /// z = M^-1 r: one V-cycle from z = 0. r and z have stencil.cell_count() elements.
    void apply(std::span<const double> r, std::span<double> z, CellPartition partition);

    std::size_t level_count() const { return levels_.size(); }

  private:
    struct Level {
        std::array<std::int32_t, 3> extent{1, 1, 1};
        std::array<bool, 3> halved{};  // whether the next coarser level halves this axis
        double mass = 1.0;             // mass per unit thickness product
        std::array<double, 3> coupling{};
        std::array<std::vector<double>, 3> thickness;    // children per axis position
        std::array<std::vector<double>, 3> face_weight;  // to the + neighbour; 0 on a closed face
        std::vector<double> diagonal;
        std::vector<double> relaxation;  // omega / diagonal
        // Work: the right-hand side (coarse levels), the iterate, a second iterate, a residual.
        std::vector<double> rhs;
        std::vector<double> solution;
        std::vector<double> swap;
        std::vector<double> residual;

        std::size_t cell_count() const {
            return static_cast<std::size_t>(extent[0]) * static_cast<std::size_t>(extent[1]) *
                   static_cast<std::size_t>(extent[2]);
        }
    };

    void v_cycle(std::size_t level, const double* b, double* x, CellPartition partition);

    std::vector<Level> levels_;
    GridStencil built_for_{};
    bool built_ = false;
};

}  // namespace cartsim::engine
