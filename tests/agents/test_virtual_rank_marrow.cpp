// Virtual ranks: the marrow model split over K boxes (K model states exchanging site records,
// global state replicated from totals summed across ranks) gives the state of one model after
// every step, for any K and thread count.

#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "agents/cytokines/sources.hpp"
#include "agents/marrow/virtual_rank_model.hpp"
#include "agents/marrow_model.hpp"
#include "engine/parallelism.hpp"
#include "engine/saved_state_across_ranks.hpp"
#include "tests/agents/model_fixtures.hpp"
#include "tests/support/hash_trajectory.hpp"

namespace cartsim::agents {
namespace {

using testing::busy_window;

struct Case {
    std::string name;
    Parameters parameters;
    int steps = 0;
};

std::vector<Case> cases() {
    return {{"2-D reflective", busy_window(32, 32, 1), 120},
            {"2-D periodic", busy_window(32, 32, 1, true), 120},
            {"3-D reflective", busy_window(16, 16, 16), 60},
            {"3-D periodic", busy_window(16, 16, 16, true), 60}};
}

struct Trajectory {
    std::vector<std::uint64_t> hashes;
    std::uint64_t kills = 0;
    std::uint64_t car_t = 0;
    engine::ExchangeCounts exchanged;
    bool replicated_state_agreed = true;
};

Trajectory run_one_model(const Parameters& p, int steps) {
    Trajectory trajectory;
    engine::run_with_threads(1, [&] {
        MarrowModel model(p);
        const std::vector<const MarrowModel*> ranks{&model};
        for (int s = 0; s < steps; ++s) {
            model.step();
            trajectory.hashes.push_back(model.state_hash());
        }
        // The split hash of one rank is the model's own.
        EXPECT_EQ(engine::state_hash_across_ranks<MarrowModel>(ranks), trajectory.hashes.back());
        const Observables seen = model.observe();
        trajectory.kills = static_cast<std::uint64_t>(seen.kills_blasts + seen.kills_b_cells);
        trajectory.car_t = model.car_t().live_count();
    });
    return trajectory;
}

Trajectory run_ranks(const Parameters& p, int steps, int threads, int rank_count) {
    Trajectory trajectory;
    engine::run_with_threads(threads, [&] {
        VirtualRankModel model(p, rank_count);
        for (int s = 0; s < steps; ++s) {
            model.step();
            trajectory.hashes.push_back(model.state_hash());
            if (!model.replicated_state_agrees()) trajectory.replicated_state_agreed = false;
        }
        trajectory.exchanged = model.exchange().counts();
    });
    return trajectory;
}

TEST(VirtualRankMarrow, StateHashAfterEveryStepIsTheSameForThreads1248AndRanks1248) {
    for (const Case& c : cases()) {
        const Trajectory reference = run_one_model(c.parameters, c.steps);
        // The model must be busy, or equal hashes prove little.
        ASSERT_GT(reference.kills, 10u) << c.name;
        ASSERT_GT(reference.car_t, 20u) << c.name;
        Parameters no_homing = c.parameters;
        no_homing.blasts.marrow_exchange_per_day = 0.0;
        ASSERT_NE(run_one_model(no_homing, c.steps).hashes, reference.hashes)
            << c.name << ": no blast homed";
        for (const int threads : {1, 2, 4, 8}) {
            for (const int ranks : {1, 2, 4, 8}) {
                const Trajectory split = run_ranks(c.parameters, c.steps, threads, ranks);
                const std::string what = c.name + ", " + std::to_string(threads) + " threads, " +
                                         std::to_string(ranks) + " virtual ranks";
                ASSERT_TRUE(test_support::same_hash_trajectory(split.hashes, reference.hashes))
                    << what;
                EXPECT_TRUE(split.replicated_state_agreed) << what;
                if (ranks == 1) continue;
                // CAR-T cells walked into other boxes, and cells were born across borders.
                EXPECT_GT(split.exchanged.handed_over, 50u) << what;
                EXPECT_GT(split.exchanged.births_handed_over, 5u) << what;
                if (threads == 1) {
                    std::printf(
                        "%s on %d ranks: %llu cells crossed a border, %llu were born "
                        "across one\n",
                        c.name.c_str(), ranks,
                        static_cast<unsigned long long>(split.exchanged.handed_over),
                        static_cast<unsigned long long>(split.exchanged.births_handed_over));
                }
            }
        }
    }
}

TEST(VirtualRankMarrow, AnExchangeThatSkipsOneColorChangesTheResult) {
    const Case c = cases().front();
    const int steps = 41;  // CAR-T cells cross borders by then (the last step sweeps only them)
    const Trajectory reference = run_one_model(c.parameters, steps);
    std::uint64_t syncs_before = 0;
    engine::run_with_threads(1, [&] {
        VirtualRankModel model(c.parameters, 4);
        for (int s = 0; s < steps - 1; ++s) model.step();
        syncs_before = model.exchange().color_syncs();
    });
    // Skip each of the last step's 4 color syncs (2-D) in turn.
    int compared = 0;
    for (std::uint64_t skipped = syncs_before; skipped < syncs_before + 4; ++skipped) {
        bool refused = false;
        std::uint64_t hash = 0;
        engine::run_with_threads(1, [&] {
            VirtualRankModel model(c.parameters, 4);
            model.exchange().skip_color_sync_for_testing(skipped);
            try {
                for (int s = 0; s < steps; ++s) model.step();
                hash = model.state_hash();
            } catch (const std::logic_error&) {
                refused = true;  // the exchange noticed the ranks disagree
            }
        });
        if (refused) continue;
        ++compared;
        EXPECT_NE(hash, reference.hashes.back()) << "color sync " << skipped << " skipped";
    }
    EXPECT_GT(compared, 0);  // a different state, not only refusals
}

// What a split run's time series is made from under MPI: each rank's tallies of the cells on
// its own tiles, summed, then observed with the replicated state. Every observable equals the
// one-rank model's, bit for bit, every few steps of a busy window.
TEST(VirtualRankMarrow, OwnedTalliesSummedOverRanksObserveAsTheOneRankModel) {
    const Case c = cases()[2];  // 3-D: agents cross box borders on every axis
    engine::run_with_threads(2, [&] {
        MarrowModel one(c.parameters);
        VirtualRankModel split(c.parameters, 4);
        int compared = 0;
        for (int s = 1; s <= c.steps; ++s) {
            one.step();
            split.step();
            if (s % 10 != 0) continue;
            WindowTallies total;
            std::array<std::uint64_t, WindowTallies::kIntegers> integers{};
            for (const MarrowModel* rank : split.ranks()) {
                const WindowTallies part = rank->owned_window_tallies();
                const auto values = part.integers();
                for (std::size_t k = 0; k < integers.size(); ++k) integers[k] += values[k];
                total.blast_cd19_molecules += part.blast_cd19_molecules;
            }
            total.set_integers(integers);
            const Observables expected = one.observe();
            const Observables summed = split.ranks()[1]->observe(total);
            std::vector<double> want;
            std::vector<double> got;
            expected.for_each(
                [&](std::string_view, std::string_view, double v) { want.push_back(v); });
            summed.for_each(
                [&](std::string_view, std::string_view, double v) { got.push_back(v); });
            ASSERT_EQ(want.size(), got.size());
            for (std::size_t k = 0; k < want.size(); ++k) {
                EXPECT_EQ(std::bit_cast<std::uint64_t>(want[k]),
                          std::bit_cast<std::uint64_t>(got[k]))
                    << "observable " << k << " at step " << s << ": " << want[k] << " vs "
                    << got[k];
            }
            // One rank's own tiles hold only part of the window.
            EXPECT_LT(
                split.ranks()[0]->owned_window_tallies().car_t_live() +
                    split.ranks()[0]->owned_window_tallies().tissue[WindowTallies::kMarrowCells],
                static_cast<std::uint64_t>(expected.cart_marrow + expected.marrow_cells));
            ++compared;
        }
        EXPECT_GT(compared, 3);
        EXPECT_GT(one.car_t().live_count(), 0U);
    });
}

// The invariant the exchange rests on: after every step, every site a rank keeps
// (Domain::holds_site) shows what its owner's copy shows, on both layers: the same kind of
// occupant and, for an agent, the same id and the same record bytes. A rank's copy left stale
// by anything outside the sweeps would show here before it changed a result.
template <class Population>
std::vector<std::byte> record_at(const engine::OccupancyLayer& layer, const Population& population,
                                 engine::SiteIndex site) {
    const engine::AgentHandle handle = layer.at(site);
    std::vector<std::byte> bytes(1, std::byte{0});
    if (handle.is_pending()) bytes[0] = std::byte{1};
    if (!handle.is_agent() || handle.tag() != population.tag()) return bytes;
    bytes[0] = std::byte{2};
    const engine::AgentId id = population.id(handle.slot());
    bytes.resize(1 + sizeof(id) + Population::record_bytes());
    std::memcpy(bytes.data() + 1, &id, sizeof(id));
    population.write_record(handle.slot(), bytes.data() + 1 + sizeof(id));
    return bytes;
}

TEST(VirtualRankMarrow, EveryKeptSiteEqualsItsOwnersCopyAfterEveryStep) {
    const Case c = cases()[3];  // 3-D periodic: borders on every axis, across the wrap too
    engine::run_with_threads(2, [&] {
        VirtualRankModel split(c.parameters, 4);
        const engine::Lattice& lattice = split.ranks()[0]->lattice();
        const engine::TileGrid& grid = split.ranks()[0]->domain().grid();
        std::uint64_t ghost_sites_compared = 0;
        for (int s = 1; s <= c.steps; ++s) {
            split.step();
            if (s % 5 != 0 && s != 1) continue;
            for (const MarrowModel* rank : split.ranks()) {
                for (engine::SiteIndex site = 0; site < lattice.site_count(); ++site) {
                    if (!rank->domain().holds_site(site)) continue;
                    const int owner = rank->domain().owner_of(grid.tile_of(site));
                    if (owner == rank->domain().rank()) continue;
                    const MarrowModel& mine = *split.ranks()[static_cast<std::size_t>(owner)];
                    ASSERT_EQ(record_at(rank->tissue_layer(), rank->tissue(), site),
                              record_at(mine.tissue_layer(), mine.tissue(), site))
                        << "tissue layer, site " << site << " on rank " << rank->domain().rank()
                        << " (owner " << owner << ") after step " << s;
                    ASSERT_EQ(record_at(rank->mobile_layer(), rank->car_t(), site),
                              record_at(mine.mobile_layer(), mine.car_t(), site))
                        << "mobile layer, site " << site << " on rank " << rank->domain().rank()
                        << " (owner " << owner << ") after step " << s;
                    ++ghost_sites_compared;
                }
            }
        }
        EXPECT_GT(ghost_sites_compared, 0U);
        EXPECT_GT(split.exchange().counts().handed_over, 0U);  // cells crossed borders
    });
}

// What outputs and checkpoints of a split run are made from: the ranks' saved states merged.
TEST(VirtualRankMarrow, GatheredSavedStateOfFourRanksIsTheOneRankState) {
    const Case c = cases()[1];  // 2-D periodic: agents wrap across the lattice's edges too
    engine::run_with_threads(2, [&] {
        MarrowModel one(c.parameters);
        VirtualRankModel split(c.parameters, 4);
        for (int s = 0; s < c.steps; ++s) {
            one.step();
            split.step();
        }
        std::vector<engine::SavedState> parts;
        std::vector<const engine::Domain*> domains;
        for (const MarrowModel* rank : split.ranks()) {
            parts.push_back(rank->save_state());
            domains.push_back(&rank->domain());
        }
        const engine::SavedState whole = engine::gather_saved_states(parts, domains);
        const engine::SavedState expected = one.save_state();
        ASSERT_EQ(whole.populations.size(), expected.populations.size());
        for (std::size_t p = 0; p < expected.populations.size(); ++p) {
            const engine::SavedPopulation& a = whole.populations[p];
            const engine::SavedPopulation& b = expected.populations[p];
            EXPECT_GT(b.ids.size(), 20u) << b.name;
            EXPECT_EQ(a.ids, b.ids) << b.name;
            EXPECT_EQ(a.sites, b.sites) << b.name;
            EXPECT_EQ(a.ids_issued_by_tile, b.ids_issued_by_tile) << b.name;
            EXPECT_TRUE(a.columns == b.columns) << b.name;
            // A rank alone holds only part of them.
            EXPECT_LT(parts.front().populations[p].ids.size(), b.ids.size()) << b.name;
        }
        ASSERT_EQ(whole.arrays.size(), expected.arrays.size());
        for (std::size_t k = 0; k < expected.arrays.size(); ++k) {
            EXPECT_TRUE(whole.arrays[k].values == expected.arrays[k].values)
                << expected.arrays[k].group << "/" << expected.arrays[k].name;
        }
    });
}

// A state saved on 4 ranks continues on one, on 2 and again on 4 exactly as the uninterrupted
// run of one rank: the saved state is the whole model's, whatever the split. Saved mid tissue
// period, after a CAR-T cell killed a marrow cell: the running model's IL-6 producer count is
// stale until the next tissue tick, and the restored models must continue from that count (it
// is saved), not from a recount.
TEST(VirtualRankMarrow, SavedStatesResumeOnAnotherRankCount) {
    Case c = cases()[2];                   // 3-D reflective
    c.parameters.car_t.dose_cells = 9e12;  // a saved blood bin holds at most 1e13 cells
    const int save_step = 27;              // mid tissue and field periods
    engine::run_with_threads(2, [&] {
        MarrowModel uninterrupted(c.parameters);
        VirtualRankModel four(c.parameters, 4);
        for (int s = 0; s < save_step; ++s) {
            uninterrupted.step();
            four.step();
        }
        const engine::SavedState saved = four.save_state();
        const auto running = uninterrupted.marrow_cells_per_field_cell();
        EXPECT_NE(
            std::vector<std::uint32_t>(running.begin(), running.end()),
            count_marrow_cells_per_field_cell(uninterrupted.tissue(), uninterrupted.cytokines()))
            << "the case no longer saves a stale producer count: pick another step";
        MarrowModel one(c.parameters);
        one.restore_state(saved);
        VirtualRankModel two(c.parameters, 2);
        two.step();  // a different history, to be replaced
        two.restore_state(saved);
        VirtualRankModel four_again(c.parameters, 4);
        four_again.restore_state(saved);
        for (int s = save_step; s < c.steps; ++s) {
            uninterrupted.step();
            one.step();
            two.step();
            four_again.step();
            ASSERT_EQ(one.state_hash(), uninterrupted.state_hash())
                << "1 rank after step " << s + 1;
            ASSERT_EQ(two.state_hash(), uninterrupted.state_hash())
                << "2 ranks after step " << s + 1;
            ASSERT_EQ(four_again.state_hash(), uninterrupted.state_hash())
                << "4 ranks after step " << s + 1;
        }
        EXPECT_GT(one.car_t().live_count(), 20u);
    });
}

TEST(VirtualRankMarrow, WellMixedModeRefusesSeveralRanksByName) {
    Parameters p = busy_window(32, 32, 1);
    p.well_mixed = true;
    try {
        VirtualRankModel model(p, 2);
        FAIL() << "well-mixed mode accepted 2 virtual ranks";
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("well_mixed"), std::string::npos) << error.what();
        EXPECT_NE(std::string(error.what()).find("--virtual-ranks"), std::string::npos)
            << error.what();
    }
    EXPECT_NO_THROW(VirtualRankModel(p, 1));
}

}  // namespace
}  // namespace cartsim::agents
