#include "engine/parallelism.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>

#include <stdexcept>
#include <string>

namespace cartsim::engine {

int hardware_threads() {
    return tbb::info::default_concurrency();
}

void run_with_threads(int threads, const std::function<void()>& work) {
    if (threads < 1) {
        throw std::invalid_argument("thread count must be >= 1, got " + std::to_string(threads));
    }
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                              static_cast<std::size_t>(threads));
    tbb::task_arena arena(threads);
    arena.execute(work);
}

}  // namespace cartsim::engine
