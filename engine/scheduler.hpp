#pragma once
// The step written out as data: an ordered list of phases, each on its own clock.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
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
    /// Each phase's wall time (its sync point included) is added to phase_seconds().
    void run_step(Step step) const {
        for (std::size_t k = 0; k < phases_.size(); ++k) {
            const Phase& phase = phases_[k];
            if (!phase.due(step)) continue;
            const auto start = std::chrono::steady_clock::now();
            phase.run(step);
            if (domain_ != nullptr) domain_->after_phase();
            phase_seconds_[k] +=
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        }
    }
    /// Agents committed in a phase reach the other ranks holding their sites at the phase's
    /// end (engine/virtual_ranks.hpp); a no-op on one rank. `domain` must outlive this.
    void sync_with(const Domain& domain) { domain_ = &domain; }

    const std::vector<Phase>& phases() const { return phases_; }
    double fine_step_min() const { return fine_step_min_; }

    /// A table of the phases: order, name, clock and description.
    std::string describe() const;

    /// Wall seconds spent in each phase (in the order of phases()) since construction or the
    /// last reset: where a run's time goes, by phase (`cartsim run --verbose`, benchmarks). A
    /// measurement only: nothing in the model reads it.
    const std::vector<double>& phase_seconds() const { return phase_seconds_; }
    void reset_phase_seconds() { std::fill(phase_seconds_.begin(), phase_seconds_.end(), 0.0); }
    /// Adds earlier phase seconds (of the same phases) to these: a model rebuilt mid-run (MPI
    /// ranks rebalancing) keeps counting where its predecessor stopped. A measurement only,
    /// hence const like the timing itself.
    void add_phase_seconds(std::span<const double> earlier) const {
        for (std::size_t k = 0; k < phase_seconds_.size() && k < earlier.size(); ++k) {
            phase_seconds_[k] += earlier[k];
        }
    }
    /// One line: each phase's seconds and share of `total_seconds` (e.g. the run loop's wall
    /// time), in the order the phases run, and what the phases leave to the rest.
    std::string describe_time(double total_seconds) const;

  private:
    double fine_step_min_;
    std::vector<Phase> phases_;
    mutable std::vector<double> phase_seconds_;
    const Domain* domain_ = nullptr;
};

}  // namespace cartsim::engine
