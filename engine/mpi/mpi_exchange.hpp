#pragma once
// The rank protocol of engine/virtual_ranks.hpp over MPI: one model state per process, the
// same site records (engine/site_records.hpp) sent as messages instead of copied. Built only
// with CARTSIM_MPI (the `mpi` preset); the serial build never includes it.

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/domain.hpp"
#include "engine/exact_sum.hpp"
#include "engine/indexed_exact_sums.hpp"
#include "engine/rank_exchange.hpp"
#include "engine/site_records.hpp"

namespace cartsim::engine {

/// The exchange between the ranks of an MPI communicator, one model state per rank.
///
/// Every call is a collective over the communicator (every rank reaches the same sync points in
/// the same order: engine/rank_exchange.hpp). Each sync point first exchanges a small header
/// (which sync point, its argument, the byte count that follows), so ranks whose schedules
/// diverged are refused with std::logic_error instead of exchanging mismatched data.
///   - after_color(c): each rank sends, to every other rank that holds them, the records of the
///     footprints of its tiles of color c whose rules ran (each block headed by its tile); the
///     receiver applies them in (sender rank, tile) order, as VirtualRanks does, on the site
///     lists it computes itself from the tile.
///   - after_phase: each rank's newborns (sites and records per layer) go to every rank that
///     holds their sites.
///   - sums: int64 by MPI_Allreduce; exact sums gathered and added in rank order (exact, so the
///     total does not depend on the order either); indexed exact sums likewise, each rank
///     sending only its entries.
/// MPI calls come from the thread that calls these methods (the model's stepping thread).
class MpiExchange final : public RankExchange {
  public:
    /// Uses a duplicate of `communicator` (freed by MPI_Finalize), so its messages never meet
    /// the caller's.
    explicit MpiExchange(MPI_Comm communicator);
    ~MpiExchange() override;
    MpiExchange(const MpiExchange&) = delete;
    MpiExchange& operator=(const MpiExchange&) = delete;

    int rank() const { return rank_; }
    int rank_count() const { return rank_count_; }
    MPI_Comm communicator() const { return communicator_; }

    /// Registers this rank's model state (its domain must be this rank of rank_count()) and
    /// drops the agents it does not hold. Throws std::logic_error on a mismatch.
    void attach(const Domain& domain, SiteRecords& records) override;

    void after_color(int rank, int color, std::span<const TileIndex> tiles_run) override;
    void after_phase(int rank) override;
    void sum_across_ranks(int rank, std::span<std::int64_t> values) override;
    void sum_across_ranks(int rank, std::span<ExactSum> values) override;
    void sum_across_ranks(int rank, IndexedExactSums& sums) override;

    /// Totals of this rank since construction (what it received).
    const ExchangeCounts& counts() const { return counts_; }
    /// The domain of every rank (which tiles each owns and holds), in rank order, once
    /// attached; empty before.
    std::span<const Domain* const> domains() const { return domain_views_; }
    /// Bytes this rank sent to other ranks since construction.
    std::uint64_t bytes_sent() const { return bytes_sent_; }
    /// Wall seconds this rank spent at sync points since construction: packing, sending and
    /// applying records and sums, and of it the wait for the other ranks to arrive (the first
    /// collective of each sync point, which returns when the last rank reaches it).
    double sync_seconds() const { return sync_seconds_; }
    double wait_seconds() const { return wait_seconds_; }

  private:
    enum class SyncPoint : std::int64_t { color = 1, phase, integer_sum, exact_sum, indexed_sum };

    void check_rank(int rank) const;
    /// Sends outgoing[q] to every rank q (and empties it) and returns what every rank sent
    /// here (index = sender; views of a buffer valid until the next call), after checking that
    /// every rank is at the same sync point.
    std::vector<std::span<const std::byte>> exchange(SyncPoint point, std::int64_t argument,
                                                     std::vector<std::vector<std::byte>>& outgoing);
    /// The sites of `tile`'s footprint that rank `holder` holds.
    /// Computed on first use and kept (a few border tiles per rank pair are non-empty).
    const std::vector<SiteIndex>& held_sites(TileIndex tile, int holder);

    MPI_Comm communicator_ = MPI_COMM_NULL;
    int rank_ = 0;
    int rank_count_ = 1;
    const Domain* domain_ = nullptr;
    SiteRecords* records_ = nullptr;
    // Every rank's domain (which tiles each owns and which sites it holds).
    std::vector<std::unique_ptr<Domain>> domains_;
    std::vector<const Domain*> domain_views_;
    // [holder rank][tile]: the sites of the tile's footprint the holder keeps, once computed.
    std::vector<std::vector<std::vector<SiteIndex>>> held_sites_;
    std::vector<std::vector<std::uint8_t>> held_sites_known_;
    // Message buffers reused from one sync point to the next (their capacity is kept).
    std::vector<std::vector<std::byte>> outgoing_;
    std::vector<std::byte> send_buffer_;
    std::vector<std::byte> receive_buffer_;
    ExchangeCounts counts_;
    std::uint64_t bytes_sent_ = 0;
    double sync_seconds_ = 0.0;
    double wait_seconds_ = 0.0;
};

}  // namespace cartsim::engine
