// The blood phase (agents/blood/phase.cpp): each entering CAR-T cell draws its vessel site and
// direction from its own stream, so where one cell enters never depends on the crowding met by
// the cells that entered before it (a requirement for placing entries tile by tile when the
// lattice is split between workers). How many cells of each bin enter is drawn as one binomial
// over the blood and a pick without replacement across the bins: jointly the same as one
// binomial per bin, which the tests below check on the entries themselves.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include "agents/blood/phase.hpp"
#include "agents/population_tags.hpp"

namespace cartsim::agents {
namespace {

struct Window {
    engine::Lattice lattice{40, 40, 1, engine::Boundary::reflective};
    Vessels vessels{lattice, 0.05, 7};
    engine::OccupancyLayer layer{lattice.site_count()};
    engine::Population<CarTColumns> car_t{"car_t", kCarTTag, layer, 1};
    CarTPool blood;

    // The entered cells by (site -> direction); every entry of a step is a new slot.
    std::map<engine::SiteIndex, std::uint8_t> entered(std::size_t from_slot) const {
        std::map<engine::SiteIndex, std::uint8_t> out;
        for (std::size_t s = from_slot; s < car_t.slot_count(); ++s) {
            const auto slot = static_cast<engine::AgentSlot>(s);
            out[car_t.site(slot)] = car_t.columns().direction[slot];
        }
        return out;
    }
};

BloodView view_of(Window& w, double enter) {
    return {w.blood, w.car_t, w.layer, w.lattice, w.vessels, enter, 2024};
}

TEST(BloodEntry, AnEntryDoesNotDependOnTheCrowdingMetByEarlierEntries) {
    const std::size_t bin = CarTPool::bin(CarTState::effector, 0, 0);
    // The reference: an empty window; 40 cells enter at once.
    Window free;
    free.blood.count[bin] = 40;
    blood_step(view_of(free, 1.0), 5);
    const auto reference = free.entered(0);
    ASSERT_GE(reference.size(), 30U) << "most of the cells should find room";

    // The same step with the first cell's vessel site and its whole neighbourhood taken: that
    // cell stays in blood. Fill around the site the first entry chose.
    Window crowded;
    crowded.blood.count[bin] = 40;
    Window probe;  // which site does entry 0 pick? One cell entering alone.
    probe.blood.count[bin] = 1;
    blood_step(view_of(probe, 1.0), 5);
    ASSERT_EQ(probe.car_t.slot_count(), 1U);
    const engine::SiteIndex first = probe.car_t.site(0);
    std::array<engine::SiteIndex, 26> around{};
    const int n = crowded.lattice.neighbors(first, engine::Neighborhood::moore, around);
    std::vector<engine::SiteIndex> blocked{first};
    blocked.insert(blocked.end(), around.begin(), around.begin() + n);
    for (const engine::SiteIndex s : blocked) crowded.car_t.add(s, CarTColumns::Row{});
    const std::size_t blockers = crowded.car_t.slot_count();
    blood_step(view_of(crowded, 1.0), 5);
    const auto after = crowded.entered(blockers);

    // Every cell whose place in the free window lies outside the blocked sites enters the
    // crowded one at the same place, facing the same way. (A few may differ: a cell pushed off
    // a blocked site takes a free neighbour that a later cell would have taken.)
    std::size_t expected = 0;
    std::size_t same = 0;
    for (const auto& [site, direction] : reference) {
        if (std::find(blocked.begin(), blocked.end(), site) != blocked.end()) continue;
        ++expected;
        const auto it = after.find(site);
        if (it != after.end() && it->second == direction) ++same;
    }
    EXPECT_GE(same + 3, expected) << "entries moved after the first one was crowded out";
    EXPECT_EQ(crowded.blood.count[bin] + after.size(), 40U) << "cells lost or created";
    EXPECT_GE(crowded.blood.count[bin], 1U) << "the crowded-out cell stays in blood";
}

// Per bin: how many cells left the blood in one step of a fresh window.
std::array<double, 3> entered_per_bin(const std::array<std::size_t, 3>& bins,
                                      const std::array<std::uint64_t, 3>& counts, double enter,
                                      engine::Step step) {
    Window w;
    for (std::size_t i = 0; i < 3; ++i) w.blood.count[bins[i]] = counts[i];
    blood_step(view_of(w, enter), step);
    std::array<double, 3> out{};
    for (std::size_t i = 0; i < 3; ++i) {
        out[i] = static_cast<double>(counts[i] - w.blood.count[bins[i]]);
    }
    return out;
}

TEST(BloodEntry, EveryCellEntersOnceWhenAllEnter) {
    // Chance 1: every cell is picked exactly once, from the first bin to the last.
    Window w;
    const std::array<std::size_t, 3> bins{0, CarTPool::bin(CarTState::memory, 3, 50),
                                          CarTPool::kBins - 1};
    const std::array<std::uint64_t, 3> counts{5, 7, 3};
    for (std::size_t i = 0; i < 3; ++i) w.blood.count[bins[i]] = counts[i];
    blood_step(view_of(w, 1.0), 11);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(w.blood.count[bins[i]], 0U) << "bin " << bins[i];
    ASSERT_EQ(w.car_t.slot_count(), 15U);
    std::array<int, kCarTStateCount> by_state{};
    for (std::size_t s = 0; s < w.car_t.slot_count(); ++s) {
        ++by_state[static_cast<int>(w.car_t.columns().state[static_cast<engine::AgentSlot>(s)])];
    }
    EXPECT_EQ(by_state[static_cast<int>(CarTState::resting)], 5);
    EXPECT_EQ(by_state[static_cast<int>(CarTState::memory)], 7);
    EXPECT_EQ(by_state[static_cast<int>(CarTState::exhausted)], 3);
}

TEST(BloodEntry, EachBinEntersAsItsOwnBinomial) {
    // Over 2,000 steps (independent streams): each bin's entries have the mean and variance of
    // Binomial(count, chance), and two bins' entries are uncorrelated, as independent draws per
    // bin would give. Bounds are 5 standard errors.
    const std::array<std::size_t, 3> bins{CarTPool::bin(CarTState::effector, 0, 0),
                                          CarTPool::bin(CarTState::memory, 2, 40),
                                          CarTPool::bin(CarTState::exhausted, 7, 120)};
    const std::array<std::uint64_t, 3> counts{2'000'000, 500'000, 20'000};
    const double chance = 4e-6;  // means 8, 2 and 0.08 a step
    constexpr int kSteps = 2000;
    std::array<double, 3> sum{};
    std::array<double, 3> sum_sq{};
    double sum_01 = 0.0;
    for (int step = 0; step < kSteps; ++step) {
        const auto n = entered_per_bin(bins, counts, chance, step);
        for (std::size_t i = 0; i < 3; ++i) {
            sum[i] += n[i];
            sum_sq[i] += n[i] * n[i];
        }
        sum_01 += n[0] * n[1];
    }
    std::array<double, 3> mean{};
    std::array<double, 3> variance{};
    for (std::size_t i = 0; i < 3; ++i) {
        const double expected = static_cast<double>(counts[i]) * chance;
        mean[i] = sum[i] / kSteps;
        variance[i] = sum_sq[i] / kSteps - mean[i] * mean[i];
        EXPECT_NEAR(mean[i], expected, 5.0 * std::sqrt(expected / kSteps) + 1e-3) << "bin " << i;
        // Poisson-like: the sample variance's standard error is ~sqrt((2 m^2 + m) / steps).
        EXPECT_NEAR(variance[i], expected,
                    5.0 * std::sqrt((2.0 * expected * expected + expected) / kSteps) + 1e-3)
            << "bin " << i;
    }
    const double correlation =
        (sum_01 / kSteps - mean[0] * mean[1]) / std::sqrt(variance[0] * variance[1]);
    EXPECT_LT(std::abs(correlation), 5.0 / std::sqrt(double{kSteps}));
}

}  // namespace
}  // namespace cartsim::agents
