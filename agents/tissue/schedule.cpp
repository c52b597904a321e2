#include "agents/tissue/schedule.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "engine/parallel_for.hpp"

namespace cartsim::agents {

using engine::AgentSlot;

void TissueSchedule::draw_first_event(engine::Population<TissueColumns>& tissue,
                                      const TissueConstants& constants, AgentSlot slot,
                                      TissueTick tick, std::uint64_t seed, engine::Step step) {
    auto& cells = tissue.columns();
    engine::RandomStream random(seed, StreamId::tissue_first_event, step, tissue.id(slot));
    // A new cell's first trial is at the first tick after it appeared: this one.
    cells.next_event_tick[slot] = constants.law_of(cells.kind[slot]).event_tick_from(tick, random);
}

void TissueSchedule::rebuild(engine::Population<TissueColumns>& tissue,
                             const TissueConstants& constants, TissueTick tick, std::uint64_t seed,
                             engine::Step step) {
    calendar_.reset(tick);
    const auto& next = tissue.columns().next_event_tick;
    // Each draw depends on its cell only: in parallel (all of the initial marrow at tick 0).
    engine::parallel_for_chunks(
        tissue.slot_count(), engine::kSlotChunk, [&](std::size_t begin, std::size_t end) {
            for (std::size_t k = begin; k < end; ++k) {
                const auto slot = static_cast<AgentSlot>(k);
                if (tissue.alive(slot) && next[slot] == kUndrawnTick) {
                    draw_first_event(tissue, constants, slot, tick, seed, step);
                }
            }
        });
    for (AgentSlot slot = 0; slot < tissue.slot_count(); ++slot) {
        if (!tissue.alive(slot)) continue;
        if (next[slot] < tick) {
            throw std::logic_error(
                fmt::format("tissue cell {}: next event at tick {}, before tick {}",
                            tissue.id(slot), next[slot], tick));
        }
        calendar_.schedule(slot, next[slot]);
    }
    known_slots_ = tissue.slot_count();
    layout_version_ = tissue.layout_version();
    built_ = true;
}

std::span<const AgentSlot> TissueSchedule::due_cells(engine::Population<TissueColumns>& tissue,
                                                     const TissueConstants& constants,
                                                     TissueTick tick, std::uint64_t seed,
                                                     engine::Step step) {
    if (!built_ || tissue.layout_version() != layout_version_ || calendar_.next_tick() != tick) {
        rebuild(tissue, constants, tick, seed, step);
    } else {
        // Slots appended since the last tick: births and cells added by sequential code.
        const auto& next = tissue.columns().next_event_tick;
        for (auto slot = static_cast<AgentSlot>(known_slots_); slot < tissue.slot_count(); ++slot) {
            if (!tissue.alive(slot) || next[slot] != kUndrawnTick) continue;
            draw_first_event(tissue, constants, slot, tick, seed, step);
            calendar_.schedule(slot, next[slot]);
        }
        known_slots_ = tissue.slot_count();
    }
    calendar_.take_due(tick, due_);
    // Entries of cells that died since they were filed are left behind here.
    read_ticks_of_due(tissue);
    std::size_t kept = 0;
    for (std::size_t k = 0; k < due_.size(); ++k) {
        if (ticks_of_due_[k] == tick) due_[kept++] = due_[k];
    }
    due_.resize(kept);
    return due_;
}

void TissueSchedule::file_survivors(const engine::Population<TissueColumns>& tissue) {
    read_ticks_of_due(tissue);  // the survivors' next ticks (kNever files nothing)
    for (std::size_t k = 0; k < due_.size(); ++k) calendar_.schedule(due_[k], ticks_of_due_[k]);
}

void TissueSchedule::read_ticks_of_due(const engine::Population<TissueColumns>& tissue) {
    // Random reads of each entry's cell, in parallel; callers then read the results in
    // sequence.
    const auto& next = tissue.columns().next_event_tick;
    ticks_of_due_.resize(due_.size());
    engine::parallel_for_chunks(
        due_.size(), engine::kSlotChunk, [&](std::size_t begin, std::size_t end) {
            for (std::size_t k = begin; k < end; ++k) {
                const AgentSlot slot = due_[k];
                ticks_of_due_[k] = tissue.alive(slot) ? next[slot] : engine::EventCalendar::kNever;
            }
        });
}

}  // namespace cartsim::agents
