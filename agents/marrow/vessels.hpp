#pragma once
// Sinusoid (vessel) sites: where CAR-T cells enter the marrow from blood and leave it. Built
// once from the seed; never part of the state (a restart rebuilds them identically).

#include <cstdint>
#include <span>
#include <vector>

#include "engine/lattice.hpp"
#include "engine/types.hpp"

namespace cartsim::agents {

class Vessels {
  public:
    /// 3-D: straight vessels along z through (x, y) columns drawn with chance `fraction`;
    /// 2-D: single sites drawn with that chance (stream initial_vessels).
    Vessels(const engine::Lattice& lattice, double fraction, std::uint64_t seed);

    bool contains(engine::SiteIndex site) const { return (bits_[site >> 6] >> (site & 63)) & 1U; }
    /// Vessel sites in ascending order.
    std::span<const engine::SiteIndex> sites() const { return sites_; }

  private:
    void mark(engine::SiteIndex site);

    std::vector<std::uint64_t> bits_;
    std::vector<engine::SiteIndex> sites_;
};

}  // namespace cartsim::agents
