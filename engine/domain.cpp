#include "engine/domain.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engine/exact_sum.hpp"
#include "engine/load_balance.hpp"
#include "engine/rank_exchange.hpp"

namespace cartsim::engine {
namespace {

std::array<std::int32_t, 3> lattice_extent(const Lattice& lattice) {
    return {lattice.nx(), lattice.ny(), lattice.nz()};
}

// Work of each slab (tile layer) of `box` across `axis`; empty without weights.
std::vector<std::uint64_t> slab_work(const TileGrid& grid, const TileBox& box, int axis,
                                     std::span<const std::uint64_t> work_per_tile) {
    std::vector<std::uint64_t> slabs;
    if (work_per_tile.empty()) return slabs;
    slabs.assign(static_cast<std::size_t>(box.end[axis] - box.begin[axis]), 0);
    const auto n = grid.tiles_per_axis();
    std::array<std::int32_t, 3> c{};
    for (c[2] = box.begin[2]; c[2] < box.end[2]; ++c[2]) {
        for (c[1] = box.begin[1]; c[1] < box.end[1]; ++c[1]) {
            for (c[0] = box.begin[0]; c[0] < box.end[0]; ++c[0]) {
                slabs[static_cast<std::size_t>(c[axis] - box.begin[axis])] +=
                    work_per_tile[static_cast<std::size_t>(c[0] + n[0] * (c[1] + n[1] * c[2]))];
            }
        }
    }
    return slabs;
}

void bisect(const TileGrid& grid, int total_ranks, const TileBox& box, int ranks,
            std::span<const std::uint64_t> work_per_tile, std::vector<TileBox>& out) {
    if (ranks == 1) {
        out.push_back(box);
        return;
    }
    const int low_ranks = ranks / 2;
    // Longest axis first; on ties the later axis (z, then y), which keeps cut boxes
    // contiguous in site order.
    std::array<int, 3> axes{2, 1, 0};
    std::stable_sort(axes.begin(), axes.end(), [&](int a, int b) {
        return box.end[a] - box.begin[a] > box.end[b] - box.begin[b];
    });
    // Unweighted: the longest axis that can be cut. Weighted: of the axes that can be cut, the
    // one whose best even cut comes nearest the low part's share of the work (the longest on
    // ties), since work piled on one axis is only shared by cutting across it.
    int chosen_axis = -1;
    std::int32_t chosen_cut = 0;
    double chosen_miss = 0.0;
    for (const int axis : axes) {
        const std::int32_t extent = box.end[axis] - box.begin[axis];
        // position[k]: how much of the box lies below offset k, in tiles or, when weighted,
        // in work (integers summed in order: every rank finds the same cut).
        const std::vector<std::uint64_t> slabs = slab_work(grid, box, axis, work_per_tile);
        std::vector<double> position(static_cast<std::size_t>(extent) + 1);
        double total = 0.0;
        for (std::size_t k = 0; k < slabs.size(); ++k) {
            total += static_cast<double>(slabs[k]);
            position[k + 1] = total;
        }
        if (total == 0.0) {  // unweighted, or no work in this box: by tiles
            for (std::int32_t k = 0; k <= extent; ++k) position[static_cast<std::size_t>(k)] = k;
            total = extent;
        }
        const double target = total * low_ranks / ranks;
        std::int32_t best = 0;
        for (std::int32_t cut = 2; cut < extent; cut += 2) {
            const double miss = std::abs(position[static_cast<std::size_t>(cut)] - target);
            if (best == 0 || miss < std::abs(position[static_cast<std::size_t>(best)] - target)) {
                best = cut;
            }
        }
        if (best == 0) continue;  // fewer than 3 tiles: no even cut leaves both parts non-empty
        const double miss = std::abs(position[static_cast<std::size_t>(best)] - target) / total;
        if (chosen_axis < 0 || miss < chosen_miss) {
            chosen_axis = axis;
            chosen_cut = best;
            chosen_miss = miss;
        }
        if (work_per_tile.empty()) break;
    }
    if (chosen_axis >= 0) {
        TileBox low = box;
        TileBox high = box;
        low.end[chosen_axis] = box.begin[chosen_axis] + chosen_cut;
        high.begin[chosen_axis] = box.begin[chosen_axis] + chosen_cut;
        bisect(grid, total_ranks, low, low_ranks, work_per_tile, out);
        bisect(grid, total_ranks, high, ranks - low_ranks, work_per_tile, out);
        return;
    }
    throw std::invalid_argument(fmt::format(
        "cannot cut the tile grid ({}) into {} boxes of even extent: a box of {} x {} x {} tiles "
        "would have to hold {} ranks but has no axis of 3 or more tiles; use fewer virtual "
        "ranks or a larger lattice",
        grid.describe(), total_ranks, box.end[0] - box.begin[0], box.end[1] - box.begin[1],
        box.end[2] - box.begin[2], ranks));
}

// Per axis: the lattice coordinates within `reach` of [lo, hi), wrapped or clipped.
std::vector<std::uint8_t> grown_interval(std::int32_t lo, std::int32_t hi, int reach,
                                         std::int32_t n, bool periodic) {
    std::vector<std::uint8_t> covered(static_cast<std::size_t>(n), 0);
    for (std::int32_t c = lo - reach; c < hi + reach; ++c) {
        std::int32_t v = c;
        if (periodic) {
            v = ((c % n) + n) % n;
        } else if (c < 0 || c >= n) {
            continue;
        }
        covered[static_cast<std::size_t>(v)] = 1;
    }
    return covered;
}

}  // namespace

std::vector<TileBox> bisect_tile_grid(const TileGrid& grid, int rank_count) {
    return bisect_tile_grid(grid, rank_count, {});
}

std::vector<TileBox> bisect_tile_grid(const TileGrid& grid, int rank_count,
                                      std::span<const std::uint64_t> work_per_tile) {
    if (!work_per_tile.empty() && work_per_tile.size() != grid.tile_count()) {
        throw std::invalid_argument(fmt::format("work given for {} tiles of a grid of {} ({})",
                                                work_per_tile.size(), grid.tile_count(),
                                                grid.describe()));
    }
    if (rank_count < 1) {
        throw std::invalid_argument(fmt::format("rank count must be >= 1, got {} (tile grid: {})",
                                                rank_count, grid.describe()));
    }
    TileBox whole;
    whole.end = grid.tiles_per_axis();
    if (whole.tile_count() < rank_count) {
        throw std::invalid_argument(fmt::format(
            "cannot cut the tile grid ({}) into {} boxes: it has only {} tiles; use fewer "
            "virtual ranks or a larger lattice",
            grid.describe(), rank_count, whole.tile_count()));
    }
    std::vector<TileBox> boxes;
    boxes.reserve(static_cast<std::size_t>(rank_count));
    // No work at all: nothing to weigh by.
    if (std::all_of(work_per_tile.begin(), work_per_tile.end(),
                    [](std::uint64_t w) { return w == 0; })) {
        work_per_tile = {};
    }
    try {
        bisect(grid, rank_count, whole, rank_count, work_per_tile, boxes);
    } catch (const std::invalid_argument&) {
        if (work_per_tile.empty()) throw;
        // A weighted cut left some part too thin for its ranks: the even cuts always fit.
        boxes.clear();
        bisect(grid, rank_count, whole, rank_count, {}, boxes);
    }
    return boxes;
}

double worst_color_work_over_mean(const TileGrid& grid, std::span<const TileBox> boxes,
                                  std::span<const std::uint64_t> work_per_tile) {
    const auto colors = static_cast<std::size_t>(grid.color_count());
    std::vector<std::vector<std::uint64_t>> by_box(boxes.size(),
                                                   std::vector<std::uint64_t>(colors, 0));
    for (TileIndex t = 0; t < grid.tile_count() && t < work_per_tile.size(); ++t) {
        const auto c = grid.tile_coord(t);
        for (std::size_t b = 0; b < boxes.size(); ++b) {
            if (boxes[b].contains(c)) {
                by_box[b][static_cast<std::size_t>(grid.color_of(t))] += work_per_tile[t];
                break;
            }
        }
    }
    std::vector<std::uint64_t> sum(colors, 0);
    std::vector<std::uint64_t> max(colors, 0);
    for (const auto& box : by_box) {
        for (std::size_t c = 0; c < colors; ++c) {
            sum[c] += box[c];
            max[c] = std::max(max[c], box[c]);
        }
    }
    return worst_color_imbalance(sum, max, static_cast<int>(boxes.size())).max_over_mean;
}

Domain::Domain(const TileGrid& grid) : Domain(grid, 1, 0) {}

Domain::Domain(const TileGrid& grid, int rank_count, int rank)
    : grid_(&grid), rank_(rank), rank_count_(rank_count) {
    if (rank < 0 || rank >= rank_count) {
        throw std::invalid_argument(
            fmt::format("rank {} is not one of {} ranks", rank, rank_count));
    }
    boxes_ = bisect_tile_grid(grid, rank_count);
    index_tiles();
}

Domain::Domain(const TileGrid& grid, std::vector<TileBox> boxes, int rank)
    : grid_(&grid),
      rank_(rank),
      rank_count_(static_cast<int>(boxes.size())),
      boxes_(std::move(boxes)) {
    if (rank < 0 || rank >= rank_count_) {
        throw std::invalid_argument(
            fmt::format("rank {} is not one of {} ranks", rank, rank_count_));
    }
    std::vector<int> covering(grid.tile_count(), 0);
    for (TileIndex t = 0; t < grid.tile_count(); ++t) {
        const auto c = grid.tile_coord(t);
        for (const TileBox& box : boxes_) covering[t] += box.contains(c) ? 1 : 0;
        if (covering[t] != 1) {
            throw std::invalid_argument(fmt::format(
                "{} boxes do not cover the tile grid ({}) once: tile ({}, {}, {}) lies in {} of "
                "them",
                rank_count_, grid.describe(), c[0], c[1], c[2], covering[t]));
        }
    }
    index_tiles();
}

void Domain::index_tiles() {
    const TileGrid& grid = *grid_;
    owner_.assign(grid.tile_count(), -1);
    for (TileIndex t = 0; t < grid.tile_count(); ++t) {
        const auto c = grid.tile_coord(t);
        for (std::size_t r = 0; r < boxes_.size(); ++r) {
            if (boxes_[r].contains(c)) owner_[t] = static_cast<int>(r);
        }
    }
    // Ghosts: tiles that meet the owned box grown by reach sites, axis by axis.
    const auto n = lattice_extent(grid.lattice());
    const auto edge = grid.tile_edge();
    const bool periodic = grid.lattice().boundary() == Boundary::periodic;
    std::array<std::vector<std::uint8_t>, 3>& near = near_box_;
    for (int a = 0; a < 3; ++a) {
        const std::int32_t lo = box().begin[a] * edge[a];
        const std::int32_t hi = std::min(box().end[a] * edge[a], n[a]);
        near[a] = grown_interval(lo, hi, grid.reach(), n[a], periodic);
    }
    auto tile_meets = [&](const std::array<std::int32_t, 3>& c) {
        for (int a = 0; a < 3; ++a) {
            const std::int32_t lo = c[a] * edge[a];
            const std::int32_t hi = std::min(lo + edge[a], n[a]);
            bool any = false;
            for (std::int32_t v = lo; v < hi && !any; ++v) {
                any = near[a][static_cast<std::size_t>(v)] != 0;
            }
            if (!any) return false;
        }
        return true;
    };
    held_.assign(grid.tile_count(), 0);
    owned_by_color_.assign(static_cast<std::size_t>(grid.color_count()), {});
    for (TileIndex t = 0; t < grid.tile_count(); ++t) {
        if (owner_[t] == rank_) {
            held_[t] = 1;
            owned_.push_back(t);
            owned_by_color_[static_cast<std::size_t>(grid.color_of(t))].push_back(t);
        } else if (tile_meets(grid.tile_coord(t))) {
            held_[t] = 1;
            ghosts_.push_back(t);
        }
    }
}

bool Domain::holds_site(SiteIndex site) const {
    const SiteCoord c = grid_->lattice().coord_of(site);
    return near_box_[0][static_cast<std::size_t>(c.x)] != 0 &&
           near_box_[1][static_cast<std::size_t>(c.y)] != 0 &&
           near_box_[2][static_cast<std::size_t>(c.z)] != 0;
}

void Domain::after_color(int color, std::span<const TileIndex> tiles_run) const {
    if (exchange_ != nullptr) exchange_->after_color(rank_, color, tiles_run);
}

void Domain::after_phase() const {
    if (exchange_ != nullptr) exchange_->after_phase(rank_);
}

void Domain::sum_across_ranks(std::span<std::int64_t> values) const {
    if (exchange_ != nullptr) exchange_->sum_across_ranks(rank_, values);
}

void Domain::sum_across_ranks(std::span<ExactSum> values) const {
    if (exchange_ != nullptr) exchange_->sum_across_ranks(rank_, values);
}

void Domain::sum_across_ranks(IndexedExactSums& sums) const {
    if (exchange_ != nullptr) exchange_->sum_across_ranks(rank_, sums);
}

void Domain::sum_across_ranks(ExactSum& value) const {
    sum_across_ranks(std::span<ExactSum>(&value, 1));
}

std::vector<SiteIndex> tile_footprint(const TileGrid& grid, TileIndex tile) {
    const Lattice& lattice = grid.lattice();
    const auto n = lattice_extent(lattice);
    const auto edge = grid.tile_edge();
    const auto c = grid.tile_coord(tile);
    const bool periodic = lattice.boundary() == Boundary::periodic;
    std::array<std::vector<std::int32_t>, 3> coords;
    for (int a = 0; a < 3; ++a) {
        const std::int32_t lo = c[a] * edge[a];
        const auto covered =
            grown_interval(lo, std::min(lo + edge[a], n[a]), grid.reach(), n[a], periodic);
        for (std::int32_t v = 0; v < n[a]; ++v) {
            if (covered[static_cast<std::size_t>(v)] != 0) coords[a].push_back(v);
        }
    }
    std::vector<SiteIndex> sites;
    sites.reserve(coords[0].size() * coords[1].size() * coords[2].size());
    for (const std::int32_t z : coords[2]) {
        for (const std::int32_t y : coords[1]) {
            for (const std::int32_t x : coords[0]) sites.push_back(lattice.site_of({x, y, z}));
        }
    }
    return sites;
}

}  // namespace cartsim::engine
