// agents::work_per_tile: what MPI ranks balance (tissue cells, CAR-T cells weighed by their cost),
// tile by tile, on the model's own tiling or another one.

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <vector>

#include "agents/marrow/work_per_tile.hpp"
#include "agents/marrow_model.hpp"
#include "engine/domain.hpp"
#include "engine/parallelism.hpp"
#include "model_fixtures.hpp"

namespace cartsim::agents {
namespace {

TEST(WorkPerTile, CarTCellsCountOnTheirTileWithTheirWeight) {
    Parameters p = testing::empty_marrow(32, 32, 1);
    p.space.tile_edge_sites = 8;  // 4 x 4 tiles
    engine::run_with_threads(1, [&] {
        MarrowModel model(p);
        CarTColumns::Row cell;
        for (const auto& [x, y] : {std::pair{1, 1}, {2, 3}, {7, 7}, {20, 9}}) {
            model.add_car_t_cell(model.lattice().site_of({x, y, 0}), cell);
        }
        const std::vector<std::uint64_t> work = work_per_tile(model);
        const engine::TileGrid& grid = model.domain().grid();
        ASSERT_EQ(work.size(), grid.tile_count());
        std::vector<std::uint64_t> expected(grid.tile_count(), 0);
        expected[grid.tile_of(model.lattice().site_of({1, 1, 0}))] = 3 * kCarTWorkPerTissueCell;
        expected[grid.tile_of(model.lattice().site_of({20, 9, 0}))] = kCarTWorkPerTissueCell;
        EXPECT_EQ(work, expected);
        // On 16-site tiles the same cells fall on two tiles of four.
        const engine::TileGrid coarse(model.lattice(), grid.reach(), 16);
        const std::vector<std::uint64_t> coarse_work = work_per_tile(model, coarse);
        ASSERT_EQ(coarse_work.size(), 4U);
        EXPECT_EQ(coarse_work[coarse.tile_of(model.lattice().site_of({1, 1, 0}))],
                  3 * kCarTWorkPerTissueCell);
        EXPECT_EQ(coarse_work[coarse.tile_of(model.lattice().site_of({20, 9, 0}))],
                  kCarTWorkPerTissueCell);
        // Work piled on one tile: the recut gives it a box of its own share.
        EXPECT_LT(
            engine::worst_color_work_over_mean(grid, engine::bisect_tile_grid(grid, 2, work), work),
            engine::worst_color_work_over_mean(grid, engine::bisect_tile_grid(grid, 2), work) +
                1e-12);
    });
}

TEST(WorkPerTile, AFullMarrowIsOneUnitPerTissueCellAtMostOnePerSite) {
    Parameters p = testing::empty_marrow(24, 24, 24);
    p.initial.cellularity = 1.0;
    p.space.vessel_fraction = 0.02;
    engine::run_with_threads(2, [&] {
        const MarrowModel model(p);
        const std::vector<std::uint64_t> work = work_per_tile(model);
        EXPECT_EQ(std::accumulate(work.begin(), work.end(), std::uint64_t{0}),
                  model.tissue().live_count());
        const auto edge = model.domain().grid().tile_edge();
        const auto sites_per_tile = static_cast<std::uint64_t>(edge[0] * edge[1] * edge[2]);
        for (const std::uint64_t w : work) EXPECT_LE(w, sites_per_tile);
        EXPECT_GT(model.tissue().live_count(), 24U * 24U * 24U * 9U / 10U);
    });
}

}  // namespace
}  // namespace cartsim::agents
