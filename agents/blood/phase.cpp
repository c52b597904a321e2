#include "agents/blood/phase.hpp"

#include <array>

#include "engine/random.hpp"

namespace cartsim::agents {

using engine::SiteIndex;

void blood_step(const BloodView& view, engine::Step step) {
    const CarTConstants& c = view.constants;
    engine::RandomStream random(view.seed, StreamId::blood_exchange, step, 0);
    BloodCompartment& blood = view.blood;

    for (const CarTState s : {CarTState::resting, CarTState::effector}) {
        const std::uint64_t leaving = random.binomial(blood[s], c.effector_contraction);
        const std::uint64_t to_memory = random.binomial(leaving, c.product.memory_fraction);
        blood[s] -= leaving;
        blood[CarTState::memory] += to_memory;
    }
    blood[CarTState::memory] -= random.binomial(blood[CarTState::memory], c.memory_loss);
    blood[CarTState::exhausted] -= random.binomial(blood[CarTState::exhausted], c.exhausted_death);

    // Entry into this marrow through its vessel sites.
    const auto vessel_sites = view.vessels.sites();
    if (vessel_sites.empty()) return;
    std::array<SiteIndex, 26> around{};
    for (std::size_t s = 0; s < kCarTStateCount; ++s) {
        const std::uint64_t entering = random.binomial(blood.count[s], c.enter_marrow);
        for (std::uint64_t i = 0; i < entering; ++i) {
            SiteIndex site = vessel_sites[random.below(vessel_sites.size())];
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
            CarTColumns::Row row;
            row.state = static_cast<CarTState>(s);
            row.exhaustion = row.state == CarTState::exhausted ? 1.0F : 0.0F;
            row.direction = static_cast<std::uint8_t>(
                random.below(view.lattice.offsets(engine::Neighborhood::moore).size()));
            view.car_t.add(site, row);
            --blood.count[s];
        }
    }
}

}  // namespace cartsim::agents
