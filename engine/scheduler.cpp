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
    phase_seconds_.push_back(0.0);
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

std::string Scheduler::describe_time(double total_seconds) const {
    const double share = total_seconds > 0.0 ? 100.0 / total_seconds : 0.0;
    std::string out;
    double in_phases = 0.0;
    for (std::size_t k = 0; k < phases_.size(); ++k) {
        out += fmt::format("{}{} {:.2f} s ({:.0f}%)", k == 0 ? "" : ", ", phases_[k].name,
                           phase_seconds_[k], phase_seconds_[k] * share);
        in_phases += phase_seconds_[k];
    }
    const double rest = std::max(0.0, total_seconds - in_phases);
    out += fmt::format("; outside the phases {:.2f} s ({:.0f}%)", rest, rest * share);
    return out;
}

}  // namespace cartsim::engine
