// Event-driven tissue (agents/tissue/schedule.hpp, event_law.hpp): cells visited only at their
// event ticks behave, in distribution, like the hourly rule that visits every cell every tick
// (TissueFates::hourly_reference): net growth of blasts, turnover of B cells and marrow cells
// (including a regeneration without room falling through to B-cell production), and the
// inheritance of CD19 by daughters. Each comparison is a z score of the difference of
// ensemble means; negative controls with a deliberately wrong law show the comparisons can
// fail. And the phase is deterministic at 1, 2, 4 and 8 threads.

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "agents/marrow/vessels.hpp"
#include "agents/population_tags.hpp"
#include "agents/tissue/antigen_by_site.hpp"
#include "agents/tissue/constants.hpp"
#include "agents/tissue/phase.hpp"
#include "engine/domain.hpp"
#include "engine/model_state.hpp"
#include "engine/parallelism.hpp"
#include "engine/state_hash.hpp"
#include "engine/tile_grid.hpp"
#include "model_fixtures.hpp"

namespace cartsim::agents {
namespace {

constexpr engine::Step kStepsPerTick = 60;  // 1-min fine steps, hourly tissue clock
constexpr double kTickDays = 1.0 / 24.0;

/// A bare 2-D tissue layer with its phase: no CAR-T, no patient, no vessels.
struct TissueBench {
    engine::Lattice lattice;
    engine::TileGrid grid;
    engine::Domain domain;
    engine::OccupancyLayer layer;
    engine::Population<TissueColumns> tissue;
    Vessels vessels;
    TissueConstants constants;
    AntigenBySite antigen;
    TissueSchedule schedule;
    engine::TileBuckets buckets;
    std::uint64_t seed;
    engine::Step step = 0;
    std::uint64_t deaths = 0;
    std::uint64_t births = 0;

    TissueBench(std::int32_t edge, const Parameters& p, std::uint64_t run_seed)
        : lattice(edge, edge, 1, engine::Boundary::periodic),
          grid(lattice, 2, 8),
          domain(grid),
          layer(lattice.site_count()),
          tissue("tissue", kTissueTag, layer, grid),
          vessels(lattice, 0.0, run_seed),
          constants(TissueConstants::from(p, kTickDays)),
          antigen(lattice.site_count(), false),
          seed(run_seed) {}

    TissueView view() { return {tissue, layer, lattice, vessels, constants}; }

