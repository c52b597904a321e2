#pragma once
// Scalar diffusion-decay field on the lattice or on a coarser grid, stepped implicitly.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/lattice.hpp"
#include "engine/stencil_cg.hpp"
#include "engine/types.hpp"

namespace cartsim::engine {

/// A concentration field u on a regular grid of cells laid over a Lattice. It obeys
///
///     du/dt = D lap(u) - k u + s(x) - sum_i uptake_i u(x_i)
///
/// Units: u is a concentration in units C chosen by the caller (e.g. pg/mL); D in um^2/min;
/// k (decay) and uptake rates in 1/min; a source adds C/min to the value of one cell.
///
/// Grid: with coarsening factor c >= 1 one field cell covers c x c x c sites (c x c x 1 when
/// the lattice is 2-D, nz == 1), so the cell edge is c * site_edge_um and the grid has
/// ceil(nx/c) x ceil(ny/c) x ceil(nz/c) cells. When an extent is not a multiple of c the last
/// cell of that axis is treated as a full cell (the field box is then slightly larger than the
/// lattice); a periodic lattice must be a multiple of c on every coarsened axis so the field
/// wraps with the lattice's period. A cell's volume is cell_edge^3 in 3-D and
/// cell_edge^2 * site_edge in 2-D (the 2-D sheet is one site thick).
///
/// Boundary follows the lattice: reflective = zero flux (Neumann), periodic = wrap.
///
/// Step (dt): backward Euler for diffusion and decay, with the sources on the right-hand side,
///     (I + dt k I - dt D L) u' = u + dt s,
/// solved by conjugate gradients preconditioned by a geometric multigrid V-cycle (the matrix is
/// symmetric positive definite; Jacobi preconditioning is selectable) with warm start from u to
/// the relative residual kDefaultSolverRelativeTolerance (1e-6: values within ~1e-6 of the exact
/// solve's, far below the step's own time-discretization error); unconditionally stable, and an
/// M-matrix, so it keeps u >= 0 and obeys the maximum principle. The solve's result is then cut
/// at 0 and scaled to the amount the step conserves exactly (sum(u') (1 + dt k) = sum(u + dt s)),
/// so a looser tolerance loses no mass and makes no negative value. Point uptake is then applied
/// exactly, operator split: u'_cell *= exp(-uptake_cell * dt). The solver (engine/stencil_cg.hpp)
/// applies the 7-point stencil without a matrix, in parallel over cells, and sums its dot
/// products exactly: the result is the same bits for any thread count and any split of the
/// cells (set_solver_partition), as a run over several ranks will need.
///
/// Sources and uptake are per-step inputs: they accumulate per cell until the next step(),
/// which clears them at its end. They are accumulated from sequential code for now (the calls
/// are not thread-safe); a parallel caller must gather them per tile and add them in a fixed
/// order, or the floating-point sums will depend on the schedule.
///
/// Note on coarsening: a source or uptake added "at a site" acts on the whole cell holding the
/// site, at the given rate. A caller that thinks in per-site rates (an agent secreting into its
/// own site's volume) should divide by sites_per_cell().
///
/// Memory: about 100 bytes per cell (value, source, uptake, right-hand side, four CG work
/// vectors, four multigrid vectors on the field grid and ~1/7 more on the coarser ones); coarsen
/// large lattices.
class DiffusionField {
  public:
    /// Throws std::invalid_argument for coarsening < 1, a negative or non-finite diffusion or
    /// decay, a non-positive or non-finite site edge, a periodic lattice whose extents are not
    /// multiples of the coarsening, or a grid of more cells than the solver's iteration cap
    /// (2 per cell, an int) can count.
    DiffusionField(const Lattice& lattice, int coarsening, double diffusion_um2_per_min,
                   double decay_per_min, double site_edge_um);

    // Geometry.
    std::int32_t gx() const { return gx_; }
    std::int32_t gy() const { return gy_; }
    std::int32_t gz() const { return gz_; }
    std::size_t cell_count() const { return cell_count_; }
    int coarsening() const { return coarsening_; }
    /// Lattice sites covered by one (full) cell: c^3 in 3-D, c^2 in 2-D.
    int sites_per_cell() const { return coarsening_ * coarsening_ * coarsening_z_; }
    double site_edge_um() const { return site_edge_um_; }
    double cell_edge_um() const { return cell_edge_um_; }
    double cell_volume_um3() const { return cell_volume_um3_; }
    double diffusion_um2_per_min() const { return diffusion_um2_per_min_; }
    double decay_per_min() const { return decay_per_min_; }
    Boundary boundary() const { return boundary_; }

