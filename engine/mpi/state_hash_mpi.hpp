#pragma once
// The state hash of a model split over MPI ranks (one model state per process): equal to the
// single-rank model's own state hash, as engine/state_hash_across_ranks.hpp computes it for
// ranks in one process. A collective over the communicator.

#include <mpi.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/domain.hpp"
#include "engine/state_hash.hpp"
#include "engine/state_hash_across_ranks.hpp"

namespace cartsim::engine {

namespace detail {

// Rank-local declared state in declaration order: each population's owned agents and owned
// tiles' id counters summed over ranks, every other value from this rank (replicated).
class MpiAcrossRanksHashVisitor : public ReplicatedStateHashVisitor {
  public:
    MpiAcrossRanksHashVisitor(StateHasher& hasher, const Domain& domain, MPI_Comm communicator)
        : ReplicatedStateHashVisitor(hasher), domain_(&domain), communicator_(communicator) {}

    template <class PopulationT>
    void population(const PopulationT& population) {
        const TileGrid& grid = domain_->grid();
        // live count, hash sum (mod 2^64: unsigned sums wrap alike in any order)
        std::uint64_t totals[2] = {0, 0};
        for (std::size_t slot = 0; slot < population.slot_count(); ++slot) {
            const auto s = static_cast<std::uint32_t>(slot);
            if (!population.alive(s) || !domain_->owns(grid.tile_of(population.site(s)))) continue;
            ++totals[0];
            totals[1] += agent_hash(population, s);
        }
        std::vector<std::uint64_t> issued(grid.tile_count(), 0);
        for (TileIndex t = 0; t < grid.tile_count(); ++t) {
            if (domain_->owns(t)) issued[t] = population.ids_issued_by_tile()[t];
        }
        MPI_Allreduce(MPI_IN_PLACE, totals, 2, MPI_UINT64_T, MPI_SUM, communicator_);
        MPI_Allreduce(MPI_IN_PLACE, issued.data(), static_cast<int>(issued.size()), MPI_UINT64_T,
                      MPI_SUM, communicator_);
        hasher_->add(std::string_view(population.name()));
        hasher_->add(totals[0]);
        hasher_->add(std::span<const std::uint64_t>(issued));
        hasher_->add(totals[1]);
    }

  private:
    const Domain* domain_;
    MPI_Comm communicator_;
};

}  // namespace detail

/// The whole run's state hash, the same on every rank: for a model with visit_state(visitor)
/// and domain(), run on every rank of `communicator`.
template <class Model>
std::uint64_t state_hash_across_mpi_ranks(const Model& model, MPI_Comm communicator) {
    StateHasher hasher;
    detail::MpiAcrossRanksHashVisitor visitor(hasher, model.domain(), communicator);
    model.visit_state(visitor);
    return hasher.value();
}

/// Whether every rank holds the same copy of the state that is not agents.
template <class Model>
bool replicated_state_agrees_across_mpi_ranks(const Model& model, MPI_Comm communicator) {
    StateHasher hasher;
    detail::ReplicatedStateHashVisitor visitor(hasher);
    model.visit_state(visitor);
    std::uint64_t hash = hasher.value();
    int size = 0;
    MPI_Comm_size(communicator, &size);
    std::vector<std::uint64_t> all(static_cast<std::size_t>(size));
    MPI_Allgather(&hash, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, communicator);
    for (const std::uint64_t h : all) {
        if (h != all.front()) return false;
    }
    return true;
}

}  // namespace cartsim::engine
