#pragma once
// The toy model split over K virtual ranks: K RandomWalkerWorld states in one process, one
// Domain box each, connected by engine::VirtualRanks. The same results as one world, for any K.

#include <memory>
#include <span>
#include <vector>

#include "engine/toy/random_walkers.hpp"
#include "engine/virtual_ranks.hpp"

namespace cartsim::engine::toy {

class VirtualRankWalkers {
  public:
    /// Throws std::invalid_argument when the tile grid cannot be cut into `rank_count` boxes.
    VirtualRankWalkers(const WalkerParams& params, int rank_count, int preferred_tile_edge = 8);

    /// One fine step on every rank (each rank on its own thread, meeting at the exchanges).
    void step();
    Step current_step() const { return worlds_.front()->current_step(); }

    std::uint64_t state_hash() const { return toy::state_hash(ranks()); }
    WalkerCounts counts() const { return toy::counts(ranks()); }

    int rank_count() const { return exchange_.rank_count(); }
    std::span<const RandomWalkerWorld* const> ranks() const { return views_; }
    VirtualRanks& exchange() { return exchange_; }
    const VirtualRanks& exchange() const { return exchange_; }

  private:
    VirtualRanks exchange_;
    std::vector<std::unique_ptr<RandomWalkerWorld>> worlds_;
    std::vector<const RandomWalkerWorld*> views_;
};

}  // namespace cartsim::engine::toy
