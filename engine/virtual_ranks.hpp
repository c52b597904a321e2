#pragma once
// K ranks in one process: K model states, each owning one Domain box, that exchange site
// records by copying exactly where MPI ranks will send messages. This tests the whole rank
// protocol on one machine before MPI exists; results are identical for any K.

#include <barrier>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <span>
#include <utility>
#include <vector>

#include "engine/domain.hpp"
#include "engine/exact_sum.hpp"
#include "engine/indexed_exact_sums.hpp"
#include "engine/rank_exchange.hpp"
#include "engine/site_records.hpp"

namespace cartsim::engine {

/// The exchange between K virtual ranks (design: ../shared/MPI-DESIGN.md 2.2).
///
/// Each rank's state keeps whole-lattice arrays in this first stage, but holds agents only
/// on its owned and ghost tiles and sweeps only its owned tiles; local box + shell arrays are
/// the MPI stage's business. Protocol, per sweep and color c (all ranks run c, then meet):
///   every rank's records of the footprints of its color-c tiles (tile grown by reach) are
///   copied to every other rank that holds those sites. Same-color footprints are disjoint, so
///   each copied site was written by exactly one rank: the receiver adopts the records,
///   reconciling agents by id (moved, killed, new: ownership follows the site's tile).
/// After every scheduler phase, newborns committed by a rank go to every other rank holding
/// their site (the pending marker they replace was already copied during the sweep). Ids need
/// no exchange: a tile's owner issues them (engine/agent_id.hpp).
///
/// Ranks run as threads that meet at a barrier at each sync point; the copies run while all of
/// them wait, on one thread, so a model never sees a half-done exchange.
class VirtualRanks final : public RankExchange {
  public:
    explicit VirtualRanks(int rank_count);

    int rank_count() const { return rank_count_; }

    /// Registers a rank's model state (its domain's rank) and drops the agents it does not
    /// hold: every state is built whole, identically, then keeps its box and ghosts.
    void attach(const Domain& domain, SiteRecords& records) override;

    /// Runs work(rank) for every rank at once, one thread each, and waits for all; rethrows
    /// the first exception (then this object is unusable: ranks left the protocol midway).
    void run(const std::function<void(int rank)>& work);

    void after_color(int rank, int color, std::span<const TileIndex> tiles_run) override;
    void after_phase(int rank) override;
    void sum_across_ranks(int rank, std::span<std::int64_t> values) override;
    void sum_across_ranks(int rank, std::span<ExactSum> values) override;
    void sum_across_ranks(int rank, IndexedExactSums& sums) override;

    /// Totals since construction.
    const ExchangeCounts& counts() const { return counts_; }

    /// Test hook: skip the copies of the `index`-th color sync point of the run (0-based,
    /// counting every color of every sweep), to show that the result then differs. Only the
    /// state right after that step is meaningful: later steps build on a broken state.
    void skip_color_sync_for_testing(std::uint64_t index) { skipped_sync_ = index; }
    /// Color sync points passed so far.
    std::uint64_t color_syncs() const { return color_syncs_; }

  private:
    enum class SyncPoint { color, phase, integer_sum, exact_sum, indexed_sum };
    struct Completion {
        VirtualRanks* self;
        void operator()() noexcept { self->complete(); }
    };

    void arrive(int rank, SyncPoint point, int color);
    void complete() noexcept;
    void exchange_color();
    void exchange_births();
    void sum_operands(SyncPoint point);

    int rank_count_;
    std::vector<const Domain*> domains_;
    std::vector<SiteRecords*> records_;
    // Footprints of every tile, computed once.
    std::vector<std::vector<SiteIndex>> footprints_;
    std::barrier<Completion> barrier_;
    // Where each rank arrived (its own entry only; the barrier orders it before complete()).
    std::vector<std::pair<SyncPoint, int>> arrived_;
    // Each rank's operand of a sum (set before it arrives; the completion writes the total
    // into all of them while every rank waits).
    std::vector<std::span<std::int64_t>> integer_operands_;
    std::vector<std::span<ExactSum>> exact_operands_;
    std::vector<IndexedExactSums*> indexed_operands_;
    // Each rank's tiles whose rules ran in the color being exchanged.
    std::vector<std::span<const TileIndex>> tiles_run_;
    bool mismatch_ = false;
    std::uint64_t skipped_sync_ = ~std::uint64_t{0};
    std::uint64_t color_syncs_ = 0;
    ExchangeCounts counts_;
    std::exception_ptr failure_;
    std::mutex failure_mutex_;
    bool broken_ = false;
};

}  // namespace cartsim::engine
