#pragma once
// The most worker threads a command accepts: kThreadsPerHardwareThread x the hardware threads.
// More than that only oversubscribes the node, and a typo such as --threads 65536 would start
// tens of thousands of threads and exhaust the process ids of a shared node.

#include <string_view>

namespace cartsim::cli {

inline constexpr int kThreadsPerHardwareThread = 16;

/// kThreadsPerHardwareThread x engine::hardware_threads().
int max_threads();

/// Throws UsageError naming `option` and the limit unless 1 <= threads <= max_threads().
void check_thread_count(std::string_view option, int threads);

}  // namespace cartsim::cli
