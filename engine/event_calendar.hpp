#pragma once
// A calendar of agents' next events by tick (a time wheel): agents whose events fall due are
// taken out tick by tick, so a sweep over them costs O(events), not O(agents). No biology.

#include <cstdint>
#include <utility>
#include <vector>

#include "engine/types.hpp"

namespace cartsim::engine {

/// Slots by the tick of their next event. Ticks within the wheel's window go to one bucket per
/// tick; later ones wait in a far list that is scanned once per half window. Entries are not
/// removed when an agent dies or storage moves: the owner validates what take_due() returns
/// and rebuilds the calendar (reset() and schedule()) after storage is reordered.
class EventCalendar {
  public:
    using Tick = std::uint32_t;
    static constexpr Tick kNever = ~Tick{0};
    static constexpr Tick kWheelTicks = 1024;

    EventCalendar() : wheel_(kWheelTicks) {}

    /// Empties the calendar; the next tick to be taken is `tick`.
    void reset(Tick tick) {
        for (auto& bucket : wheel_) bucket.clear();
        far_.clear();
        next_ = tick;
        window_end_ = tick + kWheelTicks;
    }

    /// Files `slot` under `tick` (>= the next tick to be taken; kNever files nothing).
    void schedule(AgentSlot slot, Tick tick) {
        if (tick == kNever) return;
        if (tick < window_end_) {
            wheel_[tick % kWheelTicks].push_back(slot);
        } else {
            far_.emplace_back(tick, slot);
        }
    }

    /// The slots filed under `tick` (in filing order), which must be the next tick to be
    /// taken or later; ticks skipped over must hold nothing.
    void take_due(Tick tick, std::vector<AgentSlot>& due) {
        next_ = tick + 1;
        if (window_end_ <= tick + kWheelTicks / 2) pull_far(tick);
        due.swap(wheel_[tick % kWheelTicks]);
        wheel_[tick % kWheelTicks].clear();
    }

    Tick next_tick() const { return next_; }

  private:
    // Moves far entries that now fall inside a full window from `tick` into the wheel.
    void pull_far(Tick tick) {
        window_end_ = tick + kWheelTicks;
        std::size_t kept = 0;
        for (const auto& [when, slot] : far_) {
            if (when < window_end_) {
                wheel_[when % kWheelTicks].push_back(slot);
            } else {
                far_[kept++] = {when, slot};
            }
        }
        far_.resize(kept);
    }

    std::vector<std::vector<AgentSlot>> wheel_;
    std::vector<std::pair<Tick, AgentSlot>> far_;
    Tick next_ = 0;
    Tick window_end_ = kWheelTicks;
};

}  // namespace cartsim::engine
