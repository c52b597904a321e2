#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "engine/event_calendar.hpp"

namespace cartsim::engine {
namespace {

/// Every slot comes out at its tick, near or far beyond the wheel, and only then.
TEST(EventCalendar, slots_come_out_at_their_ticks) {
    EventCalendar calendar;
    calendar.reset(10);
    std::mt19937 random(3);
    std::vector<EventCalendar::Tick> tick_of(20000);
    for (AgentSlot s = 0; s < tick_of.size(); ++s) {
        tick_of[s] =
            10 + static_cast<EventCalendar::Tick>(random() % (5 * EventCalendar::kWheelTicks));
        calendar.schedule(s, tick_of[s]);
    }
    calendar.schedule(static_cast<AgentSlot>(tick_of.size()), EventCalendar::kNever);
    std::vector<AgentSlot> due;
    std::size_t seen = 0;
    for (EventCalendar::Tick t = 10; t < 10 + 5 * EventCalendar::kWheelTicks; ++t) {
        calendar.take_due(t, due);
        for (const AgentSlot s : due) {
            ASSERT_LT(s, tick_of.size());
            EXPECT_EQ(tick_of[s], t);
            // Re-filed for later, as an agent that survives its event is.
            if (s % 2 == 0) {
                tick_of[s] = t + 1 + s % 3000U;
                calendar.schedule(s, tick_of[s]);
            } else {
                ++seen;
            }
        }
        EXPECT_EQ(calendar.next_tick(), t + 1);
    }
    EXPECT_EQ(seen, tick_of.size() / 2);
}

TEST(EventCalendar, reset_forgets_everything) {
    EventCalendar calendar;
    calendar.reset(0);
    calendar.schedule(1, 0);
    calendar.schedule(2, 5000);
    calendar.reset(0);
    std::vector<AgentSlot> due;
    for (EventCalendar::Tick t = 0; t < 6000; ++t) {
        calendar.take_due(t, due);
        EXPECT_TRUE(due.empty());
    }
}

}  // namespace
}  // namespace cartsim::engine
