#include "agents/tissue/antigen_by_site.hpp"

#include "engine/parallel_for.hpp"

namespace cartsim::agents {

void AntigenBySite::refresh(const engine::Population<TissueColumns>& tissue) {
    const auto& cells = tissue.columns();
    const bool dual = !cd22_.empty();
    // Each live cell writes its own site: no two slots share one, so the chunks never collide.
    engine::parallel_for_chunks(
        tissue.slot_count(), engine::kSlotChunk, [&](std::size_t begin, std::size_t end) {
            for (std::size_t slot = begin; slot < end; ++slot) {
                const engine::SiteIndex site = tissue.site(static_cast<engine::AgentSlot>(slot));
                if (site == engine::kNoSite) continue;
                cd19_[site] = cells.cd19_molecules[slot];
                if (dual) cd22_[site] = cells.cd22_molecules[slot];
            }
        });
}

void AntigenBySite::set(engine::SiteIndex site, const TissueColumns::Row& row) {
    cd19_[site] = row.cd19_molecules;
    if (!cd22_.empty()) cd22_[site] = row.cd22_molecules;
}

}  // namespace cartsim::agents
