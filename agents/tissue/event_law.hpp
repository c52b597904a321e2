#pragma once
// A tissue cell's fates as events: the tissue rule draws up to three Bernoulli trials per tick
// in a fixed order (a blast: death, egress, division; a marrow cell: death, regeneration,
// B-cell production; a B cell: death), each with a chance per tick that is fixed for the run.
// The tick of the next tick on which any trial succeeds is geometric; on that tick the trials
// are drawn conditioned on at least one succeeding. That is the per-tick law exactly, so a
// cell is visited only when something happens (docs/MODEL.md "Tissue cells").

#include <array>
#include <initializer_list>

#include "agents/tissue/columns.hpp"
#include "engine/random.hpp"

namespace cartsim::agents {

/// The trials of one kind of cell per tick.
struct KindEventLaw {
    static constexpr int kMaxTrials = 3;
    std::array<double, kMaxTrials> chance{};  ///< per tick, in the order the rule draws them
    /// Chance of trial k given that the trials before it failed and one of k, k+1, ... succeeds.
    std::array<double, kMaxTrials> chance_given_event{};
    double any_per_tick = 0.0;       ///< chance that any trial succeeds in a tick
    double log_none_per_tick = 0.0;  ///< log(1 - any_per_tick), once (every event draws with it)

    static KindEventLaw of(std::initializer_list<double> chances);

    /// The first tick from `first` on with a successful trial (kNeverTick if none ever
    /// succeeds, or beyond the tick range).
    TissueTick event_tick_from(TissueTick first, engine::RandomStream& random) const;
};

/// The trials of one cell in one tick, drawn in the rule's order: plain Bernoulli draws (the
/// hourly rule, every cell every tick) or conditioned on the tick having an event (the
/// event-driven rule, at a cell's event tick). The rule reads the same either way.
class FateTrials {
  public:
    FateTrials(const KindEventLaw& law, engine::RandomStream& fate, bool given_event)
        : law_(&law), fate_(&fate), needs_success_(given_event) {}

    /// The outcome of the next trial.
    bool next() {
        const auto k = static_cast<std::size_t>(drawn_++);
        const double p = needs_success_ ? law_->chance_given_event[k] : law_->chance[k];
        const bool success = fate_->bernoulli(p);
        if (success) needs_success_ = false;
        return success;
    }

  private:
    const KindEventLaw* law_;
    engine::RandomStream* fate_;
    bool needs_success_;
    int drawn_ = 0;
};

}  // namespace cartsim::agents
