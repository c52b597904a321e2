#pragma once
// Which tissue cells the tissue phase visits at a tick: those whose next event falls on it
// (the next_event_tick column, filed in a time wheel), so the phase costs O(events), not
// O(cells). New cells (initial marrow, births, homing blasts, test hooks) get their first
// event drawn at the first tick after they appear.

#include <cstdint>
#include <span>
#include <vector>

#include "agents/tissue/columns.hpp"
#include "agents/tissue/constants.hpp"
#include "engine/event_calendar.hpp"
#include "engine/population.hpp"

namespace cartsim::agents {

class TissueSchedule {
  public:
    /// The live cells whose event falls on `tick` (in no particular order), after drawing the
    /// first event of every cell added since the last call. Storage renumbered since then
    /// (compaction, sort, restore) is re-filed from the column, so the calendar holds no state
    /// of its own: a restored model visits the same cells.
    std::span<const engine::AgentSlot> due_cells(engine::Population<TissueColumns>& tissue,
                                                 const TissueConstants& constants, TissueTick tick,
                                                 std::uint64_t seed, engine::Step step);

    /// Files the cells visited at this tick that are still alive under their next event tick
    /// (call after the sweep, before the commit renumbers anything).
    void file_survivors(const engine::Population<TissueColumns>& tissue);

  private:
    void rebuild(engine::Population<TissueColumns>& tissue, const TissueConstants& constants,
                 TissueTick tick, std::uint64_t seed, engine::Step step);
    void draw_first_event(engine::Population<TissueColumns>& tissue,
                          const TissueConstants& constants, engine::AgentSlot slot, TissueTick tick,
                          std::uint64_t seed, engine::Step step);

    /// ticks_of_due_[k]: the next event tick of due_[k]'s cell, kNever if it is dead.
    void read_ticks_of_due(const engine::Population<TissueColumns>& tissue);

    engine::EventCalendar calendar_;
    std::vector<engine::AgentSlot> due_;
    std::vector<TissueTick> ticks_of_due_;  // scratch: the next tick of each entry of due_
    std::uint64_t layout_version_ = 0;
    std::size_t known_slots_ = 0;
    bool built_ = false;
};

}  // namespace cartsim::agents
