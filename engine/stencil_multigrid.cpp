#include "engine/stencil_multigrid.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

#include "engine/parallel_for.hpp"

namespace cartsim::engine {

namespace {

// Stop coarsening at this many cells: the coarsest grid is then solved by kCoarsestSweeps Jacobi
// sweeps, cheap there, and enough because a coarse level's mass term outweighs its diffusion
// (mass grows 2^d-fold per level, face weights 2^(d-1)-fold).
constexpr std::size_t kCoarsestCells = 64;
constexpr int kCoarsestSweeps = 8;
// Jacobi sweeps before and after the coarse correction (the same number: a symmetric V-cycle).
constexpr int kSmoothingSweeps = 2;

std::int32_t previous(std::int32_t i, std::int32_t n) {
    return i == 0 ? n - 1 : i - 1;
}
std::int32_t next(std::int32_t i, std::int32_t n) {
    return i == n - 1 ? 0 : i + 1;
}

}  // namespace

/// A row of a level (fixed y, z): its neighbour rows and the factors of its faces. Closed faces
/// and axes of one cell have weight 0 (their "neighbour" is then read and multiplied by 0).
struct RowFaces {
    std::size_t start;
    std::size_t y_plus, y_minus, z_plus, z_minus;  // start cells of the neighbour rows
    double x_factor;                               // coupling_x * thickness_y * thickness_z
    double y_plus_factor, y_minus_factor;          // per unit thickness_x
    double z_plus_factor, z_minus_factor;
};

namespace {

template <class LevelT>
RowFaces row_faces(const LevelT& level, std::size_t row) {
    const std::int32_t nx = level.extent[0];
    const std::int32_t ny = level.extent[1];
    const std::int32_t nz = level.extent[2];
    const auto y = static_cast<std::int32_t>(row % static_cast<std::size_t>(ny));
    const auto z = static_cast<std::int32_t>(row / static_cast<std::size_t>(ny));
    const auto row_start = [&](std::int32_t ry, std::int32_t rz) {
        return static_cast<std::size_t>(nx) *
               (static_cast<std::size_t>(ry) +
                static_cast<std::size_t>(ny) * static_cast<std::size_t>(rz));
    };
    const double ty = level.thickness[1][static_cast<std::size_t>(y)];
    const double tz = level.thickness[2][static_cast<std::size_t>(z)];
    const auto& wy = level.face_weight[1];
    const auto& wz = level.face_weight[2];
    const double cy = level.coupling[1] * tz;
    const double cz = level.coupling[2] * ty;
    return RowFaces{
        .start = row_start(y, z),
        .y_plus = row_start(next(y, ny), z),
        .y_minus = row_start(previous(y, ny), z),
        .z_plus = row_start(y, next(z, nz)),
        .z_minus = row_start(y, previous(z, nz)),
        .x_factor = level.coupling[0] * ty * tz,
        .y_plus_factor = cy * wy[static_cast<std::size_t>(y)],
        .y_minus_factor = cy * wy[static_cast<std::size_t>(previous(y, ny))],
        .z_plus_factor = cz * wz[static_cast<std::size_t>(z)],
        .z_minus_factor = cz * wz[static_cast<std::size_t>(previous(z, nz))],
    };
}

/// sink(i, (A u)_i - diagonal_i u_i), i.e. minus the neighbour terms, for the cells of rows
/// [row_begin, row_end). One formula for every cell; the first and last cell of a row only
/// differ in where their x neighbours are.
template <class LevelT, class Sink>
void neighbour_terms(const LevelT& level, const double* u, std::size_t row_begin,
                     std::size_t row_end, Sink&& sink) {
    const std::int32_t nx = level.extent[0];
    const double* tx = level.thickness[0].data();
    const double* wx = level.face_weight[0].data();
    for (std::size_t row = row_begin; row < row_end; ++row) {
        const RowFaces f = row_faces(level, row);
        const double* here = u + f.start;
        const double* yp = u + f.y_plus;
        const double* ym = u + f.y_minus;
        const double* zp = u + f.z_plus;
        const double* zm = u + f.z_minus;
        const auto cell = [&](std::int32_t x, std::int32_t xp, std::int32_t xm) {
            const double along_x = f.x_factor * (wx[x] * here[xp] + wx[xm] * here[xm]);
            const double across = tx[x] * ((f.y_plus_factor * yp[x] + f.y_minus_factor * ym[x]) +
                                           (f.z_plus_factor * zp[x] + f.z_minus_factor * zm[x]));
            return -(along_x + across);
        };
        sink(f.start, cell(0, next(0, nx), previous(0, nx)));
        for (std::int32_t x = 1; x < nx - 1; ++x) {
            sink(f.start + static_cast<std::size_t>(x), cell(x, x + 1, x - 1));
        }
        if (nx > 1) {
            sink(f.start + static_cast<std::size_t>(nx - 1), cell(nx - 1, 0, nx - 2));
        }
    }
}

/// body(row_begin, row_end) over the rows of a level, as the partition says (whole rows: which
/// code path handles a cell depends only on its position).
template <class LevelT, class Body>
void for_rows(const LevelT& level, CellPartition partition, Body&& body) {
    const std::size_t rows =
        static_cast<std::size_t>(level.extent[1]) * static_cast<std::size_t>(level.extent[2]);
    if (partition.pieces > 0) {
        for (std::size_t k = 0; k < partition.pieces; ++k) {
            body(rows * k / partition.pieces, rows * (k + 1) / partition.pieces);
        }
        return;
    }
    // A level of at most kReduceGrain cells is one chunk, run inline (engine::runs_inline).
    const std::size_t grain =
        std::max<std::size_t>(1, kReduceGrain / static_cast<std::size_t>(level.extent[0]));
    parallel_for_chunks(rows, grain, body);
}

}  // namespace

void StencilMultigrid::set_stencil(const GridStencil& s) {
    if (built_ && s.gx == built_for_.gx && s.gy == built_for_.gy && s.gz == built_for_.gz &&
        s.periodic == built_for_.periodic && s.coupling == built_for_.coupling &&
        s.diagonal_base == built_for_.diagonal_base) {
        return;
    }
    built_for_ = s;
    built_ = true;
    levels_.clear();

    Level fine;
    fine.extent = {s.gx, s.gy, s.gz};
    fine.mass = s.diagonal_base;
    fine.coupling = {s.coupling, s.coupling, s.coupling};
    for (std::size_t a = 0; a < 3; ++a) {
        const auto n = static_cast<std::size_t>(fine.extent[a]);
        fine.thickness[a].assign(n, 1.0);
        fine.face_weight[a].assign(n, n > 1 ? 1.0 : 0.0);
        if (!s.periodic) fine.face_weight[a][n - 1] = 0.0;
    }
    levels_.push_back(std::move(fine));

    while (levels_.back().cell_count() > kCoarsestCells) {
        Level& fine_level = levels_.back();
        Level coarse;
        coarse.mass = fine_level.mass;
        bool any = false;
        for (std::size_t a = 0; a < 3; ++a) {
            const std::int32_t n = fine_level.extent[a];
            fine_level.halved[a] = n > 1;
            any = any || n > 1;
            const std::int32_t m = n > 1 ? (n + 1) / 2 : 1;
            coarse.extent[a] = m;
            coarse.coupling[a] = fine_level.coupling[a] * (n > 1 ? 0.5 : 1.0);
            coarse.thickness[a].assign(static_cast<std::size_t>(m), 0.0);
            coarse.face_weight[a].assign(static_cast<std::size_t>(m), 0.0);
            for (std::int32_t c = 0; c < m; ++c) {
                const std::int32_t first = n > 1 ? 2 * c : c;
                const std::int32_t last = n > 1 ? std::min(2 * c + 1, n - 1) : c;
                double thickness = 0.0;
                for (std::int32_t i = first; i <= last; ++i) {
                    thickness += fine_level.thickness[a][static_cast<std::size_t>(i)];
                }
                coarse.thickness[a][static_cast<std::size_t>(c)] = thickness;
                // The coarse face to the + neighbour is the fine face after the last child.
                if (m > 1) {
                    coarse.face_weight[a][static_cast<std::size_t>(c)] =
                        fine_level.face_weight[a][static_cast<std::size_t>(last)];
                }
            }
        }
        if (!any) break;
        levels_.push_back(std::move(coarse));
    }

    for (Level& level : levels_) {
        const std::size_t n = level.cell_count();
        level.diagonal.assign(n, 0.0);
        level.relaxation.assign(n, 0.0);
        level.rhs.assign(&level == &levels_.front() ? 0 : n, 0.0);
        level.solution.assign(&level == &levels_.front() ? 0 : n, 0.0);
        level.swap.assign(n, 0.0);
        level.residual.assign(&level == &levels_.back() ? 0 : n, 0.0);
        int axes = 0;
        for (const std::int32_t e : level.extent) axes += e > 1 ? 1 : 0;
        // The smoothing optimum of weighted Jacobi for the (2d+1)-point Laplacian.
        const double omega = 2.0 * axes / (2.0 * axes + 1.0) + (axes == 0 ? 1.0 : 0.0);
        // Diagonal: the mass plus the weights of the cell's faces (the neighbour terms for u = 1
        // give minus the face weights).
        std::vector<double> ones(n, 1.0);
        neighbour_terms(
            level, ones.data(), 0, n / static_cast<std::size_t>(level.extent[0]),
            [&](std::size_t i, double minus_faces) { level.diagonal[i] = -minus_faces; });
        for (std::size_t i = 0; i < n; ++i) {
            const auto x = static_cast<std::size_t>(i % static_cast<std::size_t>(level.extent[0]));
            const std::size_t row = i / static_cast<std::size_t>(level.extent[0]);
            const auto y = row % static_cast<std::size_t>(level.extent[1]);
            const auto z = row / static_cast<std::size_t>(level.extent[1]);
            level.diagonal[i] +=
                level.mass * level.thickness[0][x] * level.thickness[1][y] * level.thickness[2][z];
            level.relaxation[i] = omega / level.diagonal[i];
        }
    }
}

void StencilMultigrid::apply(std::span<const double> r, std::span<double> z,
                             CellPartition partition) {
    assert(built_ && r.size() == levels_.front().cell_count() && z.size() == r.size());
    v_cycle(0, r.data(), z.data(), partition);
}

void StencilMultigrid::v_cycle(std::size_t index, const double* b, double* x,
                               CellPartition partition) {
    Level& level = levels_[index];
    const auto nx = static_cast<std::size_t>(level.extent[0]);
    const double* diagonal = level.diagonal.data();
    const double* relaxation = level.relaxation.data();
    const bool coarsest = index + 1 == levels_.size();
    // Sweeps alternate between x and swap; the first writes where the last then lands in x.
    const int sweeps = coarsest ? kCoarsestSweeps : 2 * kSmoothingSweeps;
    double* current = sweeps % 2 == 1 ? x : level.swap.data();
    double* other = sweeps % 2 == 1 ? level.swap.data() : x;

    // The first sweep from zero: x = omega D^-1 b.
    for_rows(level, partition, [&](std::size_t row_begin, std::size_t row_end) {
        for (std::size_t i = row_begin * nx; i < row_end * nx; ++i)
            current[i] = relaxation[i] * b[i];
    });
    const auto sweep = [&] {
        for_rows(level, partition, [&](std::size_t row_begin, std::size_t row_end) {
            neighbour_terms(level, current, row_begin, row_end, [&](std::size_t i, double nb) {
                other[i] = current[i] + relaxation[i] * (b[i] - (diagonal[i] * current[i] + nb));
            });
        });
        std::swap(current, other);
    };
    if (coarsest) {
        for (int s = 1; s < sweeps; ++s) sweep();
        assert(current == x);
        return;
    }
    for (int s = 1; s < kSmoothingSweeps; ++s) sweep();

    // Coarse correction: restrict the residual (children summed), solve, add it back.
    double* residual = level.residual.data();
    for_rows(level, partition, [&](std::size_t row_begin, std::size_t row_end) {
        neighbour_terms(level, current, row_begin, row_end, [&](std::size_t i, double nb) {
            residual[i] = b[i] - (diagonal[i] * current[i] + nb);
        });
    });
    Level& coarse = levels_[index + 1];
    const auto child_range = [&](std::size_t a, std::int32_t c) {
        const std::int32_t n = level.extent[a];
        if (!level.halved[a]) return std::pair{c, c};
        return std::pair{2 * c, std::min(2 * c + 1, n - 1)};
    };
    const auto cnx = static_cast<std::size_t>(coarse.extent[0]);
    const auto cny = static_cast<std::size_t>(coarse.extent[1]);
    const auto fny = static_cast<std::size_t>(level.extent[1]);
    for_rows(coarse, partition, [&](std::size_t row_begin, std::size_t row_end) {
        for (std::size_t row = row_begin; row < row_end; ++row) {
            const auto [y0, y1] = child_range(1, static_cast<std::int32_t>(row % cny));
            const auto [z0, z1] = child_range(2, static_cast<std::int32_t>(row / cny));
            for (std::size_t cx = 0; cx < cnx; ++cx) {
                const auto [x0, x1] = child_range(0, static_cast<std::int32_t>(cx));
                double sum = 0.0;
                for (std::int32_t fz = z0; fz <= z1; ++fz) {
                    for (std::int32_t fy = y0; fy <= y1; ++fy) {
                        const double* fine_row =
                            residual + nx * (static_cast<std::size_t>(fy) +
                                             fny * static_cast<std::size_t>(fz));
                        for (std::int32_t fx = x0; fx <= x1; ++fx) sum += fine_row[fx];
                    }
                }
                coarse.rhs[row * cnx + cx] = sum;
            }
        }
    });
    v_cycle(index + 1, coarse.rhs.data(), coarse.solution.data(), partition);
    const double* correction = coarse.solution.data();
    const int shift_x = level.halved[0] ? 1 : 0;
    const int shift_y = level.halved[1] ? 1 : 0;
    const int shift_z = level.halved[2] ? 1 : 0;
    for_rows(level, partition, [&](std::size_t row_begin, std::size_t row_end) {
        for (std::size_t row = row_begin; row < row_end; ++row) {
            const std::size_t cy = (row % fny) >> shift_y;
            const std::size_t cz = (row / fny) >> shift_z;
            const double* coarse_row = correction + cnx * (cy + cny * cz);
            double* fine_row = current + row * nx;
            for (std::size_t fx = 0; fx < nx; ++fx) fine_row[fx] += coarse_row[fx >> shift_x];
        }
    });

    for (int s = 0; s < kSmoothingSweeps; ++s) sweep();
    assert(current == x);
}

}  // namespace cartsim::engine