    /// One tissue tick, event-driven or hourly.
    void tick(TissueFates fates) {
        if (fates == TissueFates::event_driven) {
            const engine::CommitReport r = run_tissue_phase(view(), domain, schedule, buckets,
                                                            antigen, seed, step, kStepsPerTick);
            deaths += r.deaths;
            births += r.births;
        } else {
            const engine::CommitReport r =
                run_hourly_tissue_phase(view(), domain, buckets, seed, step);
            deaths += r.deaths;
            births += r.births;
        }
        step += kStepsPerTick;
    }
    void run_days(double days, TissueFates fates) {
        const auto ticks = static_cast<int>(std::lround(days / kTickDays));
        for (int k = 0; k < ticks; ++k) tick(fates);
    }
    std::uint64_t count(TissueKind kind) const {
        std::uint64_t n = 0;
        for (engine::AgentSlot s = 0; s < tissue.slot_count(); ++s) {
            if (tissue.alive(s) && tissue.columns().kind[s] == kind) ++n;
        }
        return n;
    }
};

/// Mean and standard error of a sample.
struct Estimate {
    double mean = 0.0;
    double standard_error = 0.0;
};
Estimate estimate(const std::vector<double>& x) {
    double sum = 0.0;
    for (const double v : x) sum += v;
    const double n = static_cast<double>(x.size());
    const double mean = sum / n;
    double ss = 0.0;
    for (const double v : x) ss += (v - mean) * (v - mean);
    return {mean, std::sqrt(ss / (n - 1) / n)};
}
double z_of_difference(const Estimate& a, const Estimate& b) {
    return (a.mean - b.mean) /
           std::sqrt(a.standard_error * a.standard_error + b.standard_error * b.standard_error);
}

/// Equivalence: |z| below this (a false alarm about once in 16,000 comparisons).
constexpr double kSameLaw = 4.0;

/// One statistic per run, for `runs` seeds: `make(seed)` builds a run, `statistic` runs and
/// measures it; `adjust` may change its constants (the negative controls).
using Make = std::function<std::unique_ptr<TissueBench>(std::uint64_t seed)>;
using Statistic = std::function<double(TissueBench&)>;
std::vector<double> ensemble(int runs, const Make& make, const Statistic& statistic,
                             const std::function<void(TissueConstants&)>& adjust = {}) {
    std::vector<double> values;
    for (int r = 0; r < runs; ++r) {
        const auto bench = make(1000 + static_cast<std::uint64_t>(r));
        if (adjust) adjust(bench->constants);
        values.push_back(statistic(*bench));
    }
    return values;
}

// --- the law itself ---------------------------------------------------------------------

TEST(TissueEventLaw, conditioned_trials_have_the_per_tick_joint_law_given_an_event) {
    const KindEventLaw law = KindEventLaw::of({0.2, 0.3, 0.4});
    EXPECT_NEAR(law.any_per_tick, 1.0 - 0.8 * 0.7 * 0.6, 1e-15);
    // Outcome patterns (3 bits) of plain trials given >= 1 success, against conditioned ones.
    std::array<double, 8> plain{};
    std::array<double, 8> conditioned{};
    constexpr int kDraws = 400000;
    int events = 0;
    for (int i = 0; i < kDraws; ++i) {
        engine::RandomStream a(1, StreamId::test_a, 0, static_cast<std::uint64_t>(i));
        engine::RandomStream b(1, StreamId::test_b, 0, static_cast<std::uint64_t>(i));
        FateTrials plain_trials(law, a, false);
        FateTrials conditioned_trials(law, b, true);
        int p = 0;
        int c = 0;
        for (int k = 0; k < 3; ++k) {
            p |= plain_trials.next() ? 1 << k : 0;
            c |= conditioned_trials.next() ? 1 << k : 0;
        }
        EXPECT_NE(c, 0);
        if (p != 0) {
            ++events;
            plain[static_cast<std::size_t>(p)] += 1.0;
        }
        conditioned[static_cast<std::size_t>(c)] += 1.0;
    }
    for (std::size_t k = 1; k < 8; ++k) {
        const double expected = conditioned[k] / kDraws;
        const double observed = plain[k] / events;
        EXPECT_NEAR(observed, expected, 5.0 * std::sqrt(expected * (1 - expected) / events))
            << "pattern " << k;
    }
}

TEST(TissueEventLaw, waiting_ticks_are_geometric) {
    const KindEventLaw law = KindEventLaw::of({0.01, 0.02});
    const double q = law.any_per_tick;
    constexpr int kDraws = 200000;
    double sum = 0.0;
    int first_tick = 0;
    for (int i = 0; i < kDraws; ++i) {
        engine::RandomStream r(2, StreamId::test_a, 0, static_cast<std::uint64_t>(i));
        const TissueTick t = law.event_tick_from(100, r);
        ASSERT_GE(t, 100U);
        sum += t - 100;
        if (t == 100) ++first_tick;
    }
    const double mean = (1 - q) / q;  // failures before the first success
    EXPECT_NEAR(sum / kDraws, mean, 5.0 * std::sqrt((1 - q) / (q * q) / kDraws));
    EXPECT_NEAR(static_cast<double>(first_tick) / kDraws, q, 5.0 * std::sqrt(q / kDraws));
    EXPECT_EQ(KindEventLaw::of({0.0}).event_tick_from(
                  5, *std::make_unique<engine::RandomStream>(1, StreamId::test_a, 0, 0)),
              kNeverTick);
}

// --- ensembles: event-driven against hourly -----------------------------------------------

Parameters blast_parameters() {
    Parameters p = testing::empty_marrow(1, 1, 1);
    p.blasts.birth_rate_per_day = 1.0;
    p.blasts.death_rate_per_day = 0.3;
    p.blasts.marrow_exchange_per_day = 0.1;
    return p;
}

/// 2,000 blasts scattered on 128^2 sites, CD19 10,000 each, grown for 3 days (crowding sets
/// in: divisions without room are part of the law compared).
std::unique_ptr<TissueBench> seed_blasts(const Parameters& p, std::uint64_t seed) {
    auto bench = std::make_unique<TissueBench>(128, p, seed);
    engine::RandomStream r(7, StreamId::test_a, 0, 0);
    int placed = 0;
    while (placed < 2000) {
        const auto site = static_cast<engine::SiteIndex>(r.below(bench->lattice.site_count()));
        if (!bench->layer.is_empty(site)) continue;
        bench->tissue.add(site, TissueColumns::Row{TissueKind::blast, 0, 10000.0F, 0.0F});
        ++placed;
    }
    return bench;
}

double blast_log_growth(TissueBench& bench, TissueFates fates) {
    bench.run_days(3.0, fates);
    return std::log(static_cast<double>(bench.count(TissueKind::blast)) / 2000.0);
}

constexpr int kRuns = 24;

TEST(TissueEvents, blast_net_growth_matches_the_hourly_rule) {
    const Parameters p = blast_parameters();
    const Make setup = [&](std::uint64_t seed) { return seed_blasts(p, seed); };
    const Estimate hourly = estimate(ensemble(kRuns, setup, [](TissueBench& b) {
        return blast_log_growth(b, TissueFates::hourly_reference);
    }));
    const Estimate events = estimate(ensemble(kRuns, setup, [](TissueBench& b) {
        return blast_log_growth(b, TissueFates::event_driven);
    }));
    const double z = z_of_difference(events, hourly);
    std::printf("blast ln growth over 3 days: hourly %.4f +- %.4f, events %.4f +- %.4f, z %.2f\n",
                hourly.mean, hourly.standard_error, events.mean, events.standard_error, z);
    EXPECT_LT(std::abs(z), kSameLaw);
    EXPECT_GT(hourly.mean, 1.0);  // grew (net 0.6 per day, slowed by crowding)

    // Negative control: divisions 5% more likely per tick in the event law only.
    const Estimate wrong = estimate(ensemble(
        kRuns, setup, [](TissueBench& b) { return blast_log_growth(b, TissueFates::event_driven); },
        [](TissueConstants& c) {
            c.blast_law =
                KindEventLaw::of({c.blast_death, c.blast_egress, c.blast_division * 1.05});
        }));
    const double z_wrong = z_of_difference(wrong, hourly);
    std::printf("  with divisions x1.05: %.4f +- %.4f, z %.2f\n", wrong.mean, wrong.standard_error,
                z_wrong);
    EXPECT_GT(std::abs(z_wrong), kSameLaw);
}

TEST(TissueEvents, daughter_cd19_inheritance_matches_the_hourly_rule) {
    const Parameters p = blast_parameters();
    const Make setup = [&](std::uint64_t seed) { return seed_blasts(p, seed); };
    // Mean square of ln(CD19 / 10,000) over the blasts at day 3: generations x jitter^2.
    auto spread = [](TissueFates fates) {
        return [fates](TissueBench& b) {
            b.run_days(3.0, fates);
            double ss = 0.0;
            double n = 0.0;
            for (engine::AgentSlot s = 0; s < b.tissue.slot_count(); ++s) {
                if (!b.tissue.alive(s)) continue;
                const double l = std::log(b.tissue.columns().cd19_molecules[s] / 10000.0);
                ss += l * l;
                n += 1.0;
            }
            return ss / n;
        };
    };
    const Estimate hourly = estimate(ensemble(kRuns, setup, spread(TissueFates::hourly_reference)));
    const Estimate events = estimate(ensemble(kRuns, setup, spread(TissueFates::event_driven)));
    const double z = z_of_difference(events, hourly);
    std::printf(
        "mean ln(CD19/CD19_0)^2 at day 3: hourly %.5f +- %.5f, events %.5f +- %.5f, z %.2f\n",
        hourly.mean, hourly.standard_error, events.mean, events.standard_error, z);
    EXPECT_LT(std::abs(z), kSameLaw);
    EXPECT_GT(hourly.mean, 0.005);  // daughters did inherit with jitter
}

/// 96^2 sites full of B cells (lifetime 2 days): deaths per day.
TEST(TissueEvents, b_cell_turnover_matches_the_hourly_rule) {
    Parameters p = testing::empty_marrow(1, 1, 1);
    p.b_cells.lifetime_days = 2.0;
    const Make setup = [&](std::uint64_t seed) {
        auto b = std::make_unique<TissueBench>(96, p, seed);
        for (engine::SiteIndex s = 0; s < b->lattice.site_count(); ++s) {
            b->tissue.add(s, TissueColumns::Row{TissueKind::b_cell, 0, 20000.0F, 0.0F});
        }
        return b;
    };
    auto deaths_per_day = [](TissueFates fates) {
        return [fates](TissueBench& b) {
            b.run_days(2.0, fates);
            return static_cast<double>(b.deaths) / 2.0;
        };
    };
    const Estimate hourly =
        estimate(ensemble(kRuns, setup, deaths_per_day(TissueFates::hourly_reference)));
    const Estimate events =
        estimate(ensemble(kRuns, setup, deaths_per_day(TissueFates::event_driven)));
    const double z = z_of_difference(events, hourly);
    std::printf("B-cell deaths per day: hourly %.1f +- %.1f, events %.1f +- %.1f, z %.2f\n",
                hourly.mean, hourly.standard_error, events.mean, events.standard_error, z);
    EXPECT_LT(std::abs(z), kSameLaw);
    // And the expectation: N (1 - (1 - p)^48) / 2 over 2 days.
    const double p_tick = 1.0 - std::exp(-kTickDays / 2.0);
    const double expected = 96.0 * 96.0 * (1.0 - std::pow(1.0 - p_tick, 48.0)) / 2.0;
    EXPECT_NEAR(hourly.mean, expected, 5.0 * hourly.standard_error + 1.0);

    // Negative control: B-cell deaths 3% more likely per tick in the event law only.
    const Estimate wrong = estimate(ensemble(
        kRuns, setup, deaths_per_day(TissueFates::event_driven),
        [](TissueConstants& c) { c.b_cell_law = KindEventLaw::of({c.b_cell_death * 1.03}); }));
    const double z_wrong = z_of_difference(wrong, hourly);
    std::printf("  with deaths x1.03: %.1f +- %.1f, z %.2f\n", wrong.mean, wrong.standard_error,
                z_wrong);
    EXPECT_GT(std::abs(z_wrong), kSameLaw);
}

/// 96^2 sites full of marrow cells: deaths and regeneration (only into the room deaths leave)
/// and B-cell production, of which a share comes from regenerations that found no room.
struct MarrowTurnover {
    double deaths_per_day;
    double regenerations_per_day;
    double b_cells_per_day;
};
MarrowTurnover marrow_turnover(TissueBench& b, TissueFates fates) {
    b.run_days(2.0, fates);
    return {static_cast<double>(b.deaths) / 2.0, static_cast<double>(b.births) / 2.0,
            static_cast<double>(b.count(TissueKind::b_cell)) / 2.0};
}

TEST(TissueEvents, marrow_cell_turnover_matches_the_hourly_rule) {
    Parameters p = testing::empty_marrow(1, 1, 1);
    p.marrow_cells.death_rate_per_day = 0.5;
    p.marrow_cells.regeneration_per_day = 3.0;
    p.b_cells.production_per_day = 0.5;  // B cells live for ever here: their count is the sum
    const Make setup = [&](std::uint64_t seed) {
        auto b = std::make_unique<TissueBench>(96, p, seed);
        for (engine::SiteIndex s = 0; s < b->lattice.site_count(); ++s) {
            b->tissue.add(s, TissueColumns::Row{});
        }
        return b;
    };
    struct Ensembles {
        Estimate deaths, regenerations, b_cells;
    };
    auto run = [&](TissueFates fates, const std::function<void(TissueConstants&)>& adjust) {
        std::vector<double> deaths, regenerations, b_cells;
        ensemble(
            kRuns, setup,
            [&](TissueBench& b) {
                const MarrowTurnover t = marrow_turnover(b, fates);
                deaths.push_back(t.deaths_per_day);
                regenerations.push_back(t.regenerations_per_day);
                b_cells.push_back(t.b_cells_per_day);
                return 0.0;
            },
            adjust);
        return Ensembles{estimate(deaths), estimate(regenerations), estimate(b_cells)};
    };
    const Ensembles hourly = run(TissueFates::hourly_reference, {});
    const Ensembles events = run(TissueFates::event_driven, {});
    const double z_deaths = z_of_difference(events.deaths, hourly.deaths);
    const double z_regenerations = z_of_difference(events.regenerations, hourly.regenerations);
    const double z_b = z_of_difference(events.b_cells, hourly.b_cells);
    std::printf(
        "marrow per day, hourly vs events: deaths %.1f +- %.1f vs %.1f +- %.1f (z %.2f); "
        "regenerations %.1f vs %.1f (z %.2f); B cells made %.1f +- %.1f vs %.1f +- %.1f "
        "(z %.2f)\n",
        hourly.deaths.mean, hourly.deaths.standard_error, events.deaths.mean,
        events.deaths.standard_error, z_deaths, hourly.regenerations.mean,
        events.regenerations.mean, z_regenerations, hourly.b_cells.mean,
        hourly.b_cells.standard_error, events.b_cells.mean, events.b_cells.standard_error, z_b);
    EXPECT_LT(std::abs(z_deaths), kSameLaw);
    EXPECT_LT(std::abs(z_regenerations), kSameLaw);
    EXPECT_LT(std::abs(z_b), kSameLaw);
    EXPECT_GT(hourly.regenerations.mean, 100.0);

    // Negative control: a regeneration that finds no room does not fall through to B-cell
    // production (the unconditioned third trial never succeeds).
    const Ensembles wrong = run(TissueFates::event_driven,
                                [](TissueConstants& c) { c.marrow_cell_law.chance[2] = 0.0; });
    const double z_wrong = z_of_difference(wrong.b_cells, hourly.b_cells);
    std::printf("  without the fall-through: B cells made %.1f +- %.1f, z %.2f\n",
                wrong.b_cells.mean, wrong.b_cells.standard_error, z_wrong);
    EXPECT_GT(std::abs(z_wrong), kSameLaw);
}

// --- determinism ----------------------------------------------------------------------------

/// Storage, every column: its order is a deterministic function of the run too.
std::uint64_t hash_of(const engine::Population<TissueColumns>& tissue) {
    engine::StateHasher hasher;
    hasher.add(tissue.ids());
    hasher.add(tissue.sites());
    TissueColumns::for_each_column(
        tissue.columns(), [&](std::string_view, const auto& column) { hasher.add(column); });
    return hasher.value();
}

/// The same state in any storage order gives the same hash (a restored population is stored in
/// id order, the original as its history left it).
std::uint64_t canonical_hash_of(const engine::Population<TissueColumns>& tissue) {
    engine::StateHasher hasher;
    engine::hash_population(hasher, tissue);
    return hasher.value();
}

/// Every kind turning over fast: blasts, marrow cells making B cells, B cells dying.
Parameters busy_marrow() {
    Parameters p = blast_parameters();
    p.marrow_cells.death_rate_per_day = 0.5;
    p.marrow_cells.regeneration_per_day = 3.0;
    p.b_cells.production_per_day = 0.5;
    p.b_cells.lifetime_days = 2.0;
    return p;
}

/// 70% of the sites: blasts and marrow cells, one to two.
void populate_busy(TissueBench& b) {
    engine::RandomStream r(9, StreamId::test_a, 0, 0);
    for (engine::SiteIndex s = 0; s < b.lattice.site_count(); ++s) {
        const double u = r.uniform();
        if (u < 0.3) continue;
        b.tissue.add(s, u < 0.5 ? TissueColumns::Row{TissueKind::blast, 0, 1e4F, 0.0F}
                                : TissueColumns::Row{});
    }
}

TEST(TissueEvents, determinism_identical_at_1_2_4_8_threads) {
    const Parameters p = busy_marrow();
    auto hashes = [&](int threads) {
        std::vector<std::uint64_t> out;
        engine::run_with_threads(threads, [&] {
            TissueBench b(96, p, 5);
            populate_busy(b);
            for (int k = 0; k < 96; ++k) {  // 4 days: sorts and compactions included
                b.tick(TissueFates::event_driven);
                if (k % 8 == 7) out.push_back(hash_of(b.tissue));
            }
        });
        return out;
    };
    const auto reference = hashes(1);
    EXPECT_EQ(reference, hashes(2));
    EXPECT_EQ(reference, hashes(4));
    EXPECT_EQ(reference, hashes(8));
}

/// A run restored mid-way (live cells in id order, columns with next events and undrawn
/// newcomers, into a fresh phase whose calendar is re-filed from them) continues exactly as the
/// original, whose storage holds dead slots and another order.
TEST(TissueEvents, determinism_restored_run_continues_bit_for_bit) {
    const Parameters p = busy_marrow();
    TissueBench original(64, p, 5);
    populate_busy(original);
    for (int k = 0; k < 37; ++k) original.tick(TissueFates::event_driven);
    TissueBench restored(64, p, 5);
    engine::SavedState saved;  // canonical: live cells in id order, whatever the storage
    engine::StateSaver(saved).population(std::as_const(original.tissue));
    engine::StateRestorer(saved).population(restored.tissue);
    restored.step = original.step;
    for (int k = 0; k < 60; ++k) {
        original.tick(TissueFates::event_driven);
        restored.tick(TissueFates::event_driven);
        ASSERT_EQ(canonical_hash_of(original.tissue), canonical_hash_of(restored.tissue))
            << "tick " << k;
    }
}

}  // namespace
}  // namespace cartsim::agents
