#include "engine/toy/virtual_rank_walkers.hpp"

namespace cartsim::engine::toy {

VirtualRankWalkers::VirtualRankWalkers(const WalkerParams& params, int rank_count,
                                       int preferred_tile_edge)
    : exchange_(rank_count) {
    for (int rank = 0; rank < rank_count; ++rank) {
        worlds_.push_back(std::make_unique<RandomWalkerWorld>(
            params, preferred_tile_edge, RankPlacement{rank_count, rank, &exchange_}));
        views_.push_back(worlds_.back().get());
    }
}

void VirtualRankWalkers::step() {
    exchange_.run([this](int rank) { worlds_[static_cast<std::size_t>(rank)]->step(); });
}

}  // namespace cartsim::engine::toy
