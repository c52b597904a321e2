#include "agents/marrow/vessels.hpp"

#include <algorithm>

#include "engine/random.hpp"

namespace cartsim::agents {

Vessels::Vessels(const engine::Lattice& lattice, double fraction, std::uint64_t seed)
    : bits_((lattice.site_count() + 63) / 64, 0) {
    if (lattice.dimension() == 3) {
        // Sinusoids as straight vessels along z through random (x, y) columns.
        for (std::int32_t y = 0; y < lattice.ny(); ++y) {
            for (std::int32_t x = 0; x < lattice.nx(); ++x) {
                const auto column = static_cast<std::uint64_t>(x + lattice.nx() * y);
                engine::RandomStream random(seed, StreamId::initial_vessels, 0, column);
                if (!random.bernoulli(fraction)) continue;
                for (std::int32_t z = 0; z < lattice.nz(); ++z) mark(lattice.site_of({x, y, z}));
            }
        }
    } else {
        for (engine::SiteIndex site = 0; site < lattice.site_count(); ++site) {
            engine::RandomStream random(seed, StreamId::initial_vessels, 0, site);
            if (random.bernoulli(fraction)) mark(site);
        }
    }
    std::sort(sites_.begin(), sites_.end());
}

void Vessels::mark(engine::SiteIndex site) {
    if (contains(site)) return;
    bits_[site >> 6] |= std::uint64_t{1} << (site & 63);
    sites_.push_back(site);
}

}  // namespace cartsim::agents
