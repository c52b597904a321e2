// (g) The model is bitwise deterministic across thread counts (state hash after every day).

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace cartsim::agents
