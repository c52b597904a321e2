#pragma once
// The marrow model split over K virtual ranks: K MarrowModel states in one process, one Domain
// box each, connected by engine::VirtualRanks. The same results as one model, for any K
// (header-only: it only wires engine and model together).

#include <memory>
#include <span>
#include <vector>

#include "agents/marrow_model.hpp"
#include "engine/saved_state_across_ranks.hpp"
#include "engine/state_hash_across_ranks.hpp"
#include "engine/virtual_ranks.hpp"

namespace cartsim::agents {

class VirtualRankModel {
  public:
    /// Builds `rank_count` model states from the same parameters. Throws std::invalid_argument
    /// when the tile grid cannot be cut into that many boxes or the model cannot split yet
    /// (MarrowModel's constructor says why).
    VirtualRankModel(const Parameters& parameters, int rank_count) : exchange_(rank_count) {
        for (int rank = 0; rank < rank_count; ++rank) {
            models_.push_back(
                std::make_unique<MarrowModel>(parameters, ModelExtensions{},
                                              engine::RankPlacement{rank_count, rank, &exchange_}));
            views_.push_back(models_.back().get());
        }
    }

    /// One fine step on every rank (each rank on its own thread, meeting at the exchanges).
    void step() {
        exchange_.run([this](int rank) { models_[static_cast<std::size_t>(rank)]->step(); });
    }
    engine::Step current_step() const { return models_.front()->current_step(); }

    /// Every rank takes the whole model's saved state (MarrowModel::restore_state; throws
    /// std::invalid_argument as it does).
    void restore_state(const engine::SavedState& whole) {
        for (const auto& model : models_) model->restore_state(whole);
    }
    /// The whole model's saved state: the ranks' states merged, as one rank would save it.
    engine::SavedState save_state() const {
        std::vector<engine::SavedState> parts;
        std::vector<const engine::Domain*> domains;
        for (const MarrowModel* rank : views_) {
            parts.push_back(rank->save_state());
            domains.push_back(&rank->domain());
        }
        return engine::gather_saved_states(parts, domains);
    }

    /// Equal to MarrowModel::state_hash of one model run alike.
    std::uint64_t state_hash() const { return engine::state_hash_across_ranks(ranks()); }
    /// Every rank holds the same patient, counters and fields.
    bool replicated_state_agrees() const { return engine::replicated_state_agrees(ranks()); }

    int rank_count() const { return exchange_.rank_count(); }
    std::span<const MarrowModel* const> ranks() const { return views_; }
    engine::VirtualRanks& exchange() { return exchange_; }
    const engine::VirtualRanks& exchange() const { return exchange_; }

  private:
    engine::VirtualRanks exchange_;
    std::vector<std::unique_ptr<MarrowModel>> models_;
    std::vector<const MarrowModel*> views_;
};

}  // namespace cartsim::agents
