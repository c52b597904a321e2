#pragma once
// The state hash of a model split over ranks: one value for the whole run, equal to the
// single-rank model's own state hash (StateHashVisitor over visit_state), so a test can compare
// K ranks with one after every step.

#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "engine/domain.hpp"
#include "engine/model_state.hpp"
#include "engine/state_hash.hpp"

namespace cartsim::engine {

namespace detail {

// The populations a model state declares, in declaration order.
class DeclaredPopulations {
  public:
    template <class PopulationT>
    void population(const PopulationT& population) {
        populations.push_back(&population);
    }
    template <class T>
    void scalar(const StateEntry&, const T&) {}
    template <class T, std::size_t N>
    void array(const StateEntry&, std::span<T, N>) {}

    std::vector<const void*> populations;
};

// Every declared value but the populations: what every rank keeps a copy of.
class ReplicatedStateHashVisitor {
  public:
    explicit ReplicatedStateHashVisitor(StateHasher& hasher) : hasher_(&hasher) {}
    template <class PopulationT>
    void population(const PopulationT&) {}
    template <class T>
    void scalar(const StateEntry& entry, const T& value) {
        StateHashVisitor(*hasher_).scalar(entry, value);
    }
    template <class T, std::size_t N>
    void array(const StateEntry& entry, std::span<T, N> values) {
        StateHashVisitor(*hasher_).array(entry, values);
    }

  protected:
    StateHasher* hasher_;
};

// Rank 0's declared state in its order: each population across every rank (its agents from
// their owners), every other value from rank 0 (replicated: the same on every rank).
class AcrossRanksHashVisitor : public ReplicatedStateHashVisitor {
  public:
    AcrossRanksHashVisitor(StateHasher& hasher,
                           const std::vector<DeclaredPopulations>& declared_by_rank,
                           std::span<const Domain* const> domains)
        : ReplicatedStateHashVisitor(hasher), declared_(&declared_by_rank), domains_(domains) {}

    template <class PopulationT>
    void population(const PopulationT&) {
        std::vector<const PopulationT*> parts;
        for (const DeclaredPopulations& declared : *declared_) {
            parts.push_back(static_cast<const PopulationT*>(declared.populations[next_]));
        }
        ++next_;
        hash_population_across_ranks<PopulationT>(*hasher_, parts, domains_);
    }

  private:
    const std::vector<DeclaredPopulations>* declared_;
    std::span<const Domain* const> domains_;
    std::size_t next_ = 0;
};

}  // namespace detail

/// The state hash of a model run on ranks (one state per rank, in rank order; each with
/// visit_state(visitor) and domain()): populations counted by their owners, every other
/// declared value taken from rank 0. For one rank, the model's own StateHashVisitor hash.
template <class Model>
std::uint64_t state_hash_across_ranks(std::span<const Model* const> ranks) {
    std::vector<detail::DeclaredPopulations> declared(ranks.size());
    std::vector<const Domain*> domains;
    for (std::size_t r = 0; r < ranks.size(); ++r) {
        ranks[r]->visit_state(declared[r]);
        domains.push_back(&ranks[r]->domain());
    }
    StateHasher hasher;
    detail::AcrossRanksHashVisitor visitor(hasher, declared, domains);
    ranks.front()->visit_state(visitor);
    return hasher.value();
}

/// Whether every rank holds the same copy of the state that is not agents (step, patient
/// compartments, counters, fields): they must, since each rank computes it from totals summed
/// across ranks.
template <class Model>
bool replicated_state_agrees(std::span<const Model* const> ranks) {
    std::vector<std::uint64_t> hashes;
    for (const Model* rank : ranks) {
        StateHasher hasher;
        detail::ReplicatedStateHashVisitor visitor(hasher);
        rank->visit_state(visitor);
        hashes.push_back(hasher.value());
    }
    for (const std::uint64_t hash : hashes) {
        if (hash != hashes.front()) return false;
    }
    return true;
}

}  // namespace cartsim::engine
