// The marrow model split over MPI ranks (one model state per process, engine::MpiExchange)
// gives the state of one model after every step: the rank protocol of the virtual ranks
// (tests/agents/test_virtual_rank_marrow.cpp), now with site records sent as messages. Run by
// ctest under mpiexec at 1, 2 and 4 ranks (tests/mpi/CMakeLists.txt).

#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "agents/marrow_model.hpp"
#include "engine/indexed_exact_sums.hpp"
#include "engine/load_balance.hpp"
#include "engine/mpi/mpi_exchange.hpp"
#include "engine/mpi/redistribute_agents.hpp"
#include "engine/mpi/state_hash_mpi.hpp"
#include "engine/parallelism.hpp"
#include "tests/agents/model_fixtures.hpp"

namespace cartsim::agents {
namespace {

using testing::busy_window;

int world_rank_count() {
    int size = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

struct Case {
    std::string name;
    Parameters parameters;
    int steps = 0;
};

std::vector<Case> cases() {
    return {{"2-D reflective", busy_window(32, 32, 1), 80},
            {"2-D periodic", busy_window(32, 32, 1, true), 80},
            {"3-D periodic", busy_window(16, 16, 16, true), 40}};
}

// Every rank computes the one-rank trajectory itself (no exchange), then the split run; the
// hash of the split run is summed across ranks, so every rank checks the same values.
// run_with_threads: the calling thread runs the model and makes every MPI call.
TEST(MpiMarrow, StateHashAfterEveryStepIsTheOneRankHash) {
    const int ranks = world_rank_count();
    for (const Case& c : cases()) {
        SCOPED_TRACE(c.name + " on " + std::to_string(ranks) + " MPI ranks");
        std::vector<std::uint64_t> expected;
        engine::run_with_threads(1, [&] {
            MarrowModel one(c.parameters);
            for (int s = 0; s < c.steps; ++s) {
                one.step();
                expected.push_back(one.state_hash());
            }
        });
        // 1 thread per rank; at 2 ranks also 2 threads per rank (threads within ranks).
        for (const int threads : ranks == 2 ? std::vector<int>{1, 2} : std::vector<int>{1}) {
            SCOPED_TRACE(std::to_string(threads) + " threads per rank");
            engine::MpiExchange exchange(MPI_COMM_WORLD);
            engine::run_with_threads(threads, [&] {
                MarrowModel split(c.parameters, ModelExtensions{},
                                  engine::RankPlacement{ranks, exchange.rank(), &exchange});
                for (int s = 0; s < c.steps; ++s) {
                    split.step();
                    const std::uint64_t hash =
                        engine::state_hash_across_mpi_ranks(split, MPI_COMM_WORLD);
                    ASSERT_EQ(hash, expected[static_cast<std::size_t>(s)])
                        << "after step " << s + 1;
                }
                EXPECT_TRUE(
                    engine::replicated_state_agrees_across_mpi_ranks(split, MPI_COMM_WORLD));
            });
            // Agents really crossed box borders, as messages.
            std::uint64_t crossed[2] = {exchange.counts().handed_over, exchange.bytes_sent()};
            MPI_Allreduce(MPI_IN_PLACE, crossed, 2, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
            if (ranks > 1) {
                EXPECT_GT(crossed[0], 0u);
                EXPECT_GT(crossed[1], 0u);
            }
        }
    }
}

// The rows of every population of `state` (ids, sites and columns) that `keep` keeps: a share of
// a checkpoint, or the agents a rank owns.
template <class Keep>
engine::SavedState with_rows(engine::SavedState state, Keep keep) {
    for (engine::SavedPopulation& population : state.populations) {
        std::vector<std::size_t> kept;
        for (std::size_t row = 0; row < population.ids.size(); ++row) {
            if (keep(population, row)) kept.push_back(row);
        }
        const auto pick = [&](auto& values) {
            auto all = values;
            values.resize(kept.size());
            for (std::size_t k = 0; k < kept.size(); ++k) values[k] = all[kept[k]];
        };
        pick(population.ids);
        pick(population.sites);
        for (auto& column : population.columns) std::visit(pick, column.second);
    }
    return state;
}

// A checkpoint's agents read in shares (one slice of each population's id-ordered rows per
// rank) and sent to the ranks that hold their sites are the state a split model restores from
// the whole; so are every rank's own agents sent to the holders on recut boxes. Either way the
// run goes on as the one-rank run does.
TEST(MpiMarrow, AgentsRedistributedToTheirHoldersResumeAsTheOneRankRun) {
    const int ranks = world_rank_count();
    Parameters parameters = busy_window(32, 32, 1);
    parameters.car_t.dose_cells = 5e12;  // within what a restored state may hold (1e13)
    constexpr int kSteps = 60;
    constexpr int kMoreSteps = 40;
    engine::SavedState whole;
    std::uint64_t hash_then = 0;
    std::uint64_t hash_after = 0;
    engine::run_with_threads(1, [&] {
        MarrowModel one(parameters);
        for (int s = 0; s < kSteps; ++s) one.step();
        whole = one.save_state();
        hash_then = one.state_hash();
        for (int s = 0; s < kMoreSteps; ++s) one.step();
        hash_after = one.state_hash();
    });
    engine::run_with_threads(1, [&] {
        engine::MpiExchange exchange(MPI_COMM_WORLD);
        const auto rank = static_cast<std::size_t>(exchange.rank());
        MarrowModel split(parameters, ModelExtensions{},
                          engine::RankPlacement{ranks, exchange.rank(), &exchange});
        engine::SavedState share =
            with_rows(whole, [&](const engine::SavedPopulation& population, std::size_t row) {
                const std::size_t n = population.ids.size();
                return row >= n * rank / static_cast<std::size_t>(ranks) &&
                       row < n * (rank + 1) / static_cast<std::size_t>(ranks);
            });
        engine::redistribute_agents(share, exchange.domains(), MPI_COMM_WORLD);
        split.restore_state(std::move(share));
        ASSERT_EQ(engine::state_hash_across_mpi_ranks(split, MPI_COMM_WORLD), hash_then);
        EXPECT_TRUE(engine::replicated_state_agrees_across_mpi_ranks(split, MPI_COMM_WORLD));

        // Recut: boxes weighed toward the first tiles, each rank's owned agents redistributed.
        const engine::TileGrid& grid = split.domain().grid();
        std::vector<std::uint64_t> work(grid.tile_count());
        std::iota(work.rbegin(), work.rend(), std::uint64_t{1});
        const std::vector<engine::TileBox> boxes = engine::bisect_tile_grid(grid, ranks, work);
        engine::SavedState owned = with_rows(
            split.save_state(), [&](const engine::SavedPopulation& population, std::size_t row) {
                return split.domain().owns_site(population.sites[row]);
            });
        engine::MpiExchange recut_exchange(MPI_COMM_WORLD);
        MarrowModel recut(parameters, ModelExtensions{},
                          engine::RankPlacement{ranks, exchange.rank(), &recut_exchange, boxes});
        engine::redistribute_agents(owned, recut_exchange.domains(), MPI_COMM_WORLD);
        recut.restore_state(std::move(owned));
        ASSERT_EQ(engine::state_hash_across_mpi_ranks(recut, MPI_COMM_WORLD), hash_then);
        for (int s = 0; s < kMoreSteps; ++s) recut.step();
        EXPECT_EQ(engine::state_hash_across_mpi_ranks(recut, MPI_COMM_WORLD), hash_after);
        if (ranks > 1) {  // the boxes did change
            const auto before = split.domain().boxes();
            const auto after = recut.domain().boxes();
            EXPECT_FALSE(std::equal(before.begin(), before.end(), after.begin(),
                                    [](const engine::TileBox& a, const engine::TileBox& b) {
                                        return a.begin == b.begin && a.end == b.end;
                                    }));
        }
    });
}

// Sums are exact and the same on every rank, whatever the rank count.
TEST(MpiMarrow, SumsAcrossRanksAreExactAndTheSameOnEveryRank) {
    engine::MpiExchange exchange(MPI_COMM_WORLD);
    const int rank = exchange.rank();
    const int ranks = exchange.rank_count();
    std::vector<std::int64_t> integers{rank + 1, -2 * rank, 7};
    exchange.sum_across_ranks(rank, integers);
    EXPECT_EQ(integers[0], ranks * (ranks + 1) / 2);
    EXPECT_EQ(integers[1], -ranks * (ranks - 1));
    EXPECT_EQ(integers[2], 7 * ranks);
    // 1e16 on rank 0, 1.0 on every rank: exact, where a plain double sum would drop the ones.
    std::vector<engine::ExactSum> exact(1);
    if (rank == 0) exact[0].add(1e16);
    exact[0].add(1.0);
    exchange.sum_across_ranks(rank, exact);
    EXPECT_EQ(exact[0].value(), 1e16 + static_cast<double>(ranks));
    // Indexed sums: each rank its own index plus a shared one; every rank gets the union.
    engine::IndexedExactSums indexed =
        engine::sum_by_index({{static_cast<std::uint64_t>(2 * rank + 1), 0.25}, {1000, 1.0}});
    if (rank == 0) indexed = engine::sum_by_index({{1, 0.25}, {1000, 1e16}, {1000, 1.0}});
    exchange.sum_across_ranks(rank, indexed);
    ASSERT_EQ(indexed.size(), static_cast<std::size_t>(ranks) + 1);
    for (int r = 0; r < ranks; ++r) {
        EXPECT_EQ(indexed.indices[static_cast<std::size_t>(r)],
                  static_cast<std::uint64_t>(2 * r + 1));
        EXPECT_EQ(indexed.sums[static_cast<std::size_t>(r)].value(), 0.25);
    }
    EXPECT_EQ(indexed.indices.back(), 1000u);
    EXPECT_EQ(indexed.sums.back().value(), 1e16 + static_cast<double>(ranks));
}

// Ranks that reach different sync points are refused on every rank, not left to exchange
// mismatched data (or to wait for each other forever).
TEST(MpiMarrow, RanksAtDifferentSyncPointsAreRefused) {
    engine::MpiExchange exchange(MPI_COMM_WORLD);
    if (exchange.rank_count() < 2) GTEST_SKIP() << "needs two ranks";
    const int rank = exchange.rank();
    std::vector<std::int64_t> values(rank == 0 ? 1 : 2, 1);
    EXPECT_THROW(exchange.sum_across_ranks(rank, values), std::logic_error);
    EXPECT_THROW(exchange.sum_across_ranks(rank + 1, values), std::logic_error);  // not its rank
}

}  // namespace
}  // namespace cartsim::agents

int main(int argc, char** argv) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    ::testing::InitGoogleTest(&argc, argv);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank != 0) {
        // One report: rank 0's (every check compares values that are the same on every rank).
        auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
        delete listeners.Release(listeners.default_result_printer());
    }
    int failed = RUN_ALL_TESTS();
    MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return failed;
}
