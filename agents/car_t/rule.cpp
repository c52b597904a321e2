#include "agents/car_t/rule.hpp"

#include <algorithm>

#include "agents/car_t/antigen_binding.hpp"
#include "agents/car_t/exhaustion.hpp"

namespace cartsim::agents {

using engine::AgentHandle;
using engine::AgentSlot;
using engine::kNoSite;
using engine::Neighborhood;
using engine::RandomStream;
using engine::SiteIndex;
using engine::SweepContext;

namespace {

// Death and contraction: resting and effector cells die at the contraction rate whenever they
// are not in a synapse, activated or not (activation-induced death); antigen sustains them only
// by division outpacing it. False if the cell died.
bool survives(const CarTView& view, AgentSlot slot, const SweepContext& context, RandomStream& fate,
              CarTState& state, bool engaged) {
    const CarTConstants& c = view.constants;
    // Host immunity rejects CAR-T cells of any state as lymphocytes recover (Turtle et al., J Clin
    // Invest 2016: anti-CAR responses end persistence).
    if (view.signals.rejection > 0.0 && fate.bernoulli(view.signals.rejection)) {
        view.car_t.kill(context, slot);
        return false;
    }
    switch (state) {
        case CarTState::resting:
        case CarTState::effector:
            if (!engaged && fate.bernoulli(c.effector_contraction)) {
                // A small share of contracting effectors becomes long-lived memory (Stein 2019).
                if (fate.bernoulli(c.product.memory_fraction)) {
                    state = CarTState::memory;
                } else {
                    view.car_t.kill(context, slot);
                    return false;
                }
            }
            return true;
        case CarTState::memory:
            if (fate.bernoulli(c.memory_loss)) {
                view.car_t.kill(context, slot);
                return false;
            }
            return true;
        case CarTState::exhausted:
            if (fate.bernoulli(c.exhausted_death)) {
                view.car_t.kill(context, slot);
                return false;
            }
            return true;
    }
    return true;
}

// An engaged cell: stimulation, then at the end of the synapse a kill attempt.
void engaged_step(const CarTView& view, AgentSlot slot, const SweepContext& context,
                  RandomStream& fate, CarTState& state) {
    const CarTConstants& c = view.constants;
    auto& cell = view.car_t.columns();
    // Stimulation: exhaustion accumulates with antigen load (Good et al., Cell 2021) up to
    // terminal exhaustion at 1, and the CAR is down-regulated (Davenport et al. 2015).
    float& exhaustion = cell.exhaustion[slot];
    float& car_level = cell.car_level[slot];
    add_exhaustion(exhaustion, cell.exhaustion_fixed[slot], c.exhaustion_per_step,
                   c.product.exhaustion_fixed_fraction);
    car_level = std::max(0.0F, car_level - static_cast<float>(c.car_loss_per_step));
    if (exhaustion >= 1.0F) state = CarTState::exhausted;
    const SiteIndex target_site = cell.engaged_site[slot];
    const AgentHandle target = view.tissue_layer.at(target_site);
    if (!target.is_agent()) {
        cell.engaged_site[slot] = kNoSite;  // the target died meanwhile
        return;
    }
    if (!fate.bernoulli(c.contact_end)) return;
    // Not every contact kills (Cazaux et al., J Exp Med 2019); killing falls with exhaustion.
    const double kill = c.product.kill_probability * view.signals.kill_scale *
                        exhaustion_activity(c.product, cell.exhaustion[slot]);
    if (fate.bernoulli(kill)) {
        CarTTileEvents& events = view.events[context.tile];
        const TissueKind kind = view.tissue.columns().kind[target.slot()];
        if (kind == TissueKind::blast) ++events.kills_blasts;
        if (kind == TissueKind::b_cell) ++events.kills_b_cells;
        events.lysis_sites.push_back(target_site);
        view.tissue.kill(context, target.slot());
        if (cell.kills[slot] < 0xFFFF) ++cell.kills[slot];
    }
    cell.engaged_site[slot] = kNoSite;
}

// A free cell: recovery, a step of the persistent random walk, exit through a vessel, and a
// probe of one tissue site. False if the cell left for blood.
bool free_step(const CarTView& view, AgentSlot slot, const SweepContext& context,
               RandomStream& fate, CarTState& state) {
    const CarTConstants& c = view.constants;
    auto& cell = view.car_t.columns();
    float& exhaustion = cell.exhaustion[slot];
    float& car_level = cell.car_level[slot];
    // Rest heals the healable part of exhaustion, below the terminal state (Good et al., Cell
    // 2021).
    if (state != CarTState::exhausted) {
        rest_exhaustion(exhaustion, cell.exhaustion_fixed[slot], c.exhaustion_recovery_factor);
    }
    car_level = std::min(1.0F, car_level + static_cast<float>(c.car_recovery_per_step));

    const engine::Lattice& lattice = view.lattice;
    const auto offsets = lattice.offsets(Neighborhood::moore);
    engine::SiteCoord position = lattice.coord_of(view.car_t.site(slot));
    if (!c.well_mixed && fate.bernoulli(c.move)) {
        // Persistent random walk on the mobile layer.
        std::uint8_t& direction = cell.direction[slot];
        if (fate.bernoulli(c.turn_probability)) {
            direction = static_cast<std::uint8_t>(fate.below(offsets.size()));
        }
        engine::SiteCoord next = position;
        const SiteIndex to =
            lattice.shift(next, offsets[direction]) ? lattice.site_of(next) : kNoSite;
        if (to != kNoSite && view.mobile_layer.is_empty(to)) {
            view.car_t.move(context, slot, to);
            position = next;
        } else {
            direction = static_cast<std::uint8_t>(fate.below(offsets.size()));
        }
    }
    // Leave through a vessel back into blood.
    const SiteIndex here = view.car_t.site(slot);
    if (view.vessels.contains(here) && fate.bernoulli(c.exit_to_blood)) {
        view.events[context.tile].exits_to_blood.push_back(
            CarTPool::bin_of(state, exhaustion, cell.exhaustion_fixed[slot]));
        view.car_t.kill(context, slot);
        return false;
    }
    // Probe one tissue site: the one under the cell or a Moore neighbour.
    const auto pick = fate.below(offsets.size() + 1);
    const SiteIndex probed =
        pick == offsets.size() ? here : lattice.neighbor_of(position, offsets[pick]);
    if (probed != kNoSite && view.tissue_layer.at(probed).is_agent()) {
        const bool dual = c.targets_cd22;
        const double p = bind_probability(c.product, dual, view.antigen.cd19(probed),
                                          dual ? view.antigen.cd22(probed) : 0.0F, car_level);
        if (p > 0.0 && fate.bernoulli(p)) {
            cell.engaged_site[slot] = probed;
            cell.activation_steps_left[slot] = c.activation_steps;
            // Resting cells differentiate; a memory cell stays memory with chance
            // memory_stemness and re-expands through effector daughters (Kawalekar et al.,
            // Immunity 2016: 4-1BB favours central memory).
            if (state == CarTState::resting ||
                (state == CarTState::memory && !fate.bernoulli(c.product.memory_stemness))) {
                state = CarTState::effector;
            }
        }
    }
    return true;
}

// Antigen-driven division while the proliferative program runs, slowed by exhaustion and scaled
// by IL-7/IL-15 availability (Kimmel et al. 2021, via CarTSignals); memory cells also divide
// homeostatically without antigen. Daughters of an activated memory cell are effectors.
void division_step(const CarTView& view, AgentSlot slot, const SweepContext& context,
                   RandomStream& fate, CarTState state) {
    const CarTConstants& c = view.constants;
    auto& cell = view.car_t.columns();
    std::uint32_t& activation = cell.activation_steps_left[slot];
    const bool activated = activation > 0;
    if (activated) --activation;
    if (state == CarTState::exhausted) return;
    double p_divide = 0.0;
    if (activated) {
        p_divide = view.signals.division * exhaustion_proliferation(cell.exhaustion[slot]) *
                   burst_proliferation(c.product, cell.exhaustion_fixed[slot]);
    } else if (state == CarTState::memory) {
        p_divide = view.signals.memory_renewal;
    }
    if (p_divide <= 0.0 || !fate.bernoulli(p_divide)) return;
    const engine::Lattice& lattice = view.lattice;
    std::array<SiteIndex, 26> around{};
    const int n =
        lattice.neighbors(lattice.coord_of(view.car_t.site(slot)), Neighborhood::moore, around);
    int free = 0;
    for (int k = 0; k < n; ++k) {
        const SiteIndex s = around[static_cast<std::size_t>(k)];
        if (view.mobile_layer.is_empty(s)) around[static_cast<std::size_t>(free++)] = s;
    }
    if (free == 0) return;
    CarTColumns::Row daughter = cell.row(slot);
    if (activated) {
        // Antigen-driven division differentiates the daughter, and the mother unless it is a
        // memory cell that stays memory (asymmetric division keeps the stem-like mother).
        if (state == CarTState::memory) daughter.state = CarTState::effector;
        add_exhaustion(daughter.exhaustion, daughter.exhaustion_fixed, c.exhaustion_per_division,
                       1.0);
        if (daughter.exhaustion >= 1.0F) daughter.state = CarTState::exhausted;
        if (state != CarTState::memory) {
            add_exhaustion(cell.exhaustion[slot], cell.exhaustion_fixed[slot],
                           c.exhaustion_per_division, 1.0);
            if (cell.exhaustion[slot] >= 1.0F) cell.state[slot] = CarTState::exhausted;
        }
    }
    daughter.kills = 0;
    daughter.engaged_site = kNoSite;
    daughter.direction =
        static_cast<std::uint8_t>(fate.below(lattice.offsets(Neighborhood::moore).size()));
    view.car_t.spawn(context, around[fate.below(static_cast<std::uint64_t>(free))], daughter);
}

}  // namespace

void car_t_step(const CarTView& view, AgentSlot slot, const SweepContext& context) {
    auto& cell = view.car_t.columns();
    // One stream per cell and step: every draw of this rule comes from it, in code order.
    RandomStream fate = context.random(StreamId::cart_step, view.car_t.id(slot));
    CarTState& state = cell.state[slot];
    const bool engaged = cell.engaged_site[slot] != kNoSite;
    if (!survives(view, slot, context, fate, state, engaged)) return;
    if (engaged) {
        engaged_step(view, slot, context, fate, state);
    } else if (!free_step(view, slot, context, fate, state)) {
        return;
    }
    division_step(view, slot, context, fate, state);
}

}  // namespace cartsim::agents
