// engine::Domain: boxes of whole tiles by recursive bisection, owners, colors, ghosts.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/domain.hpp"
#include "engine/load_balance.hpp"
#include "engine/tile_grid.hpp"

namespace cartsim::engine {
namespace {

struct GridCase {
    std::int32_t nx, ny, nz;
    Boundary boundary;
    int edge;
};

std::string name_of(const GridCase& g) {
    return fmt::format("{}x{}x{} {}", g.nx, g.ny, g.nz,
                       g.boundary == Boundary::periodic ? "periodic" : "reflective");
}

// The tiles holding any site within reach of a site of `tiles`, by brute force over sites.
std::set<TileIndex> tiles_within_reach(const TileGrid& grid, std::span<const TileIndex> tiles) {
    const Lattice& lattice = grid.lattice();
    const int r = grid.reach();
    const int rz = lattice.dimension() == 2 ? 0 : r;
    const std::set<TileIndex> source(tiles.begin(), tiles.end());
    std::set<TileIndex> reached;
    for (SiteIndex s = 0; s < lattice.site_count(); ++s) {
        if (source.count(grid.tile_of(s)) == 0) continue;
        const SiteCoord c = lattice.coord_of(s);
        for (int dz = -rz; dz <= rz; ++dz) {
            for (int dy = -r; dy <= r; ++dy) {
                for (int dx = -r; dx <= r; ++dx) {
                    const SiteIndex t = lattice.site_at({c.x + dx, c.y + dy, c.z + dz});
                    if (t != kNoSite) reached.insert(grid.tile_of(t));
                }
            }
        }
    }
    return reached;
}

TEST(Domain, BoxesCoverEveryTileExactlyOnce) {
    for (const GridCase& g :
         {GridCase{64, 64, 64, Boundary::reflective, 8},
          GridCase{40, 24, 1, Boundary::reflective, 8}, GridCase{48, 32, 16, Boundary::periodic, 4},
          GridCase{21, 18, 13, Boundary::reflective, 4}}) {
        const Lattice lattice(g.nx, g.ny, g.nz, g.boundary);
        const TileGrid grid(lattice, 2, g.edge);
        for (const int ranks : {1, 2, 3, 4, 5, 8}) {
            if (g.nx == 40 && ranks == 8) {
                // 5 x 3 tiles: a 2 x 1 box would have to hold 2 ranks.
                EXPECT_THROW(bisect_tile_grid(grid, ranks), std::invalid_argument);
                continue;
            }
            const auto boxes = bisect_tile_grid(grid, ranks);
            ASSERT_EQ(boxes.size(), static_cast<std::size_t>(ranks));
            std::vector<int> cover(grid.tile_count(), 0);
            for (TileIndex t = 0; t < grid.tile_count(); ++t) {
                for (const TileBox& box : boxes) cover[t] += box.contains(grid.tile_coord(t));
            }
            EXPECT_TRUE(std::all_of(cover.begin(), cover.end(), [](int n) { return n == 1; }))
                << name_of(g) << ", " << ranks << " ranks";
            for (const TileBox& box : boxes) EXPECT_GT(box.tile_count(), 0);
            // Every rank's domain agrees on the owner of every tile.
            std::size_t owned = 0;
            for (int rank = 0; rank < ranks; ++rank) {
                const Domain domain(grid, ranks, rank);
                owned += domain.owned_tiles().size();
                for (const TileIndex t : domain.owned_tiles()) EXPECT_EQ(domain.owner_of(t), rank);
            }
            EXPECT_EQ(owned, grid.tile_count());
        }
    }
}

TEST(Domain, EveryBoxHoldsEqualSharesOfEachColorWhenTheGridHasEvenTileCounts) {
    for (const GridCase& g :
         {GridCase{64, 64, 64, Boundary::reflective, 8}, GridCase{64, 64, 1, Boundary::periodic, 8},
          GridCase{48, 32, 16, Boundary::periodic, 4},
          GridCase{32, 32, 32, Boundary::periodic, 8}}) {
        const Lattice lattice(g.nx, g.ny, g.nz, g.boundary);
        const TileGrid grid(lattice, 2, g.edge);
        for (const int ranks : {1, 2, 4, 8}) {
            for (int rank = 0; rank < ranks; ++rank) {
                const Domain domain(grid, ranks, rank);
                const std::size_t share = domain.owned_tiles().size() / grid.color_count();
                EXPECT_GT(share, 0u);
                for (int c = 0; c < grid.color_count(); ++c) {
                    EXPECT_EQ(domain.owned_tiles_of_color(c).size(), share)
                        << name_of(g) << ", rank " << rank << " of " << ranks << ", color " << c;
                }
                for (int a = 0; a < 3; ++a) {
                    const int extent = domain.box().end[a] - domain.box().begin[a];
                    EXPECT_TRUE(extent % 2 == 0 || grid.tiles_per_axis()[a] == 1);
                }
            }
        }
    }
}

TEST(Domain, BisectionCutsTheLongestAxisFirst) {
    const Lattice lattice(64, 32, 16, Boundary::reflective);
    const TileGrid grid(lattice, 2, 8);  // 8 x 4 x 2 tiles
    const auto boxes = bisect_tile_grid(grid, 2);
    EXPECT_EQ(boxes[0].end, (std::array<std::int32_t, 3>{4, 4, 2}));
    EXPECT_EQ(boxes[1].begin, (std::array<std::int32_t, 3>{4, 0, 0}));
}

TEST(Domain, RefusesRankCountsTheGridCannotHoldInEvenBoxes) {
    const Lattice lattice(16, 16, 16, Boundary::periodic);
    const TileGrid grid(lattice, 2, 8);  // 2 x 2 x 2 tiles: no even cut leaves two parts
    EXPECT_EQ(bisect_tile_grid(grid, 1).size(), 1u);
    try {
        bisect_tile_grid(grid, 2);
        FAIL() << "2 ranks on 2 x 2 x 2 tiles accepted";
    } catch (const std::invalid_argument& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("into 2 boxes"), std::string::npos) << message;
        EXPECT_NE(message.find(grid.describe()), std::string::npos) << message;
    }
    EXPECT_THROW(bisect_tile_grid(grid, 9), std::invalid_argument);
    // 6 x 4 x 2 tiles: 8 boxes of at least 2 x 2 x 2 tiles would need 64.
    const Lattice small(24, 16, 8, Boundary::periodic);
    EXPECT_THROW(bisect_tile_grid(TileGrid(small, 2, 4), 8), std::invalid_argument);
    EXPECT_EQ(bisect_tile_grid(TileGrid(small, 2, 4), 4).size(), 4u);
    EXPECT_THROW(bisect_tile_grid(grid, 0), std::invalid_argument);
    EXPECT_THROW(Domain(grid, 2, 2), std::invalid_argument);
}

TEST(Domain, OddTileCountsStillTileTheGridAndOnlyTheHighEndBoxIsOdd) {
    const Lattice lattice(40, 24, 1, Boundary::reflective);
    const TileGrid grid(lattice, 2, 8);  // 5 x 3 tiles
    const auto boxes = bisect_tile_grid(grid, 2);
    EXPECT_EQ(boxes[0].end[0] - boxes[0].begin[0], 2);
    EXPECT_EQ(boxes[1].end[0] - boxes[1].begin[0], 3);
}

TEST(Domain, GhostsAreTheTilesWithinReachOfTheBoxReflectiveAndPeriodic) {
    for (const GridCase& g :
         {GridCase{32, 16, 8, Boundary::periodic, 4}, GridCase{32, 16, 8, Boundary::reflective, 4},
          GridCase{32, 32, 1, Boundary::periodic, 4},
          GridCase{30, 20, 1, Boundary::reflective, 4}}) {
        const Lattice lattice(g.nx, g.ny, g.nz, g.boundary);
        const TileGrid grid(lattice, 2, g.edge);
        for (const int ranks : {2, 4, 8}) {
            for (int rank = 0; rank < ranks; ++rank) {
                const Domain domain(grid, ranks, rank);
                std::set<TileIndex> expected = tiles_within_reach(grid, domain.owned_tiles());
                for (const TileIndex t : domain.owned_tiles()) expected.erase(t);
                const std::set<TileIndex> ghosts(domain.ghost_tiles().begin(),
                                                 domain.ghost_tiles().end());
                EXPECT_EQ(ghosts, expected) << name_of(g) << ", rank " << rank << " of " << ranks;
                EXPECT_FALSE(ghosts.empty());
                for (TileIndex t = 0; t < grid.tile_count(); ++t) {
                    EXPECT_EQ(domain.holds(t), domain.owns(t) || ghosts.count(t) == 1);
                }
            }
        }
    }
    // Periodic wrap: on a 4-tile periodic axis cut in two, each box's ghosts include the far
    // end of the other box.
    const Lattice lattice(32, 4, 1, Boundary::periodic);
    const TileGrid grid(lattice, 2, 8);  // 4 x 1 tiles
    const Domain first(grid, 2, 0);      // tiles 0, 1
    EXPECT_EQ(std::vector<TileIndex>(first.ghost_tiles().begin(), first.ghost_tiles().end()),
              (std::vector<TileIndex>{2, 3}));
    const Lattice walls(32, 4, 1, Boundary::reflective);
    const TileGrid walled(walls, 2, 8);
    const Domain left(walled, 2, 0);
    EXPECT_EQ(std::vector<TileIndex>(left.ghost_tiles().begin(), left.ghost_tiles().end()),
              (std::vector<TileIndex>{2}));
}

// A rank keeps exactly the sites its owned tiles' rules may touch (the union of their
// footprints), not its ghost tiles' far sides: the exchange sends it no more than that.
TEST(Domain, HeldSitesAreTheUnionOfTheOwnedTilesFootprints) {
    for (const GridCase& g :
         {GridCase{32, 16, 8, Boundary::periodic, 4}, GridCase{32, 16, 8, Boundary::reflective, 4},
          GridCase{30, 20, 1, Boundary::reflective, 4}}) {
        const Lattice lattice(g.nx, g.ny, g.nz, g.boundary);
        const TileGrid grid(lattice, 2, g.edge);
        for (const int ranks : {1, 2, 4}) {
            for (int rank = 0; rank < ranks; ++rank) {
                const Domain domain(grid, ranks, rank);
                std::set<SiteIndex> reachable;
                for (const TileIndex t : domain.owned_tiles()) {
                    const std::vector<SiteIndex> footprint = tile_footprint(grid, t);
                    reachable.insert(footprint.begin(), footprint.end());
                }
                std::size_t held = 0;
                std::size_t in_held_tiles = 0;
                for (SiteIndex site = 0; site < lattice.site_count(); ++site) {
                    if (domain.holds(grid.tile_of(site))) ++in_held_tiles;
                    ASSERT_EQ(domain.holds_site(site), reachable.count(site) == 1)
                        << name_of(g) << ", rank " << rank << " of " << ranks << ", site " << site;
                    if (!domain.holds_site(site)) continue;
                    ++held;
                    EXPECT_TRUE(domain.holds(grid.tile_of(site)));
                }
                // On several ranks the ghost tiles' far sites are beyond reach and not kept.
                if (ranks > 1) {
                    EXPECT_LT(held, in_held_tiles) << name_of(g);
                }
            }
        }
    }
}

TEST(Domain, FootprintIsEverySiteWithinReachOfTheTile) {
    for (const GridCase& g :
         {GridCase{24, 16, 8, Boundary::periodic, 4}, GridCase{21, 18, 13, Boundary::reflective, 4},
          GridCase{12, 8, 1, Boundary::periodic, 4}}) {
        const Lattice lattice(g.nx, g.ny, g.nz, g.boundary);
        const TileGrid grid(lattice, 2, g.edge);
        for (TileIndex t = 0; t < grid.tile_count(); ++t) {
            const std::vector<SiteIndex> footprint = tile_footprint(grid, t);
            EXPECT_TRUE(std::is_sorted(footprint.begin(), footprint.end()));
            EXPECT_EQ(std::adjacent_find(footprint.begin(), footprint.end()), footprint.end());
            // Brute force: sites within Chebyshev reach of a site of the tile.
            std::set<SiteIndex> expected;
            const int r = grid.reach();
            const int rz = lattice.dimension() == 2 ? 0 : r;
            for (SiteIndex s = 0; s < lattice.site_count(); ++s) {
                if (grid.tile_of(s) != t) continue;
                const SiteCoord c = lattice.coord_of(s);
                for (int dz = -rz; dz <= rz; ++dz)
                    for (int dy = -r; dy <= r; ++dy)
                        for (int dx = -r; dx <= r; ++dx) {
                            const SiteIndex u = lattice.site_at({c.x + dx, c.y + dy, c.z + dz});
                            if (u != kNoSite) expected.insert(u);
                        }
            }
            EXPECT_EQ(std::set<SiteIndex>(footprint.begin(), footprint.end()), expected)
                << name_of(g) << ", tile " << t;
        }
    }
}

TEST(Domain, OneRankIsTheWholeLatticeWithoutGhosts) {
    const Lattice lattice(48, 32, 16, Boundary::periodic);
    const TileGrid grid(lattice, 2, 8);
    const Domain whole(grid);
    const Domain one(grid, 1, 0);
    EXPECT_EQ(whole.rank_count(), 1);
    EXPECT_TRUE(one.ghost_tiles().empty());
    EXPECT_EQ(one.owned_tiles().size(), grid.tile_count());
    for (int c = 0; c < grid.color_count(); ++c) {
        const auto a = one.owned_tiles_of_color(c);
        const auto b = grid.tiles_of_color(c);
        EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()));
    }
    EXPECT_EQ(whole.box(), one.box());
}

}  // namespace
// The progress line's load balance: a colour takes as long as its busiest rank.
TEST(LoadBalance, TheWorstColourIsTheBusiestRankOverTheMean) {
    // 4 ranks, 4 colours: colour 0 even (10 each), colour 1 idle, colour 2 all on one rank (40),
    // colour 3 uneven (10, 10, 10, 30).
    const std::vector<std::uint64_t> sum = {40, 0, 40, 60};
    const std::vector<std::uint64_t> max = {10, 0, 40, 30};
    const ColorImbalance worst = worst_color_imbalance(sum, max, 4);
    EXPECT_EQ(worst.color, 2);
    EXPECT_DOUBLE_EQ(worst.max_over_mean, 4.0);
    const std::vector<std::uint64_t> even_sum = {40, 0, 40, 60};
    const std::vector<std::uint64_t> even_max = {10, 0, 10, 15};
    EXPECT_DOUBLE_EQ(worst_color_imbalance(even_sum, even_max, 4).max_over_mean, 1.0);
    const std::vector<std::uint64_t> none = {0, 0, 0, 0};
    EXPECT_EQ(worst_color_imbalance(none, none, 4).color, -1);
}

