// A saved model state as bytes (engine/saved_state_bytes.hpp: how states travel between MPI
// ranks) restores the very state it came from; bytes that are not such a state are refused.

#include <gtest/gtest.h>

#include <cstddef>
#include <stdexcept>
#include <vector>

#include "agents/marrow_model.hpp"
#include "engine/saved_state_bytes.hpp"
#include "tests/agents/model_fixtures.hpp"

namespace cartsim::agents {
namespace {

TEST(SavedStateBytes, AModelRestoredFromTheBytesOfItsStateHasItsStateHashAndContinuesAlike) {
    Parameters p = testing::busy_window(16, 16, 16);
    p.car_t.dose_cells = 5e12;  // below what a restored state may hold in blood (1e13)
    MarrowModel model(p);
    for (int s = 0; s < 25; ++s) model.step();
    const std::vector<std::byte> bytes = engine::encode_saved_state(model.save_state());
    MarrowModel restored(p);
    restored.restore_state(engine::decode_saved_state(bytes));
    EXPECT_EQ(restored.state_hash(), model.state_hash());
    for (int s = 0; s < 10; ++s) {
        model.step();
        restored.step();
    }
    EXPECT_EQ(restored.state_hash(), model.state_hash());
    EXPECT_GT(model.car_t().live_count(), 0u);
}

TEST(SavedStateBytes, BytesThatAreNotAStateAreRefused) {
    const Parameters p = testing::busy_window(8, 8, 8);
    const MarrowModel model(p);
    const std::vector<std::byte> bytes = engine::encode_saved_state(model.save_state());
    const std::span<const std::byte> all(bytes);
    EXPECT_THROW(engine::decode_saved_state(all.first(bytes.size() - 1)), std::runtime_error);
    EXPECT_THROW(engine::decode_saved_state(all.first(5)), std::runtime_error);
    std::vector<std::byte> longer = bytes;
    longer.push_back(std::byte{0});
    EXPECT_THROW(engine::decode_saved_state(longer), std::runtime_error);
    std::vector<std::byte> marked = bytes;
    marked[0] = std::byte{'X'};
    EXPECT_THROW(engine::decode_saved_state(marked), std::runtime_error);
    EXPECT_NO_THROW(engine::decode_saved_state(bytes));
}

}  // namespace
}  // namespace cartsim::agents
