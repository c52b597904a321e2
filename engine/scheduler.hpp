#pragma once
// The step written out as data: an ordered list of phases, each on its own clock.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/domain.hpp"
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

    /// Runs every phase due at `step`, in order; after each, the sync point of the domain given
    /// to sync_with() (if any).
    void run_step(Step step) const {
        for (const Phase& phase : phases_) {
            if (!phase.due(step)) continue;
            phase.run(step);
            if (domain_ != nullptr) domain_->after_phase();
        }
    }
    /// Agents committed in a phase reach the other ranks holding their sites at the phase's
    /// end (engine/virtual_ranks.hpp); a no-op on one rank. `domain` must outlive this.
    void sync_with(const Domain& domain) { domain_ = &domain; }

    const std::vector<Phase>& phases() const { return phases_; }
    double fine_step_min() const { return fine_step_min_; }

    /// A table of the phases: order, name, clock and description.
    std::string describe() const;

  private:
    double fine_step_min_;
    std::vector<Phase> phases_;
    const Domain* domain_ = nullptr;
};

}  // namespace cartsim::engine
