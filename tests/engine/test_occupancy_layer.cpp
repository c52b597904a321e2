#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "engine/occupancy_layer.hpp"
#include "engine/random.hpp"

namespace cartsim::engine {
namespace {

constexpr std::uint64_t kSites = 1000;  // not a multiple of 64: the last word is partial

bool never_free(SiteIndex site) {
    return site % 7 == 3;
}

void expect_free_bits_follow_the_handles(const OccupancyLayer& layer) {
    for (SiteIndex site = 0; site < kSites; ++site) {
        ASSERT_EQ(layer.is_free(site), layer.is_empty(site) && !never_free(site))
            << "site " << site;
    }
}

TEST(OccupancyLayer, FreeSiteBitsFollowEveryWrite) {
    OccupancyLayer layer(kSites);
    EXPECT_FALSE(layer.tracks_free_sites());
    // Sites occupied before tracking starts are not free.
    layer.place(5, AgentHandle(1, 5));
    layer.place(64, AgentHandle::pending());
    layer.track_free_sites(never_free);
    ASSERT_TRUE(layer.tracks_free_sites());
    expect_free_bits_follow_the_handles(layer);

    RandomStream random(7, StreamId::test_a, 0, 0);
    AgentSlot next_slot = 0;
    for (int op = 0; op < 20000; ++op) {
        const auto site = static_cast<SiteIndex>(random.below(kSites));
        const auto other = static_cast<SiteIndex>(random.below(kSites));
        switch (random.below(5)) {
            case 0:
                if (layer.is_empty(site) || layer.at(site).is_pending()) {
                    layer.place(site, AgentHandle(0, next_slot++));
                }
                break;
            case 1:
                if (layer.is_empty(site)) layer.place(site, AgentHandle::pending());
                break;
            case 2:
                layer.clear(site);
                break;
            case 3:  // compaction follows a slot; may also write an empty handle
                layer.reassign(site, random.below(2) == 0 ? AgentHandle::empty()
                                                          : AgentHandle(2, next_slot++));
                break;
            case 4:
                if (site != other && !layer.is_empty(site) && layer.is_empty(other)) {
                    layer.move(site, other);
                }
                break;
        }
        if (op % 97 == 0) expect_free_bits_follow_the_handles(layer);
    }
    expect_free_bits_follow_the_handles(layer);
}

}  // namespace
}  // namespace cartsim::engine