// Rebalancing: work piled into one corner of the lattice, as CAR-T cells pile up around the
// vessels they enter by. Even cuts give one rank most of the work; cuts placed by work share
// it, still as boxes of even extent that hold every colour equally.
TEST(Domain, CutsPlacedByWorkShareWorkPiledInOneCorner) {
    const Lattice lattice(128, 64, 64, Boundary::reflective);
    const TileGrid grid(lattice, 2, 8);  // 16 x 8 x 8 tiles
    std::vector<std::uint64_t> work(grid.tile_count(), 1);
    for (TileIndex t = 0; t < grid.tile_count(); ++t) {
        const auto c = grid.tile_coord(t);
        if (c[0] < 4 && c[1] < 4) work[t] = 200;
    }
    for (const int ranks : {2, 3, 4, 8}) {
        SCOPED_TRACE(fmt::format("{} ranks", ranks));
        const auto even = bisect_tile_grid(grid, ranks);
        const auto weighted = bisect_tile_grid(grid, ranks, work);
        ASSERT_EQ(weighted.size(), static_cast<std::size_t>(ranks));
        const double before = worst_color_work_over_mean(grid, even, work);
        const double after = worst_color_work_over_mean(grid, weighted, work);
        EXPECT_GT(before, 1.5);
        EXPECT_LT(after, before * 0.75) << before << " -> " << after;
        for (int r = 0; r < ranks; ++r) {
            const Domain domain(grid, weighted, r);  // covers the grid once, or throws
            const TileBox& box = weighted[static_cast<std::size_t>(r)];
            for (int a = 0; a < 3; ++a) EXPECT_EQ((box.end[a] - box.begin[a]) % 2, 0);
            std::vector<int> by_color(static_cast<std::size_t>(grid.color_count()), 0);
            for (const TileIndex t : domain.owned_tiles()) ++by_color[grid.color_of(t)];
            EXPECT_EQ(*std::min_element(by_color.begin(), by_color.end()),
                      *std::max_element(by_color.begin(), by_color.end()));
        }
    }
}

