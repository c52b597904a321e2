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
    return s;
}

void blast_step(const TissueView& view, AgentSlot slot, const SweepContext& context,
                RandomStream& fate) {
    const TissueConstants& c = view.constants;
    auto& cells = view.tissue.columns();
    if (fate.bernoulli(c.blast_death)) {
        view.tissue.kill(context, slot);
        return;
    }
    // Blasts circulate: one leaving the window joins the patient's pool, whose homing blasts
    // reseed the window (agents/patient/phase.cpp); the window is too small a share of the
    // marrow for its emigrants to change the pool's count.
    if (fate.bernoulli(c.blast_egress)) {
        view.tissue.kill(context, slot);
        return;
    }
    if (!fate.bernoulli(c.blast_division)) return;
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
                      RandomStream& fate) {
    const TissueConstants& c = view.constants;
    auto& cells = view.tissue.columns();
    if (fate.bernoulli(c.marrow_death)) {
        view.tissue.kill(context, slot);
        return;
    }
    if (fate.bernoulli(c.marrow_regeneration)) {
        RandomStream daughter_random =
            context.random(StreamId::tissue_daughter, view.tissue.id(slot));
        const SiteIndex site = daughter_site(view, slot, context, daughter_random, false);
        if (site != kNoSite) {
            view.tissue.spawn(context, site, TissueColumns::Row{});
            return;
        }
    }
    if (fate.bernoulli(c.b_cell_production)) {
        // Differentiation along the B lineage (progenitor -> B cell), in place.
        RandomStream trait = context.random(StreamId::tissue_daughter, view.tissue.id(slot));
        const TissueColumns::Row b = make_b_cell(c, trait);
        cells.kind[slot] = b.kind;
        cells.cd19_molecules[slot] = b.cd19_molecules;
        cells.cd22_molecules[slot] = b.cd22_molecules;
    }
}

}  // namespace

void tissue_step(const TissueView& view, AgentSlot slot, const SweepContext& context) {
    RandomStream fate = context.random(StreamId::tissue_fate, view.tissue.id(slot));
    switch (view.tissue.columns().kind[slot]) {
        case TissueKind::blast:
            blast_step(view, slot, context, fate);
            return;
        case TissueKind::b_cell:
            if (fate.bernoulli(view.constants.b_cell_death)) view.tissue.kill(context, slot);
            return;
        case TissueKind::marrow_cell:
            marrow_cell_step(view, slot, context, fate);
            return;
    }
}

}  // namespace cartsim::agents
