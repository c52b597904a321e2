// (g) The model is bitwise deterministic across thread counts (state hash after every day).

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "agents/marrow_model.hpp"
#include "engine/parallelism.hpp"

namespace cartsim::agents {
namespace {

std::vector<std::uint64_t> daily_hashes(const Parameters& p, int threads, int days) {
    std::vector<std::uint64_t> hashes;
    engine::run_with_threads(threads, [&] {
        MarrowModel model(p);
        const auto steps_per_day = static_cast<long>(1.0 / model.fine_step_days() + 0.5);
        for (int d = 0; d < days; ++d) {
            for (long s = 0; s < steps_per_day; ++s) model.step();
            hashes.push_back(model.state_hash());
        }
        EXPECT_GT(model.observe().kills_blasts, 0.0);  // the run did something
    });
    return hashes;
}

TEST(ModelDeterminism, determinism_model_identical_at_1_2_4_threads) {
    Parameters p;
    p.space.nx = p.space.ny = p.space.nz = 32;
    p.car_t.dose_cells = 1e11;
    const auto reference = daily_hashes(p, 1, 4);
    EXPECT_EQ(reference, daily_hashes(p, 2, 4));
    EXPECT_EQ(reference, daily_hashes(p, 4, 4));
}

// A model restored from a saved state (mid field and tissue periods, with lysis IL-6 pending)
// continues exactly as the original, at another thread count.
TEST(ModelDeterminism, determinism_restored_state_continues_bit_for_bit) {
    Parameters p;
    p.space.nx = p.space.ny = p.space.nz = 32;
    p.car_t.dose_cells = 1e11;
    const engine::Step save_step = 1440 + 17;  // not a multiple of the tissue/field periods
    const engine::Step end_step = save_step + 1440;
    engine::SavedState saved;
    std::vector<std::uint64_t> original_hashes;
    engine::run_with_threads(1, [&] {
        MarrowModel model(p);
        while (model.current_step() < save_step) model.step();
        saved = model.save_state();
        while (model.current_step() < end_step) {
            model.step();
            original_hashes.push_back(model.state_hash());
        }
    });
    ASSERT_GT(saved.find_population("car_t")->ids.size(), 0u);
    double pending_release = 0.0;
    for (const double pg : saved.values<double>("cytokines", "il6_release")) pending_release += pg;
    ASSERT_GT(pending_release, 0.0) << "the save point should fall while lysis IL-6 is pending";
    std::vector<std::uint64_t> restored_hashes;
    engine::run_with_threads(2, [&] {
        MarrowModel model(p);
        model.step();  // a different history, to be replaced
        model.restore_state(saved);
        EXPECT_EQ(model.current_step(), save_step);
        while (model.current_step() < end_step) {
            model.step();
            restored_hashes.push_back(model.state_hash());
        }
    });
    EXPECT_EQ(original_hashes, restored_hashes);
}

TEST(ModelDeterminism, restore_rejects_state_of_another_lattice) {
    Parameters small;
    small.space.nx = small.space.ny = small.space.nz = 16;
    Parameters large = small;
    large.space.nx = 24;
    const engine::SavedState state = MarrowModel(large).save_state();
    MarrowModel model(small);
    EXPECT_THROW(model.restore_state(state), std::invalid_argument);
}

// A step counter past the last 32-bit tissue tick would wrap the tick the restore check uses
// (found by the checkpoint_restore fuzzer): refused, naming the step.
TEST(ModelDeterminism, restore_rejects_a_step_past_the_last_tissue_tick) {
    Parameters p;
    p.space.nx = p.space.ny = 16;
    p.space.nz = 1;
    engine::SavedState state = MarrowModel(p).save_state();
    bool found = false;
    for (engine::SavedArray& a : state.arrays) {
        if (a.group.empty() && a.name == "step") {
            std::get<std::vector<std::uint64_t>>(a.values).at(0) = ~std::uint64_t{0} - 10;
            found = true;
        }
    }
    ASSERT_TRUE(found);
    MarrowModel model(p);
    try {
        model.restore_state(state);
        FAIL() << "a step past the last tissue tick was accepted";
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("state step"), std::string::npos) << error.what();
    }
}

}  // namespace
}  // namespace cartsim::agents