    /// Cell holding a lattice site (site must be on the lattice).
    std::size_t cell_of_site(SiteIndex site) const;
    /// Cell at grid coordinates (0 <= cx < gx, ...): cx + gx * (cy + gy * cz).
    std::size_t cell_at(std::int32_t cx, std::int32_t cy, std::int32_t cz) const {
        return static_cast<std::size_t>(cx) +
               static_cast<std::size_t>(gx_) *
                   (static_cast<std::size_t>(cy) +
                    static_cast<std::size_t>(gy_) * static_cast<std::size_t>(cz));
    }

    // Per-step inputs (sequential callers only, see the class comment).
    /// Adds rate_per_min (C/min, >= 0) to the source of the cell holding `site` for the next
    /// step. Throws std::invalid_argument for a negative or non-finite rate.
    void add_source_at_site(SiteIndex site, double rate_per_min);
    /// Same, addressed by cell.
    void add_source_at_cell(std::size_t cell, double rate_per_min);
    /// Adds a first-order uptake rate (1/min, >= 0) to the cell holding `site` for the next
    /// step. Throws std::invalid_argument for a negative or non-finite rate.
    void add_uptake_at_site(SiteIndex site, double uptake_per_min);
    /// Zeroes the source and the uptake buffers; step() calls it at its end.
    void clear_sources();

    /// Advances the field by dt_min > 0 (throws std::invalid_argument otherwise). Throws
    /// std::runtime_error if the solver does not converge (it should not for any finite input).
    void step(double dt_min);

    // Values (concentration, C).
    double value_at_site(SiteIndex site) const { return value_at_cell(cell_of_site(site)); }
    double value_at_cell(std::size_t cell) const { return values_[cell]; }
    std::span<const double> values() const { return values_; }
    /// For initial conditions and restarts; length cell_count().
    std::span<double> values_mutable() { return values_; }
    /// Sum of value * cell volume (C * um^3): the values' exact sum rounded once
    /// (engine/exact_sum.hpp), times the volume, so it does not depend on how the cells are
    /// split over threads.
    double total_amount() const;
    /// Mean value over cells (C).
    double mean() const;

    // Diagnostics of the last step's solve.
    int last_solve_iterations() const { return last_solve_iterations_; }
    /// Relative residual |b - A u| / |b| reached by the last solve.
    double last_solve_relative_residual() const { return last_solve_relative_residual_; }

    /// For tests: how the solver splits the cells (engine/stencil_cg.hpp); the default runs on
    /// the engine's parallel chunks. Any partition gives the same bits.
    void set_solver_partition(CellPartition partition) { solver_partition_ = partition; }
    /// The relative residual |b - A u| / |b| at which a solve stops.
    static constexpr double kDefaultSolverRelativeTolerance = 1e-6;
    /// For tests: a tighter (or looser) stopping residual than the default, in (0, 1).
    void set_solver_relative_tolerance(double tolerance);
    /// For tests and benchmarks: the solver's preconditioner (default multigrid). Both give the
    /// answer within the solver's tolerance, in different iteration counts.
    void set_solver_preconditioner(StencilPreconditioner preconditioner) {
        solver_preconditioner_ = preconditioner;
    }

  private:
    void set_operator(double dt_min);

    std::int32_t nx_;
    std::int32_t ny_;
    std::int32_t nz_;
    Boundary boundary_;
    int coarsening_;
    int coarsening_z_;  // 1 on a 2-D lattice: the sheet is never coarsened across its thickness
    std::int32_t gx_;
    std::int32_t gy_;
    std::int32_t gz_;
    std::size_t cell_count_;
    double diffusion_um2_per_min_;
    double decay_per_min_;
    double site_edge_um_;
    double cell_edge_um_;
    double cell_volume_um3_;

    std::vector<double> values_;          // per cell, C
    std::vector<double> source_per_min_;  // per cell, C/min
    std::vector<double> uptake_per_min_;  // per cell, 1/min
    std::vector<double> rhs_;             // per cell, the solve's right-hand side
    GridStencil stencil_;                 // the operator for matrix_dt_min_
    StencilCgWork solver_work_;
    CellPartition solver_partition_;
    StencilPreconditioner solver_preconditioner_ = StencilPreconditioner::multigrid;
    double solver_relative_tolerance_ = kDefaultSolverRelativeTolerance;
    double matrix_dt_min_ = 0.0;  // dt the operator was set for; 0 = none yet
    int last_solve_iterations_ = 0;
    double last_solve_relative_residual_ = 0.0;
};

}  // namespace cartsim::engine