TEST(Domain, EvenWorkIsSharedAtLeastAsEvenlyAsByTheEvenCuts) {
    const Lattice lattice(64, 48, 32, Boundary::periodic);
    const TileGrid grid(lattice, 2, 8);  // 8 x 6 x 4 tiles
    const std::vector<std::uint64_t> even_work(grid.tile_count(), 7);
    const std::vector<std::uint64_t> no_work(grid.tile_count(), 0);
    for (const int ranks : {1, 2, 3, 4, 6}) {
        SCOPED_TRACE(fmt::format("{} ranks", ranks));
        const auto even = bisect_tile_grid(grid, ranks);
        EXPECT_LE(
            worst_color_work_over_mean(grid, bisect_tile_grid(grid, ranks, even_work), even_work),
            worst_color_work_over_mean(grid, even, even_work) + 1e-12);
        EXPECT_EQ(bisect_tile_grid(grid, 2, even_work), bisect_tile_grid(grid, 2));
        EXPECT_DOUBLE_EQ(worst_color_work_over_mean(grid, bisect_tile_grid(grid, ranks), no_work),
                         1.0);
    }
    const std::vector<std::uint64_t> short_work(grid.tile_count() - 1, 1);
    EXPECT_THROW(bisect_tile_grid(grid, 2, short_work), std::invalid_argument);
}

