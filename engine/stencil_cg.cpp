#include "engine/stencil_cg.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <limits>
#include <optional>

#include "engine/exact_sum.hpp"
#include "engine/parallel_for.hpp"

namespace cartsim::engine {

namespace {

constexpr std::size_t kNoRow = std::numeric_limits<std::size_t>::max();
// Faces a cell can have: 2 per axis.
constexpr int kMaxFaces = 6;

/// Several exact sums formed in one pass over the cells.
template <std::size_t K>
struct ExactSums {
    std::array<ExactSum, K> sum;
    ExactSums& operator+=(const ExactSums& other) {
        for (std::size_t k = 0; k < K; ++k) sum[k] += other.sum[k];
        return *this;
    }
};

/// body(begin, end) over ranges covering [0, n), as the partition says.
template <class Body>
void for_cells(std::size_t n, CellPartition partition, Body&& body) {
    if (partition.pieces == 0) {
        // One chunk (a small grid) runs inline (engine::runs_inline).
        parallel_for_chunks(n, kReduceGrain, body);
        return;
    }
    for (std::size_t k = 0; k < partition.pieces; ++k) {
        body(n * k / partition.pieces, n * (k + 1) / partition.pieces);
    }
}

/// add_range(begin, end, partial) over ranges covering [0, n), as the partition says; the
/// partials merged (exactly, so in any order).
template <class Partial, class AddRange>
Partial reduce_cells(std::size_t n, CellPartition partition, AddRange&& add_range) {
    if (partition.pieces == 0) return parallel_exact_reduce<Partial>(n, add_range);
    std::vector<Partial> partial(partition.pieces);
    for (std::size_t k = 0; k < partition.pieces; ++k) {
        add_range(n * k / partition.pieces, n * (k + 1) / partition.pieces, partial[k]);
    }
    Partial total{};
    for (std::size_t k = partition.pieces; k-- > 0;) total += partial[k];
    return total;
}

/// Cells x in [x_begin, x_end) of the grid row (y, z), which starts at cell `start`.
struct RowSegment {
    std::size_t start;
    std::int32_t x_begin;
    std::int32_t x_end;
    std::int32_t y;
    std::int32_t z;
};

/// body(segment) for the row segments that make up the cells [begin, end).
template <class Body>
void for_each_row_segment(const GridStencil& s, std::size_t begin, std::size_t end, Body&& body) {
    const auto gx = static_cast<std::size_t>(s.gx);
    const auto gy = static_cast<std::size_t>(s.gy);
    for (std::size_t i = begin; i < end;) {
        const std::size_t row = i / gx;
        const std::size_t start = row * gx;
        const std::size_t segment_end = std::min(end, start + gx);
        body(RowSegment{start, static_cast<std::int32_t>(i - start),
                        static_cast<std::int32_t>(segment_end - start),
                        static_cast<std::int32_t>(row % gy), static_cast<std::int32_t>(row / gy)});
        i = segment_end;
    }
}

/// The y and z neighbour rows of a row (start cells, kNoRow where there is none) and the number
/// of faces they give each cell of the row.
struct RowNeighbours {
    std::array<std::size_t, 4> start{kNoRow, kNoRow, kNoRow, kNoRow};
    int faces = 0;
};

RowNeighbours row_neighbours(const GridStencil& s, std::int32_t y, std::int32_t z) {
    RowNeighbours result;
    const auto row_start = [&](std::int32_t ny, std::int32_t nz) {
        return static_cast<std::size_t>(s.gx) *
               (static_cast<std::size_t>(ny) +
                static_cast<std::size_t>(s.gy) * static_cast<std::size_t>(nz));
    };
    std::size_t k = 0;
    for (const int axis : {1, 2}) {
        const std::int32_t extent = axis == 1 ? s.gy : s.gz;
        const std::int32_t here = axis == 1 ? y : z;
        for (const std::int32_t step : {-1, 1}) {
            std::size_t& neighbour = result.start[k++];
            if (extent == 1) continue;
            std::int32_t there = here + step;
            if (there < 0 || there >= extent) {
                if (!s.periodic) continue;
                there = (there + extent) % extent;
            }
            neighbour = axis == 1 ? row_start(there, z) : row_start(y, there);
            ++result.faces;
        }
    }
    return result;
}

/// Faces of the cell at x in its row: the x faces plus the row's.
int faces_at(const GridStencil& s, const RowNeighbours& neighbours, std::int32_t x) {
    if (s.gx == 1) return neighbours.faces;
    if (s.periodic) return neighbours.faces + 2;
    return neighbours.faces + (x > 0 ? 1 : 0) + (x < s.gx - 1 ? 1 : 0);
}

/// Diagonal entries and their inverses (the Jacobi preconditioner) by number of faces.
struct Diagonals {
    std::array<double, kMaxFaces + 1> value{};
    std::array<double, kMaxFaces + 1> inverse{};
    explicit Diagonals(const GridStencil& s) {
        for (int f = 0; f <= kMaxFaces; ++f) {
            value[static_cast<std::size_t>(f)] = s.diagonal_base + s.coupling * f;
            inverse[static_cast<std::size_t>(f)] = 1.0 / value[static_cast<std::size_t>(f)];
        }
    }
};

/// sink(i, (A u)_i) for the cells of a row segment. A cell's neighbour sum is formed in one
/// fixed order (x-, x+, y-, y+, z-, z+), and which of the two loops below handles a cell depends
/// only on its position, never on the split.
template <class Sink>
void apply_to_segment(const GridStencil& s, const Diagonals& diagonals, const double* u,
                      const RowSegment& segment, Sink&& sink) {
    const RowNeighbours neighbours = row_neighbours(s, segment.y, segment.z);
    const std::int32_t last = s.gx - 1;
    const auto any_cell = [&](std::int32_t x) {
        const std::size_t i = segment.start + static_cast<std::size_t>(x);
        double sum = 0.0;
        if (last > 0) {
            if (x > 0) {
                sum += u[i - 1];
            } else if (s.periodic) {
                sum += u[segment.start + static_cast<std::size_t>(last)];
            }
            if (x < last) {
                sum += u[i + 1];
            } else if (s.periodic) {
                sum += u[segment.start];
            }
        }
        for (const std::size_t row : neighbours.start) {
            if (row != kNoRow) sum += u[row + static_cast<std::size_t>(x)];
        }
        const int faces = faces_at(s, neighbours, x);
        sink(i, diagonals.value[static_cast<std::size_t>(faces)] * u[i] - s.coupling * sum);
    };
    // Cells with a neighbour on every face of the grid's dimension (x inside the row, and a row
    // with its four neighbour rows in 3-D, its two in 2-D): the bulk of the grid, in loops
    // without branches.
    const bool flat = s.gz == 1;
    const bool full_row = neighbours.faces == (flat ? 2 : 4) && neighbours.start[0] != kNoRow &&
                          neighbours.start[1] != kNoRow;
    const std::int32_t inner_begin = full_row ? std::max(segment.x_begin, 1) : segment.x_end;
    const std::int32_t inner_end =
        full_row ? std::max(inner_begin, std::min(segment.x_end, last)) : segment.x_end;
    for (std::int32_t x = segment.x_begin; x < inner_begin; ++x) any_cell(x);
    const double* row = u + segment.start;
    // Neighbour-row pointers only where those rows exist: u + kNoRow would overflow (undefined
    // behaviour even unused; UBSan's pointer-overflow check in the fuzz build found it).
    const double* y_minus = full_row ? u + neighbours.start[0] : nullptr;
    const double* y_plus = full_row ? u + neighbours.start[1] : nullptr;
    if (inner_begin < inner_end && flat) {
        const double diagonal = diagonals.value[4];
        for (std::int32_t x = inner_begin; x < inner_end; ++x) {
            const double sum = row[x - 1] + row[x + 1] + y_minus[x] + y_plus[x];
            sink(segment.start + static_cast<std::size_t>(x), diagonal * row[x] - s.coupling * sum);
        }
    } else if (inner_begin < inner_end) {
        const double diagonal = diagonals.value[kMaxFaces];
        const double* z_minus = u + neighbours.start[2];
        const double* z_plus = u + neighbours.start[3];
        for (std::int32_t x = inner_begin; x < inner_end; ++x) {
            const double sum =
                row[x - 1] + row[x + 1] + y_minus[x] + y_plus[x] + z_minus[x] + z_plus[x];
            sink(segment.start + static_cast<std::size_t>(x), diagonal * row[x] - s.coupling * sum);
        }
    }
    for (std::int32_t x = inner_end; x < segment.x_end; ++x) any_cell(x);
}

/// body(segment, neighbours) for every row segment of [begin, end), with the row's neighbours.
template <class Body>
void for_each_segment_with_faces(const GridStencil& s, std::size_t begin, std::size_t end,
                                 Body&& body) {
    for_each_row_segment(s, begin, end, [&](const RowSegment& segment) {
        body(segment, row_neighbours(s, segment.y, segment.z));
    });
}

double squared(double v) {
    return v * v;
}

/// |r|^2 split by the cells' number of faces. With the Jacobi preconditioner z_i = r_i / d_f,
/// (r, z) = sum over f of (the part for f) / d_f, so one exact pass gives both |r|^2 and (r, z)
/// (with one rounding per face count instead of one per cell: still the same bits for any
/// split, and one exact deposit per cell instead of two).
using SquaresByFaces = ExactSums<kMaxFaces + 1>;

/// Adds the squares of r over a row segment to squares.sum[faces], in runs of equal face count
/// (x = 0, the interior, x = gx - 1).
void add_squares_by_faces(const GridStencil& s, const RowNeighbours& rows,
                          const RowSegment& segment, const double* r, SquaresByFaces& squares) {
    const std::int32_t last = s.gx - 1;
    for (std::int32_t x = segment.x_begin; x < segment.x_end;) {
        const std::int32_t run_end =
            std::min(segment.x_end, x < 1 ? 1 : (x < last ? last : last + 1));
        const double* run = r + segment.start + static_cast<std::size_t>(x);
        squares.sum[static_cast<std::size_t>(faces_at(s, rows, x))].add_terms(
            static_cast<std::size_t>(run_end - x), [&](std::size_t k) { return squared(run[k]); });
        x = run_end;
    }
}

struct ResidualNorms {
    double r_norm2;
    double r_dot_z;
};

ResidualNorms residual_norms(const SquaresByFaces& squares, const Diagonals& diagonals) {
    ExactSum r_norm2;
    ExactSum r_dot_z;
    for (std::size_t f = 0; f < squares.sum.size(); ++f) {
        r_norm2 += squares.sum[f];
        r_dot_z.add(diagonals.inverse[f] * squares.sum[f].value());
    }
    return {r_norm2.value(), r_dot_z.value()};
}

/// out = M^-1 r over the cells [begin, end) (the Jacobi preconditioner: r_i / d_i), and the
/// squares of r by face count into squares.
void precondition(const GridStencil& s, const Diagonals& diagonals, std::size_t begin,
                  std::size_t end, const double* r, double* out, SquaresByFaces& squares) {
    for_each_segment_with_faces(
        s, begin, end, [&](const RowSegment& segment, const RowNeighbours& rows) {
            for (std::int32_t x = segment.x_begin; x < segment.x_end; ++x) {
                const std::size_t i = segment.start + static_cast<std::size_t>(x);
                out[i] = diagonals.inverse[static_cast<std::size_t>(faces_at(s, rows, x))] * r[i];
            }
            add_squares_by_faces(s, rows, segment, r, squares);
        });
}

}  // namespace

void apply_stencil(const GridStencil& stencil, std::span<const double> u, std::span<double> out) {
    assert(u.size() == stencil.cell_count() && out.size() == stencil.cell_count());
    const Diagonals diagonals(stencil);
    for_cells(stencil.cell_count(), {}, [&](std::size_t begin, std::size_t end) {
        for_each_row_segment(stencil, begin, end, [&](const RowSegment& segment) {
            apply_to_segment(stencil, diagonals, u.data(), segment,
                             [&](std::size_t i, double value) { out[i] = value; });
        });
    });
}

namespace {

/// r = b - A x; |b|^2 and |r|^2.
ExactSums<2> initial_residual(const GridStencil& stencil, const Diagonals& diagonals,
                              std::span<const double> b, std::span<const double> x, double* r,
                              CellPartition partition) {
    return reduce_cells<ExactSums<2>>(
        stencil.cell_count(), partition,
        [&](std::size_t begin, std::size_t end, ExactSums<2>& sums) {
            for_each_row_segment(stencil, begin, end, [&](const RowSegment& segment) {
                apply_to_segment(stencil, diagonals, x.data(), segment,
                                 [&](std::size_t i, double ax) { r[i] = b[i] - ax; });
            });
            sums.sum[0].add_terms(end - begin,
                                  [&](std::size_t k) { return squared(b[begin + k]); });
            sums.sum[1].add_terms(end - begin,
                                  [&](std::size_t k) { return squared(r[begin + k]); });
        });
}

/// q = A p and (p, q).
double apply_and_dot(const GridStencil& stencil, const Diagonals& diagonals, const double* p,
                     double* q, CellPartition partition) {
    return reduce_cells<ExactSum>(
               stencil.cell_count(), partition,
               [&](std::size_t begin, std::size_t end, ExactSum& sum) {
                   for_each_row_segment(stencil, begin, end, [&](const RowSegment& segment) {
                       apply_to_segment(stencil, diagonals, p, segment,
                                        [&](std::size_t i, double ap) { q[i] = ap; });
                   });
                   sum.add_terms(end - begin,
                                 [&](std::size_t k) { return p[begin + k] * q[begin + k]; });
               })
        .value();
}

/// Where both solves start: r = b - A x, and the answer already when b = 0 (x = 0) or x
/// already meets the tolerance.
struct CgStart {
    double rhs_norm2 = 0.0;
    double threshold = 0.0;  ///< stop when |r|^2 is below this
    double residual_norm2 = 0.0;
    std::optional<StencilCgResult> done;
};

CgStart start_cg(const GridStencil& stencil, const Diagonals& diagonals, std::span<const double> b,
                 std::span<double> x, double* r, double tolerance, CellPartition partition) {
    const auto initial = initial_residual(stencil, diagonals, b, x, r, partition);
    CgStart start;
    start.rhs_norm2 = initial.sum[0].value();
    if (start.rhs_norm2 == 0.0) {
        std::fill(x.begin(), x.end(), 0.0);
        start.done = StencilCgResult{0, 0.0};
        return start;
    }
    start.threshold =
        std::max(tolerance * tolerance * start.rhs_norm2, std::numeric_limits<double>::min());
    start.residual_norm2 = initial.sum[1].value();
    if (start.residual_norm2 < start.threshold) {
        start.done = StencilCgResult{0, std::sqrt(start.residual_norm2 / start.rhs_norm2)};
    }
    return start;
}

/// CG preconditioned by one multigrid V-cycle per iteration: Eigen's recurrences with z = M^-1 r
/// from the V-cycle and (r, z) as one more exact dot.
StencilCgResult solve_multigrid_pcg(const GridStencil& stencil, std::span<const double> b,
                                    std::span<double> x, double tolerance, int max_iterations,
                                    CellPartition partition, StencilCgWork& work) {
    const std::size_t n = stencil.cell_count();
    double* r = work.residual.data();
    double* z = work.preconditioned.data();
    double* p = work.direction.data();
    double* q = work.product.data();
    const Diagonals diagonals(stencil);
    work.multigrid.set_stencil(stencil);

    const CgStart start = start_cg(stencil, diagonals, b, x, r, tolerance, partition);
    if (start.done) return *start.done;
    const double rhs_norm2 = start.rhs_norm2;
    const double threshold = start.threshold;
    double residual_norm2 = start.residual_norm2;

    const auto r_dot = [&](const double* v) {
        return reduce_cells<ExactSum>(n, partition,
                                      [&](std::size_t begin, std::size_t end, ExactSum& sum) {
                                          sum.add_terms(end - begin, [&](std::size_t k) {
                                              return r[begin + k] * v[begin + k];
                                          });
                                      })
            .value();
    };
    // p = M^-1 r; (r, p).
    work.multigrid.apply({r, n}, {p, n}, partition);
    double r_dot_z = r_dot(p);

    int iteration = 0;
    while (iteration < max_iterations) {
        const double alpha = r_dot_z / apply_and_dot(stencil, diagonals, p, q, partition);

        // x += alpha p; r -= alpha q; |r|^2.
        residual_norm2 =
            reduce_cells<ExactSum>(n, partition,
                                   [&](std::size_t begin, std::size_t end, ExactSum& sum) {
                                       for (std::size_t i = begin; i < end; ++i) {
                                           x[i] += alpha * p[i];
                                           r[i] -= alpha * q[i];
                                       }
                                       sum.add_terms(end - begin, [&](std::size_t k) {
                                           return squared(r[begin + k]);
                                       });
                                   })
                .value();
        if (residual_norm2 < threshold) break;
        if (!std::isfinite(residual_norm2)) {
            return {iteration, std::numeric_limits<double>::quiet_NaN()};
        }
        // z = M^-1 r; (r, z).
        work.multigrid.apply({r, n}, {z, n}, partition);
        const double new_r_dot_z = r_dot(z);
        const double beta = new_r_dot_z / r_dot_z;
        r_dot_z = new_r_dot_z;

        // p = z + beta p.
        for_cells(n, partition, [&](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) p[i] = z[i] + beta * p[i];
        });
        ++iteration;
    }
    return {iteration, std::sqrt(residual_norm2 / rhs_norm2)};
}

/// CG with the Jacobi preconditioner: z = D^-1 r, and (r, z) from |r|^2 split by face count.
StencilCgResult solve_jacobi_pcg(const GridStencil& stencil, std::span<const double> b,
                                 std::span<double> x, double tolerance, int max_iterations,
                                 CellPartition partition, StencilCgWork& work) {
    const std::size_t n = stencil.cell_count();
    double* r = work.residual.data();
    double* z = work.preconditioned.data();
    double* p = work.direction.data();
    double* q = work.product.data();
    const Diagonals diagonals(stencil);

    const CgStart start = start_cg(stencil, diagonals, b, x, r, tolerance, partition);
    if (start.done) return *start.done;
    const double rhs_norm2 = start.rhs_norm2;
    const double threshold = start.threshold;
    double residual_norm2 = start.residual_norm2;

    // p = M^-1 r; (r, p).
    const auto initial_squares = reduce_cells<SquaresByFaces>(
        n, partition, [&](std::size_t begin, std::size_t end, SquaresByFaces& squares) {
            precondition(stencil, diagonals, begin, end, r, p, squares);
        });
    double r_dot_z = residual_norms(initial_squares, diagonals).r_dot_z;

    int iteration = 0;
    while (iteration < max_iterations) {
        // q = A p; (p, q).
        const double p_dot_q = apply_and_dot(stencil, diagonals, p, q, partition);
        const double alpha = r_dot_z / p_dot_q;

        // x += alpha p; r -= alpha q; z = M^-1 r; |r|^2 and (r, z).
        const auto squares = reduce_cells<SquaresByFaces>(
            n, partition, [&](std::size_t begin, std::size_t end, SquaresByFaces& partial) {
                for (std::size_t i = begin; i < end; ++i) {
                    x[i] += alpha * p[i];
                    r[i] -= alpha * q[i];
                }
                precondition(stencil, diagonals, begin, end, r, z, partial);
            });
        const ResidualNorms norms = residual_norms(squares, diagonals);
        residual_norm2 = norms.r_norm2;
        if (residual_norm2 < threshold) break;
        if (!std::isfinite(residual_norm2)) {
            return {iteration, std::numeric_limits<double>::quiet_NaN()};
        }
        const double beta = norms.r_dot_z / r_dot_z;
        r_dot_z = norms.r_dot_z;

        // p = z + beta p.
        for_cells(n, partition, [&](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) p[i] = z[i] + beta * p[i];
        });
        ++iteration;
    }
    return {iteration, std::sqrt(residual_norm2 / rhs_norm2)};
}

}  // namespace

StencilCgResult solve_stencil_cg(const GridStencil& stencil, std::span<const double> b,
                                 std::span<double> x, double tolerance, int max_iterations,
                                 CellPartition partition, StencilCgWork& work,
                                 StencilPreconditioner preconditioner) {
    const std::size_t n = stencil.cell_count();
    assert(b.size() == n && x.size() == n);
    work.residual.resize(n);
    work.preconditioned.resize(n);
    work.direction.resize(n);
    work.product.resize(n);
    return preconditioner == StencilPreconditioner::multigrid
               ? solve_multigrid_pcg(stencil, b, x, tolerance, max_iterations, partition, work)
               : solve_jacobi_pcg(stencil, b, x, tolerance, max_iterations, partition, work);
}

}  // namespace cartsim::engine
