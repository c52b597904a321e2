#pragma once
// The engine owns parallelism: model code never creates threads or takes locks.

#include <functional>

namespace cartsim::engine {

/// Number of hardware threads oneTBB would use by default.
int hardware_threads();

/// Runs `work` with exactly `threads` worker threads available to every parallel algorithm it
/// calls (oneTBB task arena, with the global limit raised to match). threads >= 1; may exceed
/// the number of cores (useful to test that results do not depend on it).
void run_with_threads(int threads, const std::function<void()>& work);

}  // namespace cartsim::engine
