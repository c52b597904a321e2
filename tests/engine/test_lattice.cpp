#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <set>
#include <stdexcept>
#include <vector>

#include "engine/lattice.hpp"
#include "engine/prefetch.hpp"

namespace cartsim::engine {
namespace {

TEST(Lattice, SiteAndCoordinateRoundTrip) {
    const Lattice lattice(7, 5, 3, Boundary::reflective);
    EXPECT_EQ(lattice.site_count(), 105u);
    EXPECT_EQ(lattice.dimension(), 3);
    std::set<SiteIndex> seen;
    for (int z = 0; z < 3; ++z) {
        for (int y = 0; y < 5; ++y) {
            for (int x = 0; x < 7; ++x) {
                const SiteIndex s = lattice.site_of({x, y, z});
                EXPECT_LT(s, lattice.site_count());
                EXPECT_EQ(lattice.coord_of(s), (SiteCoord{x, y, z}));
                seen.insert(s);
            }
        }
    }
    EXPECT_EQ(seen.size(), 105u);
}

TEST(Lattice, NeighborhoodSizesInTwoAndThreeDimensions) {
    const Lattice flat(10, 10, 1, Boundary::reflective);
    const Lattice cube(10, 10, 10, Boundary::reflective);
    EXPECT_EQ(flat.dimension(), 2);
    EXPECT_EQ(flat.offsets(Neighborhood::moore).size(), 8u);
    EXPECT_EQ(flat.offsets(Neighborhood::von_neumann).size(), 4u);
    EXPECT_EQ(cube.offsets(Neighborhood::moore).size(), 26u);
    EXPECT_EQ(cube.offsets(Neighborhood::von_neumann).size(), 6u);
    for (const Offset& o : cube.offsets(Neighborhood::von_neumann)) {
        EXPECT_EQ(std::abs(o.dx) + std::abs(o.dy) + std::abs(o.dz), 1);
    }
}

TEST(Lattice, ReflectiveBoundaryDropsOffLatticeNeighbors) {
    const Lattice cube(10, 10, 10, Boundary::reflective);
    std::array<SiteIndex, 26> out{};
    EXPECT_EQ(cube.neighbors(cube.site_of({5, 5, 5}), Neighborhood::moore, out), 26);
    EXPECT_EQ(cube.neighbors(cube.site_of({0, 0, 0}), Neighborhood::moore, out), 7);
    EXPECT_EQ(cube.neighbors(cube.site_of({0, 5, 5}), Neighborhood::moore, out), 17);
    EXPECT_EQ(cube.neighbors(cube.site_of({0, 0, 0}), Neighborhood::von_neumann, out), 3);
    EXPECT_EQ(cube.neighbor(cube.site_of({0, 3, 3}), {-1, 0, 0}), kNoSite);
    const Lattice flat(10, 10, 1, Boundary::reflective);
    EXPECT_EQ(flat.neighbors(flat.site_of({9, 9, 0}), Neighborhood::moore, out), 3);
}

TEST(Lattice, PeriodicBoundaryWraps) {
    const Lattice cube(10, 8, 6, Boundary::periodic);
    std::array<SiteIndex, 26> out{};
    EXPECT_EQ(cube.neighbors(cube.site_of({0, 0, 0}), Neighborhood::moore, out), 26);
    EXPECT_EQ(cube.neighbor(cube.site_of({0, 0, 0}), {-1, -1, -1}), cube.site_of({9, 7, 5}));
    EXPECT_EQ(cube.neighbor(cube.site_of({9, 7, 5}), {1, 1, 1}), cube.site_of({0, 0, 0}));
    // Neighbourhood is symmetric: b is a neighbour of a iff a is a neighbour of b.
    const SiteIndex a = cube.site_of({0, 7, 3});
    const int n = cube.neighbors(a, Neighborhood::moore, out);
    for (int i = 0; i < n; ++i) {
        std::array<SiteIndex, 26> back{};
        const int m = cube.neighbors(out[static_cast<std::size_t>(i)], Neighborhood::moore, back);
        EXPECT_NE(std::find(back.begin(), back.begin() + m, a), back.begin() + m);
    }
}

// neighbors() takes a shortcut away from the faces (index steps instead of per-offset boundary
// tests): every site of every shape, interior or not, gives the neighbours the offsets and the
// boundary rule define, in offsets() order.
TEST(Lattice, NeighborsAreTheOffsetsUnderTheBoundaryRuleAtEverySite) {
    for (const Boundary boundary : {Boundary::reflective, Boundary::periodic}) {
        for (const auto& [nx, ny, nz] :
             {std::array{7, 5, 4}, std::array{3, 3, 3}, std::array{9, 6, 1}, std::array{2, 5, 3},
              std::array{4, 4, 2}}) {
            const Lattice lattice(nx, ny, nz, boundary);
            for (const Neighborhood kind : {Neighborhood::moore, Neighborhood::von_neumann}) {
                for (SiteIndex s = 0; s < lattice.site_count(); ++s) {
                    std::vector<SiteIndex> expected;
                    for (const Offset& o : lattice.offsets(kind)) {
                        const SiteIndex t = lattice.neighbor(s, o);
                        if (t != kNoSite) expected.push_back(t);
                    }
                    std::array<SiteIndex, 26> out{};
                    const int n = lattice.neighbors(s, kind, out);
                    ASSERT_EQ(std::vector<SiteIndex>(out.begin(), out.begin() + n), expected)
                        << lattice.describe() << ", site " << s;
                }
            }
        }
    }
}

TEST(Lattice, ShiftAgreesWithNeighborOnBothBoundaries) {
    for (const Boundary boundary : {Boundary::reflective, Boundary::periodic}) {
        const Lattice cube(6, 5, 4, boundary);
        for (SiteIndex s = 0; s < cube.site_count(); ++s) {
            for (const Offset& o : cube.offsets(Neighborhood::moore)) {
                SiteCoord c = cube.coord_of(s);
                const bool inside = cube.shift(c, o);
                const SiteIndex expected = cube.neighbor(s, o);
                ASSERT_EQ(inside, expected != kNoSite);
                if (inside) {
                    ASSERT_EQ(cube.site_of(c), expected);
                } else {
                    ASSERT_EQ(c, cube.coord_of(s));  // unchanged
                }
                ASSERT_EQ(cube.neighbor_of(cube.coord_of(s), o), expected);
            }
        }
    }
}

TEST(Lattice, RejectsBadExtents) {
    EXPECT_THROW(Lattice(0, 5, 5, Boundary::reflective), std::invalid_argument);
    EXPECT_THROW(Lattice(5, -1, 5, Boundary::reflective), std::invalid_argument);
    EXPECT_THROW(Lattice(70000, 70000, 1, Boundary::reflective), std::invalid_argument);
}

// The sweep's memory hint for a lone agent: the sites x-1..x+1 of its own row, never another
// row's (a hint past the row's end would load the wrong lines).
TEST(Lattice, RowThroughASiteIsItsXNeighboursOnItsOwnRow) {
    for (const std::int32_t nx : {1, 2, 3, 7}) {
        const Lattice lattice(nx, 4, 3, Boundary::periodic);
        for (SiteIndex site = 0; site < lattice.site_count(); ++site) {
            const SiteCoord c = lattice.coord_of(site);
            int calls = 0;
            for_each_row_through(lattice, site, [&](SiteIndex first, std::size_t length) {
                ++calls;
                const SiteCoord start = lattice.coord_of(first);
                EXPECT_EQ(start.x, std::max(0, c.x - 1)) << "site " << site << ", nx " << nx;
                EXPECT_EQ(start.y, c.y);
                EXPECT_EQ(start.z, c.z);
                EXPECT_EQ(static_cast<std::int32_t>(length),
                          std::min(nx - 1, c.x + 1) - std::max(0, c.x - 1) + 1);
            });
            EXPECT_EQ(calls, 1);
        }
    }
}

}  // namespace
}  // namespace cartsim::engine
