#pragma once
// CD19 (and, for a dual product, CD22) molecules of the tissue cell at each site, copied from
// the tissue columns: a CAR-T probe reads them by site, next to the layers it already reads,
// instead of by slot (a cache miss at full latency for most probes). Valid where the tissue
// layer holds an agent; only the tissue phase (copy_cell for the cells it changes) and the
// patient phase (homing blasts: set) add cells or change antigen; refresh() rewrites every
// copy after construction and restore.

#include <span>
#include <vector>

#include "agents/tissue/columns.hpp"
#include "engine/huge_page_allocator.hpp"
#include "engine/population.hpp"

namespace cartsim::agents {

class AntigenBySite {
  public:
    AntigenBySite(std::size_t site_count, bool with_cd22)
        : cd19_(site_count, 0.0F), cd22_(with_cd22 ? site_count : 0, 0.0F) {}

    float cd19(engine::SiteIndex site) const { return cd19_[site]; }
    /// 0 unless the copies include CD22 (a dual product).
    float cd22(engine::SiteIndex site) const { return cd22_.empty() ? 0.0F : cd22_[site]; }
    bool has_cd22() const { return !cd22_.empty(); }
    const float* cd19_data() const { return cd19_.data(); }
    /// nullptr unless the copies include CD22.
    const float* cd22_data() const { return cd22_.empty() ? nullptr : cd22_.data(); }

    /// Rewrites the copies from the tissue columns (every live cell writes its own site).
    void refresh(const engine::Population<TissueColumns>& tissue);
    /// One cell placed by sequential code (test hooks).
    void set(engine::SiteIndex site, const TissueColumns::Row& row);
    /// The copy of one live cell's antigen (after the tissue phase added or changed it).
    void copy_cell(const engine::Population<TissueColumns>& tissue, engine::AgentSlot slot) {
        const engine::SiteIndex site = tissue.site(slot);
        cd19_[site] = tissue.columns().cd19_molecules[slot];
        if (!cd22_.empty()) cd22_[site] = tissue.columns().cd22_molecules[slot];
    }

  private:
    using SiteFloats = std::vector<float, engine::HugePageAllocator<float>>;
    SiteFloats cd19_;
    SiteFloats cd22_;  // empty unless car_t.targets_cd22
};

}  // namespace cartsim::agents
