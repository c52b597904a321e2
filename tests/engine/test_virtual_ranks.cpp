// Virtual ranks: the toy model split over K boxes (K model states exchanging site records)
// gives the state of one world after every step, for any K and thread count.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "engine/exact_sum.hpp"
#include "engine/indexed_exact_sums.hpp"
#include "engine/parallelism.hpp"
#include "engine/toy/virtual_rank_walkers.hpp"
#include "tests/support/hash_trajectory.hpp"

namespace cartsim::engine::toy {
namespace {

struct Case {
    std::string name;
    WalkerParams params;
};

WalkerParams small(std::int32_t nx, std::int32_t ny, std::int32_t nz, Boundary boundary) {
    WalkerParams params;
    params.nx = nx;
    params.ny = ny;
    params.nz = nz;
    params.boundary = boundary;
    const std::uint64_t sites = static_cast<std::uint64_t>(nx) * ny * nz;
    params.initial_targets = sites * 3 / 8;
    params.initial_hunters = sites / 10;
    params.target_period_steps = 5;
    params.target_divide_per_tick = 0.1;
    params.sort_period_steps = 7;
    return params;
}

// Tiles of 4 x 4 (x 4) sites, the least the hunters' reach 2 allows: 8 x 8 tiles in 2-D and
// 4 x 4 x 4 in 3-D, so 8 ranks get boxes 2 tiles (8 sites) wide, every tile is a border tile
// and agents cross borders every step.
constexpr int kTileEdge = 4;

std::vector<Case> cases() {
    return {{"2-D reflective", small(32, 32, 1, Boundary::reflective)},
            {"2-D periodic", small(32, 32, 1, Boundary::periodic)},
            {"3-D reflective", small(16, 16, 16, Boundary::reflective)},
            {"3-D periodic", small(16, 16, 16, Boundary::periodic)}};
}

constexpr int kSteps = 30;

struct Trajectory {
    std::vector<std::uint64_t> hashes;
    WalkerCounts counts;
    ExchangeCounts exchanged;
};

Trajectory run_one_world(const WalkerParams& params) {
    Trajectory trajectory;
    run_with_threads(1, [&] {
        RandomWalkerWorld world(params, kTileEdge);
        const std::vector<const RandomWalkerWorld*> ranks{&world};
        for (int s = 0; s < kSteps; ++s) {
            world.step();
            trajectory.hashes.push_back(world.state_hash());
            // The split hash of one rank is the world's own.
            EXPECT_EQ(state_hash(ranks), trajectory.hashes.back());
        }
        trajectory.counts = counts(ranks);
    });
    return trajectory;
}

Trajectory run_ranks(const WalkerParams& params, int threads, int rank_count, int steps = kSteps) {
    Trajectory trajectory;
    run_with_threads(threads, [&] {
        VirtualRankWalkers walkers(params, rank_count, kTileEdge);
        for (int s = 0; s < steps; ++s) {
            walkers.step();
            trajectory.hashes.push_back(walkers.state_hash());
        }
        trajectory.counts = walkers.counts();
        trajectory.exchanged = walkers.exchange().counts();
    });
    return trajectory;
}

TEST(VirtualRank, ToyStateHashAfterEveryStepIsTheSameForThreads1248AndRanks1248) {
    for (const Case& c : cases()) {
        const Trajectory reference = run_one_world(c.params);
        // The model must be busy, or equal hashes prove little.
        ASSERT_GT(reference.counts.total_kills, 20u) << c.name;
        ASSERT_NE(reference.hashes.front(), reference.hashes.back());
        for (const int threads : {1, 2, 4, 8}) {
            for (const int ranks : {1, 2, 4, 8}) {
                const Trajectory split = run_ranks(c.params, threads, ranks);
                const std::string what = c.name + ", " + std::to_string(threads) + " threads, " +
                                         std::to_string(ranks) + " virtual ranks";
                ASSERT_TRUE(test_support::same_hash_trajectory(split.hashes, reference.hashes))
                    << what;
                EXPECT_EQ(split.counts.targets, reference.counts.targets) << what;
                EXPECT_EQ(split.counts.hunters, reference.counts.hunters) << what;
                EXPECT_EQ(split.counts.total_kills, reference.counts.total_kills) << what;
                EXPECT_EQ(split.counts.mean_trait, reference.counts.mean_trait) << what;
                if (threads == 1 && ranks > 1) {
                    std::printf(
                        "%s, %d ranks: %llu agents and %llu newborns handed over\n", c.name.c_str(),
                        ranks, static_cast<unsigned long long>(split.exchanged.handed_over),
                        static_cast<unsigned long long>(split.exchanged.births_handed_over));
                }
                if (ranks > 1) {
                    // Hunters walked into other boxes, and agents were born across borders.
                    EXPECT_GT(split.exchanged.handed_over, 50u) << what;
                    EXPECT_GT(split.exchanged.births_handed_over, 5u) << what;
                } else {
                    EXPECT_EQ(split.exchanged.sites_copied, 0u) << what;
                }
            }
        }
    }
}

TEST(VirtualRank, AnExchangeThatSkipsOneColorChangesTheResult) {
    // Tiles of 8^3 sites hold enough hunters that every color moves some across a border.
    const WalkerParams params = small(32, 32, 32, Boundary::periodic);
    Trajectory reference;
    run_with_threads(2, [&] {
        RandomWalkerWorld world(params, 8);
        for (int s = 0; s < 4; ++s) {
            world.step();
            reference.hashes.push_back(world.state_hash());
        }
    });
    // Step 4 (after 16 color syncs at step 1, which also runs the targets, and 8 each at steps
    // 2 and 3) syncs 8 colors: skip each in turn and look at the state after that step.
    const int steps = 4;
    int compared = 0;
    for (std::uint64_t skipped = 32; skipped < 40; ++skipped) {
        bool refused = false;
        std::uint64_t hash = 0;
        std::uint64_t syncs = 0;
        run_with_threads(2, [&] {
            VirtualRankWalkers walkers(params, 4, 8);
            walkers.exchange().skip_color_sync_for_testing(skipped);
            try {
                for (int s = 0; s < steps; ++s) walkers.step();
                hash = walkers.state_hash();
                syncs = walkers.exchange().color_syncs();
            } catch (const std::logic_error&) {
                refused = true;  // the exchange noticed the ranks disagree
            }
        });
        if (refused) continue;
        ++compared;
        EXPECT_EQ(syncs, 40u);
        EXPECT_NE(hash, reference.hashes[steps - 1]) << "color sync " << skipped << " skipped";
    }
    EXPECT_GT(compared, 0);  // a different state, not only refusals
    // With the exchange intact the same runs agree, so it is the skipped copies that matter.
    run_with_threads(2, [&] {
        VirtualRankWalkers walkers(params, 4, 8);
        for (int s = 0; s < steps; ++s) walkers.step();
        EXPECT_EQ(walkers.state_hash(), reference.hashes[steps - 1]);
    });
}

TEST(VirtualRank, RanksTheGridCannotHoldAreRefusedByName) {
    const WalkerParams params = small(16, 16, 16, Boundary::periodic);  // 2 x 2 x 2 tiles
    try {
        VirtualRankWalkers walkers(params, 2, 8);
        FAIL() << "2 boxes of 2 x 2 x 2 tiles accepted";
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("into 2 boxes"), std::string::npos)
            << error.what();
    }
}

// Two ranks on a 32 x 32 periodic lattice with no agents: for tests of the protocol itself.
struct TwoEmptyRanks {
    Lattice lattice{32, 32, 1, Boundary::periodic};
    TileGrid grid{lattice, 2, 8};
    Domain first{grid, 2, 0};
    Domain second{grid, 2, 1};
    SiteRecords first_records;
    SiteRecords second_records;
    VirtualRanks ranks{2};
    TwoEmptyRanks() {
        ranks.attach(first, first_records);
        ranks.attach(second, second_records);
    }
};

// Ranks that leave the protocol must not leave the others waiting forever.
TEST(VirtualRank, AFailingRankEndsTheRunWithItsErrorInsteadOfAHang) {
    TwoEmptyRanks two;
    VirtualRanks& ranks = two.ranks;
    EXPECT_THROW(ranks.run([&](int rank) {
        if (rank == 1) throw std::runtime_error("rank 1 failed");
        for (int color = 0; color < 4; ++color) ranks.after_color(rank, color, {});
    }),
                 std::runtime_error);
    EXPECT_THROW(ranks.run([](int) {}), std::logic_error);  // unusable afterwards
}

TEST(VirtualRank, RanksThatReachDifferentSyncPointsAreRefused) {
    TwoEmptyRanks two;
    VirtualRanks& ranks = two.ranks;
    EXPECT_THROW(ranks.run([&](int rank) {
        if (rank == 0) ranks.after_color(rank, 0, {});
        if (rank == 1) ranks.after_phase(rank);
    }),
                 std::logic_error);
    VirtualRanks unattached(2);
    EXPECT_THROW(unattached.run([](int) {}), std::logic_error);
}

// Global quantities: each rank's part in, the same total out on every rank; doubles exactly.
// Every rank's domain on `grid`, connected through `ranks`, with no agents: for the sums.
void connect_empty_ranks(const TileGrid& grid, VirtualRanks& ranks,
                         std::vector<std::unique_ptr<Domain>>& domains,
                         std::vector<SiteRecords>& records) {
    for (int r = 0; r < ranks.rank_count(); ++r) {
        domains.push_back(std::make_unique<Domain>(grid, ranks.rank_count(), r));
        domains.back()->set_exchange(&ranks);
        ranks.attach(*domains.back(), records[static_cast<std::size_t>(r)]);
    }
}

TEST(VirtualRank, SumsAcrossRanksAreExactAndTheSameOnEveryRank) {
    const std::vector<double> terms{1e300, 1.0, -1e300, 4.9e-324, 0.1, 0.2, -0.3, 1e-310, 3.0};
    ExactSum one_pass;
    for (const double term : terms) one_pass.add(term);
    for (const int rank_count : {1, 2, 3, 4}) {
        const Lattice lattice(48, 48, 1, Boundary::periodic);
        const TileGrid grid(lattice, 2, 8);  // 6 x 6 tiles
        std::vector<std::unique_ptr<Domain>> domains;
        std::vector<SiteRecords> records(static_cast<std::size_t>(rank_count));
        VirtualRanks ranks(rank_count);
        connect_empty_ranks(grid, ranks, domains, records);
        std::vector<std::vector<std::int64_t>> counts(static_cast<std::size_t>(rank_count));
        std::vector<double> exact(static_cast<std::size_t>(rank_count));
        ranks.run([&](int rank) {
            std::vector<std::int64_t> mine{rank + 1, -2 * rank, 7};
            domains[static_cast<std::size_t>(rank)]->sum_across_ranks(mine);
            counts[static_cast<std::size_t>(rank)] = mine;
            ExactSum part;  // terms dealt round-robin
            for (std::size_t i = static_cast<std::size_t>(rank); i < terms.size();
                 i += static_cast<std::size_t>(rank_count)) {
                part.add(terms[i]);
            }
            domains[static_cast<std::size_t>(rank)]->sum_across_ranks(part);
            exact[static_cast<std::size_t>(rank)] = part.value();
        });
        const std::int64_t k = rank_count;
        for (int r = 0; r < rank_count; ++r) {
            EXPECT_EQ(counts[static_cast<std::size_t>(r)],
                      (std::vector<std::int64_t>{k * (k + 1) / 2, -k * (k - 1), 7 * k}));
            EXPECT_EQ(exact[static_cast<std::size_t>(r)], one_pass.value())
                << rank_count << " ranks, rank " << r;
        }
    }
    // On a single rank without an exchange a sum leaves the part as it is.
    const Lattice lattice(16, 16, 1, Boundary::periodic);
    const TileGrid grid(lattice, 2, 8);
    std::vector<std::int64_t> alone{5};
    Domain(grid).sum_across_ranks(alone);
    EXPECT_EQ(alone, std::vector<std::int64_t>{5});
}

}  // namespace
// Indexed sums: every rank gets the union of the ranks' indices, each with the exact sum of its
// parts, as one rank summing every term would (the field cells with secretion, across ranks).
TEST(VirtualRank, IndexedSumsAcrossRanksAreTheUnionWithExactSums) {
    for (const int rank_count : {1, 2, 3, 4}) {
        const Lattice lattice(48, 48, 1, Boundary::periodic);
        const TileGrid grid(lattice, 2, 8);
        std::vector<std::unique_ptr<Domain>> domains;
        std::vector<SiteRecords> records(static_cast<std::size_t>(rank_count));
        VirtualRanks ranks(rank_count);
        connect_empty_ranks(grid, ranks, domains, records);
        // Rank r: its own index r (1e16 + 1 there on rank 0 only), index 10 on every rank (1.0),
        // and the last rank also index 1000 (-0.5); rank 1 passes nothing at all.
        const auto part_of = [&](int rank) {
            std::vector<IndexedTerm> terms;
            if (rank == 1) return terms;
            terms.push_back({static_cast<std::uint64_t>(rank), rank == 0 ? 1e16 : 2.0});
            if (rank == 0) terms.push_back({0, 1.0});
            terms.push_back({10, 1.0});
            if (rank == rank_count - 1) terms.push_back({1000, -0.5});
            return terms;
        };
        std::vector<IndexedTerm> every_term;
        for (int r = 0; r < rank_count; ++r) {
            const std::vector<IndexedTerm> part = part_of(r);
            every_term.insert(every_term.end(), part.begin(), part.end());
        }
        const IndexedExactSums expected = sum_by_index(every_term);
        std::vector<IndexedExactSums> results(static_cast<std::size_t>(rank_count));
        ranks.run([&](int rank) {
            IndexedExactSums mine = sum_by_index(part_of(rank));
            domains[static_cast<std::size_t>(rank)]->sum_across_ranks(mine);
            results[static_cast<std::size_t>(rank)] = std::move(mine);
        });
        for (int r = 0; r < rank_count; ++r) {
            const IndexedExactSums& got = results[static_cast<std::size_t>(r)];
            ASSERT_EQ(got.indices, expected.indices) << rank_count << " ranks, rank " << r;
            for (std::size_t k = 0; k < got.size(); ++k) {
                EXPECT_EQ(got.sums[k].value(), expected.sums[k].value());
            }
            // Index 0 holds 1e16 + 1 exactly; index 10 counts the ranks that passed anything.
            EXPECT_EQ(got.sums[0].value(), 1e16 + 1.0);
            const auto ten = static_cast<std::size_t>(
                std::find(got.indices.begin(), got.indices.end(), 10u) - got.indices.begin());
            EXPECT_EQ(got.sums[ten].value(), rank_count >= 2 ? rank_count - 1.0 : 1.0);
        }
    }
}

}  // namespace cartsim::engine::toy
