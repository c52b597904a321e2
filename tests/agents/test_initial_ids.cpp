// The initial marrow is numbered tile by tile (engine/agent_id.hpp): each cell's id names the tile
// of its site, and within a tile the sequences run 0, 1, 2, ... in ascending site order. So any
// owner of a tile (a thread now, a rank later) can place its own cells and give them the ids a
// whole-lattice placement gives, without knowing any other tile.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <vector>

#include "agents/marrow_model.hpp"

namespace cartsim::agents {
namespace {

void expect_numbered_per_tile_in_site_order(const Parameters& p) {
    const MarrowModel model(p);
    const auto& tissue = model.tissue();
    const engine::AgentIdLayout& ids = tissue.id_layout();
    ASSERT_GT(tissue.live_count(), 1000u);
    // Sites of each tile in ascending order, and the id given to each.
    std::map<engine::TileIndex, std::map<engine::SiteIndex, engine::AgentId>> by_tile;
    for (engine::AgentSlot slot = 0; slot < tissue.slot_count(); ++slot) {
        by_tile[model.grid().tile_of(tissue.site(slot))][tissue.site(slot)] = tissue.id(slot);
    }
    for (const auto& [tile, cells] : by_tile) {
        std::uint64_t sequence = 0;
        for (const auto& [site, id] : cells) {
            ASSERT_EQ(ids.tile_of(id), tile) << "site " << site;
            ASSERT_EQ(ids.sequence_of(id), sequence++) << "site " << site << " of tile " << tile;
        }
        EXPECT_EQ(tissue.ids_issued_by_tile()[tile], cells.size()) << "tile " << tile;
    }
}

TEST(InitialIds, InitialMarrowIsNumberedPerTileInSiteOrder2D) {
    Parameters p;
    p.space.nx = p.space.ny = 64;
    p.space.nz = 1;
    expect_numbered_per_tile_in_site_order(p);
}

TEST(InitialIds, InitialMarrowIsNumberedPerTileInSiteOrder3D) {
    Parameters p;
    p.space.nx = p.space.ny = p.space.nz = 24;
    expect_numbered_per_tile_in_site_order(p);
}

}  // namespace
}  // namespace cartsim::agents
