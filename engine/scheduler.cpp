#include "engine/scheduler.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace cartsim::engine {

void Scheduler::add(Phase phase) {
    if (phase.period_steps == 0) {
        throw std::invalid_argument(
            fmt::format("phase '{}': period must be >= 1 step", phase.name));
    }
    if (phase.offset_steps >= phase.period_steps) {
        throw std::invalid_argument(fmt::format("phase '{}': offset {} must be below period {}",
                                                phase.name, phase.offset_steps,
                                                phase.period_steps));
    }
    for (const Phase& existing : phases_) {
        if (existing.name == phase.name) {
            throw std::invalid_argument(fmt::format("phase '{}' added twice", phase.name));
        }
    }
    phases_.push_back(std::move(phase));
}

std::string Scheduler::describe() const {
    std::string out = fmt::format("step = {} min; phases in order:\n", fine_step_min_);
    int index = 1;
    for (const Phase& phase : phases_) {
        const std::string clock =
            phase.period_steps == 1
                ? std::string("every step")
                : fmt::format("every {} steps ({} min), offset {}", phase.period_steps,
                              static_cast<double>(phase.period_steps) * fine_step_min_,
                              phase.offset_steps);
        out += fmt::format("  {:>2}. {:<24} {:<36} {}\n", index++, phase.name, clock,
                           phase.description);
    }
    return out;
}

}  // namespace cartsim::engine
