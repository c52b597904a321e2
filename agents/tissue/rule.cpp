#include "agents/tissue/rule.hpp"

#include "agents/tissue/initial.hpp"

namespace cartsim::agents {

using engine::AgentHandle;
using engine::AgentSlot;
using engine::kNoSite;
using engine::Neighborhood;
using engine::RandomStream;
using engine::SiteIndex;
using engine::SweepContext;

namespace {

void note_marrow_lost(const TissueView& view, const SweepContext& context, SiteIndex site) {
    if (view.marrow_changes != nullptr) (*view.marrow_changes)[context.tile].lost.push_back(site);
}
void note_marrow_gained(const TissueView& view, const SweepContext& context, SiteIndex site) {
    if (view.marrow_changes != nullptr) {
        (*view.marrow_changes)[context.tile].gained.push_back(site);
    }
}

// A free Moore neighbour (not a vessel) for a daughter, drawn from `random`; with
// `allow_displacing`, if none is free, the site of a marrow cell that the daughter displaces
// (leukemic crowding: that cell dies). kNoSite if there is no room.
SiteIndex daughter_site(const TissueView& view, AgentSlot slot, const SweepContext& context,
                        RandomStream& random, bool allow_displacing) {
    const auto& cells = view.tissue.columns();
    std::array<SiteIndex, 26> around{};
    const int n = view.lattice.neighbors(view.tissue.site(slot), Neighborhood::moore, around);
    std::array<SiteIndex, 26> free_sites{};
    std::array<SiteIndex, 26> marrow_sites{};
    int free = 0;
    int marrow = 0;
    if (view.tissue_layer.tracks_free_sites()) {
        // The same free sites in the same order as the scan below finds them (a free bit is an
        // empty site that is not a vessel), from the layer's bit map: in a full marrow nearly
        // every search finds none, and the handles it would read lie far apart in memory.
        for (int k = 0; k < n; ++k) {
            const SiteIndex s = around[static_cast<std::size_t>(k)];
            if (view.tissue_layer.is_free(s)) free_sites[static_cast<std::size_t>(free++)] = s;
        }
        if (free > 0) return free_sites[random.below(static_cast<std::uint64_t>(free))];
        if (!allow_displacing) return kNoSite;
    }
    for (int k = 0; k < n; ++k) {
        const SiteIndex s = around[static_cast<std::size_t>(k)];
        if (view.vessels.contains(s)) continue;
        const AgentHandle h = view.tissue_layer.at(s);
        if (h.is_empty()) {
            free_sites[static_cast<std::size_t>(free++)] = s;
        } else if (allow_displacing && h.is_agent() &&
                   cells.kind[h.slot()] == TissueKind::marrow_cell) {
            marrow_sites[static_cast<std::size_t>(marrow++)] = s;
        }
    }
    if (free > 0) return free_sites[random.below(static_cast<std::uint64_t>(free))];
    if (marrow == 0) return kNoSite;
    const SiteIndex s = marrow_sites[random.below(static_cast<std::uint64_t>(marrow))];
    view.tissue.kill(context, view.tissue_layer.at(s).slot());
    note_marrow_lost(view, context, s);
    return s;
}

void blast_step(const TissueView& view, AgentSlot slot, const SweepContext& context,
                FateTrials& trials) {
    const TissueConstants& c = view.constants;
    auto& cells = view.tissue.columns();
    if (trials.next()) {  // death
        view.tissue.kill(context, slot);
        return;
    }
    // Blasts circulate: one leaving the window joins the patient's pool, whose homing blasts
    // reseed the window (agents/patient/phase.cpp); the window is too small a share of the
    // marrow for its emigrants to change the pool's count.
    if (trials.next()) {  // egress
        view.tissue.kill(context, slot);
        return;
    }
    if (!trials.next()) return;  // division
    RandomStream daughter_random = context.random(StreamId::tissue_daughter, view.tissue.id(slot));
    const SiteIndex site =
        daughter_site(view, slot, context, daughter_random, c.displace_marrow_cells);
    if (site == kNoSite) return;  // contact inhibition
    // Daughters resemble their mother: antigen densities inherited with log-normal jitter, so
    // selection can act on density; rare loss of the CAR epitope (Orlando et al., Nat Med 2018)
    // or lineage switch (Gardner et al., Blood 2016).
    TissueColumns::Row daughter{TissueKind::blast, cells.flags[slot], cells.cd19_molecules[slot],
                                cells.cd22_molecules[slot]};
    daughter.cd19_molecules *=
        static_cast<float>(daughter_random.lognormal(0.0, c.antigen_inheritance_log_sd));
    daughter.cd22_molecules *=
        static_cast<float>(daughter_random.lognormal(0.0, c.antigen_inheritance_log_sd));
    if (daughter_random.bernoulli(c.cd19_loss_per_division)) {
        daughter.flags |= blast_flags::cd19_epitope_lost;
        daughter.cd19_molecules = 0.0F;
    }
    if (daughter_random.bernoulli(c.lineage_switch_per_division)) {
        daughter.flags |= blast_flags::lineage_switched;
        daughter.cd19_molecules = 0.0F;
        daughter.cd22_molecules = 0.0F;
    }
    view.tissue.spawn(context, site, daughter);
}

void marrow_cell_step(const TissueView& view, AgentSlot slot, const SweepContext& context,
                      FateTrials& trials) {
    const TissueConstants& c = view.constants;
    auto& cells = view.tissue.columns();
    if (trials.next()) {  // death
        note_marrow_lost(view, context, view.tissue.site(slot));
        view.tissue.kill(context, slot);
        return;
    }
    if (trials.next()) {  // regeneration
        RandomStream daughter_random =
            context.random(StreamId::tissue_daughter, view.tissue.id(slot));
        const SiteIndex site = daughter_site(view, slot, context, daughter_random, false);
        if (site != kNoSite) {
            view.tissue.spawn(context, site, TissueColumns::Row{});
            note_marrow_gained(view, context, site);
            return;
        }
    }
    // A regeneration that found no room leaves this tick's B-cell trial to be drawn.
    if (trials.next()) {  // B-cell production
        // Differentiation along the B lineage (progenitor -> B cell), in place.
        RandomStream trait = context.random(StreamId::tissue_daughter, view.tissue.id(slot));
        const TissueColumns::Row b = make_b_cell(c, trait);
        note_marrow_lost(view, context, view.tissue.site(slot));
        cells.kind[slot] = b.kind;
        cells.cd19_molecules[slot] = b.cd19_molecules;
        cells.cd22_molecules[slot] = b.cd22_molecules;
    }
}

}  // namespace

void tissue_step(const TissueView& view, AgentSlot slot, const SweepContext& context) {
    RandomStream fate = context.random(StreamId::tissue_fate, view.tissue.id(slot));
    auto& cells = view.tissue.columns();
    const TissueKind kind = cells.kind[slot];
    const bool event_driven = view.fates == TissueFates::event_driven;
    FateTrials trials(view.constants.law_of(kind), fate, event_driven);
    switch (kind) {
        case TissueKind::blast:
            blast_step(view, slot, context, trials);
            break;
        case TissueKind::b_cell:
            if (trials.next()) view.tissue.kill(context, slot);  // death
            break;
        case TissueKind::marrow_cell:
            marrow_cell_step(view, slot, context, trials);
            break;
    }
    // The next event of a survivor (of its kind now: a marrow cell may have become a B cell).
    if (event_driven && view.tissue.alive(slot)) {
        cells.next_event_tick[slot] =
            view.constants.law_of(cells.kind[slot]).event_tick_from(view.tick + 1, fate);
    }
}

}  // namespace cartsim::agents
