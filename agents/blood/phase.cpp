#include "agents/blood/phase.hpp"

#include <algorithm>
#include <array>

#include "engine/random.hpp"

namespace cartsim::agents {

using engine::SiteIndex;

void blood_step(const BloodView& view, engine::Step step) {
    const auto vessel_sites = view.vessels.sites();
    if (vessel_sites.empty()) return;
    engine::RandomStream counts(view.seed, StreamId::blood_exchange, step, 0);
    CarTPool& blood = view.blood;
    const std::uint64_t directions = view.lattice.offsets(engine::Neighborhood::moore).size();
    std::array<SiteIndex, 26> around{};
    std::uint64_t ordinal = 0;  // of the entry in this step, over all bins
    for (std::size_t bin = 0; bin < CarTPool::kBins; ++bin) {
        if (blood.count[bin] == 0) continue;
        // The window's share of the cells entering the marrow this step.
        const std::uint64_t entering = counts.binomial(blood.count[bin], view.enter_window);
        const CarTState state = CarTPool::state_of_bin(bin);
        for (std::uint64_t i = 0; i < entering; ++i) {
            engine::RandomStream entry(view.seed, StreamId::blood_entry, step, ordinal++);
            SiteIndex site = vessel_sites[entry.below(vessel_sites.size())];
            const auto direction = static_cast<std::uint8_t>(entry.below(directions));
            if (!view.mobile_layer.is_empty(site)) {
                const int n = view.lattice.neighbors(site, engine::Neighborhood::moore, around);
                site = engine::kNoSite;
                for (int k = 0; k < n; ++k) {
                    if (view.mobile_layer.is_empty(around[static_cast<std::size_t>(k)])) {
                        site = around[static_cast<std::size_t>(k)];
                        break;
                    }
                }
                if (site == engine::kNoSite) continue;  // crowded: stays in blood
            }
            // The cell keeps its state and exhaustion levels (the levels' middles; a terminally
            // exhausted cell's score is 1).
            CarTColumns::Row row;
            row.state = state;
            row.exhaustion = state == CarTState::exhausted
                                 ? 1.0F
                                 : exhaustion_of_level(CarTPool::level_of_bin(bin));
            row.exhaustion_fixed = std::min(
                row.exhaustion, fixed_exhaustion_of_level(CarTPool::fixed_level_of_bin(bin)));
            row.direction = direction;
            view.car_t.add(site, row);
            --blood.count[bin];
        }
    }
}

}  // namespace cartsim::agents
