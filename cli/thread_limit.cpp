#include "cli/thread_limit.hpp"

#include <fmt/format.h>

#include "cli/run_simulation.hpp"
#include "engine/parallelism.hpp"

namespace cartsim::cli {

int max_threads() {
    return kThreadsPerHardwareThread * engine::hardware_threads();
}

void check_thread_count(std::string_view option, int threads) {
    if (threads < 1) throw UsageError(fmt::format("{} must be >= 1, got {}", option, threads));
    if (threads > max_threads()) {
        throw UsageError(fmt::format(
            "{} {} is more than the limit of {} ({} x the {} hardware threads of this machine)",
            option, threads, max_threads(), kThreadsPerHardwareThread, engine::hardware_threads()));
    }
}

}  // namespace cartsim::cli
