#include <gtest/gtest.h>

#include <vector>

#include "engine/domain.hpp"
#include "engine/tile_grid.hpp"

namespace cartsim::engine {
namespace {

/// For every color, marks the footprint (tile grown by reach, with the lattice's boundary) of
/// each tile and fails if two tiles of the color share a site.
void expect_same_color_footprints_disjoint(const Lattice& lattice, const TileGrid& grid) {
    const int r = grid.reach();
    for (int color = 0; color < grid.color_count(); ++color) {
        std::vector<int> owner(lattice.site_count(), -1);
        for (const TileIndex tile : grid.tiles_of_color(color)) {
            for (SiteIndex s = 0; s < lattice.site_count(); ++s) {
                if (grid.tile_of(s) != tile) continue;
                const SiteCoord c = lattice.coord_of(s);
                const int rz = lattice.dimension() == 2 ? 0 : r;
                for (int dz = -rz; dz <= rz; ++dz) {
                    for (int dy = -r; dy <= r; ++dy) {
                        for (int dx = -r; dx <= r; ++dx) {
                            const SiteIndex t = lattice.site_at({c.x + dx, c.y + dy, c.z + dz});
                            if (t == kNoSite) continue;
                            const int previous = owner[t];
                            ASSERT_TRUE(previous == -1 || previous == static_cast<int>(tile))
                                << "tiles " << previous << " and " << tile << " of color " << color
                                << " both reach site " << t << " (" << lattice.describe() << ", "
                                << grid.describe() << ")";
                            owner[t] = static_cast<int>(tile);
                        }
                    }
                }
            }
        }
    }
}

TEST(TileGrid, SameColorTilesNeverShareFootprintReflective3D) {
    const Lattice lattice(21, 18, 13, Boundary::reflective);
    const TileGrid grid(lattice, 2, 4);
    EXPECT_GT(grid.tile_count(), 8u);
    expect_same_color_footprints_disjoint(lattice, grid);
}

TEST(TileGrid, SameColorTilesNeverShareFootprintPeriodic3D) {
    const Lattice lattice(24, 16, 12, Boundary::periodic);
    const TileGrid grid(lattice, 2, 4);
    EXPECT_GT(grid.tile_count(), 8u);
    for (const int count : grid.tiles_per_axis()) EXPECT_TRUE(count == 1 || count % 2 == 0);
    expect_same_color_footprints_disjoint(lattice, grid);
}

TEST(TileGrid, PeriodicAxisWithoutEvenSplitFallsBackToOneTile) {
    const Lattice lattice(15, 16, 1, Boundary::periodic);  // 15 = 3 x 5: no even tile count
    const TileGrid grid(lattice, 1, 4);
    EXPECT_EQ(grid.tiles_per_axis()[0], 1);
    EXPECT_EQ(grid.tiles_per_axis()[1] % 2, 0);
    expect_same_color_footprints_disjoint(lattice, grid);
}

TEST(TileGrid, TwoDimensionalGridUsesFourColors) {
    const Lattice lattice(40, 30, 1, Boundary::reflective);
    const TileGrid grid(lattice, 1, 8);
    EXPECT_EQ(grid.color_count(), 4);
    EXPECT_EQ(grid.tiles_per_axis()[2], 1);
    expect_same_color_footprints_disjoint(lattice, grid);
    std::size_t total = 0;
    for (int c = 0; c < 4; ++c) total += grid.tiles_of_color(c).size();
    EXPECT_EQ(total, grid.tile_count());
}

TEST(TileGrid, TilesAreAtLeastTwiceTheReach) {
    const Lattice lattice(64, 64, 64, Boundary::reflective);
    const TileGrid grid(lattice, 3, 2);
    for (const int edge : grid.tile_edge()) EXPECT_GE(edge, 6);
}

TEST(Domain, SingleRankOwnsEveryTileAndHasNoGhosts) {
    const Lattice lattice(32, 32, 32, Boundary::reflective);
    const TileGrid grid(lattice, 2, 8);
    const Domain domain(grid);
    EXPECT_EQ(domain.owned_tiles().size(), grid.tile_count());
    EXPECT_TRUE(domain.ghost_tiles().empty());
    for (int c = 0; c < grid.color_count(); ++c) {
        const auto owned = domain.owned_tiles_of_color(c);
        const auto all = grid.tiles_of_color(c);
        EXPECT_TRUE(std::equal(owned.begin(), owned.end(), all.begin(), all.end()));
    }
}

}  // namespace
}  // namespace cartsim::engine
