#pragma once
// The step written out as data: an ordered list of phases, each on its own clock.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/types.hpp"

namespace cartsim::engine {

/// A phase runs on fine steps where (step % period_steps) == offset_steps. Mobile agents use
/// period 1 (every fine step); tissue agents a coarse period, so their cost follows their own
/// clock rather than the fine step.
struct Phase {
    std::string name;
    std::string description;
    std::uint64_t period_steps = 1;
    std::uint64_t offset_steps = 0;
    std::function<void(Step)> run;

    bool due(Step step) const { return step % period_steps == offset_steps; }
};

class Scheduler {
  public:
    explicit Scheduler(double fine_step_min) : fine_step_min_(fine_step_min) {}

    /// Appends a phase; phases run in the order they were added. Throws std::invalid_argument
    /// for a zero period, an offset not below the period, or a duplicate name.
    void add(Phase phase);

    /// Runs every phase due at `step`, in order.
    void run_step(Step step) const {
        for (const Phase& phase : phases_) {
            if (phase.due(step)) phase.run(step);
        }
    }

    const std::vector<Phase>& phases() const { return phases_; }
    double fine_step_min() const { return fine_step_min_; }

    /// A table of the phases: order, name, clock and description.
    std::string describe() const;

  private:
    double fine_step_min_;
    std::vector<Phase> phases_;
};

}  // namespace cartsim::engine