TEST(Domain, GivenBoxesMustCoverTheGridOnce) {
    const Lattice lattice(64, 32, 16, Boundary::reflective);
    const TileGrid grid(lattice, 2, 8);  // 8 x 4 x 2 tiles
    auto boxes = bisect_tile_grid(grid, 2);
    const Domain cut(grid, 2, 1);
    const Domain given(grid, boxes, 1);
    EXPECT_TRUE(std::equal(cut.owned_tiles().begin(), cut.owned_tiles().end(),
                           given.owned_tiles().begin(), given.owned_tiles().end()));
    EXPECT_TRUE(std::equal(cut.ghost_tiles().begin(), cut.ghost_tiles().end(),
                           given.ghost_tiles().begin(), given.ghost_tiles().end()));
    boxes[1].begin[0] += 2;  // a gap
    try {
        const Domain gap(grid, boxes, 0);
        FAIL() << "boxes with a gap accepted";
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("lies in 0 of them"), std::string::npos)
            << error.what();
    }
    boxes[1].begin[0] -= 4;  // an overlap
    EXPECT_THROW(Domain(grid, boxes, 0), std::invalid_argument);
    EXPECT_THROW(Domain(grid, bisect_tile_grid(grid, 2), 2), std::invalid_argument);
}

}  // namespace cartsim::engine
