// The blood phase (agents/blood/phase.cpp): each entering CAR-T cell draws its vessel site and
// direction from its own stream, so where one cell enters never depends on the crowding met by
// the cells that entered before it (a requirement for placing entries tile by tile when the
// lattice is split between workers).

#include <gtest/gtest.h>

#include <algorithm>
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

}  // namespace
}  // namespace cartsim::agents
