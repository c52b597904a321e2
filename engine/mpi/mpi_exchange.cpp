#include "engine/mpi/mpi_exchange.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace cartsim::engine {

namespace {

// Adds the wall time of its scope to a total.
class ScopedSeconds {
  public:
    explicit ScopedSeconds(double& total)
        : total_(&total), start_(std::chrono::steady_clock::now()) {}
    ~ScopedSeconds() {
        *total_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }
    ScopedSeconds(const ScopedSeconds&) = delete;
    ScopedSeconds& operator=(const ScopedSeconds&) = delete;

  private:
    double* total_;
    std::chrono::steady_clock::time_point start_;
};

// Exact sums travel as their raw bytes (limbs, deposit count, special-value flags).
static_assert(std::is_trivially_copyable_v<ExactSum>);

constexpr int kHeaderValues = 3;  // sync point, its argument, bytes that follow

int message_count(std::size_t bytes) {
    if (bytes > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        throw std::length_error(fmt::format(
            "rank exchange: a message of {} bytes exceeds MPI's int count; use more ranks", bytes));
    }
    return static_cast<int>(bytes);
}

template <class T>
void put(std::vector<std::byte>& out, const T& value) {
    const std::size_t at = out.size();
    out.resize(at + sizeof(T));
    std::memcpy(out.data() + at, &value, sizeof(T));
}

template <class T>
T take(std::span<const std::byte>& in) {
    if (in.size() < sizeof(T)) {
        throw std::runtime_error("rank exchange: malformed message (cut short)");
    }
    T value;
    std::memcpy(&value, in.data(), sizeof(T));
    in = in.subspan(sizeof(T));
    return value;
}

}  // namespace

MpiExchange::MpiExchange(MPI_Comm communicator) {
    MPI_Comm_dup(communicator, &communicator_);
    MPI_Comm_rank(communicator_, &rank_);
    MPI_Comm_size(communicator_, &rank_count_);
}

// The duplicate is left to MPI_Finalize: MPI_Comm_free is collective, and ranks destroy their
// exchanges at different moments (rank 0 before it tells the others to stop).
MpiExchange::~MpiExchange() = default;

void MpiExchange::check_rank(int rank) const {
    if (rank != rank_) {
        throw std::logic_error(
            fmt::format("MPI rank {} called the exchange as rank {}", rank_, rank));
    }
}

void MpiExchange::attach(const Domain& domain, SiteRecords& records) {
    if (domain.rank_count() != rank_count_ || domain.rank() != rank_) {
        throw std::logic_error(
            fmt::format("a domain of rank {} of {} attached to MPI rank {} of {}", domain.rank(),
                        domain.rank_count(), rank_, rank_count_));
    }
    if (domain_ != nullptr) {
        throw std::logic_error(fmt::format("MPI rank {} attached twice", rank_));
    }
    domain_ = &domain;
    records_ = &records;
    records.keep_only_held(domain);
    const TileGrid& grid = domain.grid();
    for (int r = 0; r < rank_count_; ++r) {
        // The boxes this rank was built with (even cuts, or rebalanced ones).
        domains_.push_back(std::make_unique<Domain>(
            grid, std::vector<TileBox>(domain.boxes().begin(), domain.boxes().end()), r));
        domain_views_.push_back(domains_.back().get());
    }
    held_sites_.assign(static_cast<std::size_t>(rank_count_), {});
    for (auto& by_tile : held_sites_) by_tile.resize(grid.tile_count());
    held_sites_known_.assign(static_cast<std::size_t>(rank_count_),
                             std::vector<std::uint8_t>(grid.tile_count(), 0));
}

const std::vector<SiteIndex>& MpiExchange::held_sites(TileIndex tile, int holder) {
    const auto h = static_cast<std::size_t>(holder);
    std::vector<SiteIndex>& sites = held_sites_[h][tile];
    if (held_sites_known_[h][tile] == 0) {
        // Once per (tile, holder) for the exchange's life: the boxes do not change under it.
        const Domain& domain = *domains_[h];
        for (const SiteIndex site : tile_footprint(domain.grid(), tile)) {
            if (domain.holds_site(site)) sites.push_back(site);
        }
        held_sites_known_[h][tile] = 1;
    }
    return sites;
}

std::vector<std::span<const std::byte>> MpiExchange::exchange(
    SyncPoint point, std::int64_t argument, std::vector<std::vector<std::byte>>& outgoing) {
    const auto ranks = static_cast<std::size_t>(rank_count_);
    std::vector<std::int64_t> headers_out(kHeaderValues * ranks);
    std::vector<std::int64_t> headers_in(kHeaderValues * ranks);
    for (std::size_t q = 0; q < ranks; ++q) {
        headers_out[kHeaderValues * q] = static_cast<std::int64_t>(point);
        headers_out[kHeaderValues * q + 1] = argument;
        headers_out[kHeaderValues * q + 2] = static_cast<std::int64_t>(outgoing[q].size());
    }
    {
        const ScopedSeconds waiting(wait_seconds_);
        MPI_Alltoall(headers_out.data(), kHeaderValues, MPI_INT64_T, headers_in.data(),
                     kHeaderValues, MPI_INT64_T, communicator_);
    }
    for (std::size_t r = 0; r < ranks; ++r) {
        if (headers_in[kHeaderValues * r] != static_cast<std::int64_t>(point) ||
            headers_in[kHeaderValues * r + 1] != argument) {
            throw std::logic_error(fmt::format(
                "MPI ranks {} and {} reached different sync points: the ranks' schedules diverged",
                rank_, r));
        }
    }
    std::vector<int> send_counts(ranks);
    std::vector<int> send_offsets(ranks);
    std::vector<int> receive_counts(ranks);
    std::vector<int> receive_offsets(ranks);
    // The buffers keep their capacity between sync points: no allocation or page faults per
    // colour once the largest message has been seen.
    send_buffer_.clear();
    std::size_t receive_total = 0;
    for (std::size_t q = 0; q < ranks; ++q) {
        send_offsets[q] = message_count(send_buffer_.size());
        send_counts[q] = message_count(outgoing[q].size());
        send_buffer_.insert(send_buffer_.end(), outgoing[q].begin(), outgoing[q].end());
        if (q != static_cast<std::size_t>(rank_)) bytes_sent_ += outgoing[q].size();
        outgoing[q].clear();
        receive_offsets[q] = message_count(receive_total);
        receive_counts[q] =
            message_count(static_cast<std::size_t>(headers_in[kHeaderValues * q + 2]));
        receive_total += static_cast<std::size_t>(receive_counts[q]);
    }
    message_count(send_buffer_.size());
    message_count(receive_total);
    receive_buffer_.resize(receive_total);
    MPI_Alltoallv(send_buffer_.data(), send_counts.data(), send_offsets.data(), MPI_BYTE,
                  receive_buffer_.data(), receive_counts.data(), receive_offsets.data(), MPI_BYTE,
                  communicator_);
    std::vector<std::span<const std::byte>> incoming(ranks);
    for (std::size_t r = 0; r < ranks; ++r) {
        incoming[r] = std::span<const std::byte>(receive_buffer_)
                          .subspan(static_cast<std::size_t>(receive_offsets[r]),
                                   static_cast<std::size_t>(receive_counts[r]));
    }
    return incoming;
}

void MpiExchange::after_color(int rank, int color, std::span<const TileIndex> tiles_run) {
    check_rank(rank);
    const ScopedSeconds syncing(sync_seconds_);
    const auto ranks = static_cast<std::size_t>(rank_count_);
    // To each rank, for each tile that ran here and whose footprint it holds: the tile, then the
    // records of the footprint sites it holds.
    std::vector<std::vector<std::byte>>& outgoing = outgoing_;
    outgoing.resize(ranks);
    for (const TileIndex tile : tiles_run) {
        for (std::size_t q = 0; q < ranks; ++q) {
            if (q == static_cast<std::size_t>(rank_)) continue;
            const std::vector<SiteIndex>& sites = held_sites(tile, static_cast<int>(q));
            if (sites.empty()) continue;
            put(outgoing[q], tile);
            records_->encode_sites(sites, outgoing[q]);
        }
    }
    const auto incoming = exchange(SyncPoint::color, color, outgoing);
    // In sender order, then tile order: the order VirtualRanks copies in.
    const TileGrid& grid = domain_->grid();
    for (std::size_t r = 0; r < ranks; ++r) {
        if (r == static_cast<std::size_t>(rank_)) continue;
        std::span<const std::byte> in = incoming[r];
        while (!in.empty()) {
            const auto tile = take<TileIndex>(in);
            if (tile >= grid.tile_count() || domains_[r]->owner_of(tile) != static_cast<int>(r) ||
                grid.color_of(tile) != color) {
                throw std::runtime_error(fmt::format(
                    "rank exchange: MPI rank {} sent tile {}, not one of its colour-{} tiles", r,
                    tile, color));
            }
            const std::vector<SiteIndex>& sites = held_sites(tile, rank_);
            const ExchangeCounts copied = records_->apply_sites(in, sites, *domain_);
            counts_.handed_over += copied.handed_over;
            counts_.sites_copied += copied.sites_copied;
        }
    }
}

void MpiExchange::after_phase(int rank) {
    check_rank(rank);
    const ScopedSeconds syncing(sync_seconds_);
    const auto ranks = static_cast<std::size_t>(rank_count_);
    const std::vector<std::vector<SiteIndex>> births = records_->take_births_to_share();
    std::vector<std::vector<std::byte>> outgoing(ranks);
    std::vector<SiteIndex> sites;
    for (std::size_t q = 0; q < ranks; ++q) {
        if (q == static_cast<std::size_t>(rank_)) continue;
        for (std::size_t layer = 0; layer < births.size(); ++layer) {
            sites.clear();
            for (const SiteIndex site : births[layer]) {
                if (domains_[q]->holds_site(site)) sites.push_back(site);
            }
            put(outgoing[q], static_cast<std::uint64_t>(sites.size()));
            for (const SiteIndex site : sites) put(outgoing[q], site);
            records_->encode_layer_sites(layer, sites, outgoing[q]);
        }
    }
    const auto layers = static_cast<std::int64_t>(births.size());
    const auto incoming = exchange(SyncPoint::phase, layers, outgoing);
    for (std::size_t r = 0; r < ranks; ++r) {
        if (r == static_cast<std::size_t>(rank_)) continue;
        std::span<const std::byte> in = incoming[r];
        for (std::size_t layer = 0; layer < births.size(); ++layer) {
            const auto count = take<std::uint64_t>(in);
            if (count > in.size() / sizeof(SiteIndex)) {
                throw std::runtime_error("rank exchange: malformed births message (site count)");
            }
            sites.resize(static_cast<std::size_t>(count));
            for (SiteIndex& site : sites) site = take<SiteIndex>(in);
            if (sites.empty()) continue;
            counts_.births_handed_over += records_->apply_layer_sites(layer, in, sites, *domain_);
            counts_.sites_copied += sites.size();
        }
        if (!in.empty()) {
            throw std::runtime_error(
                fmt::format("rank exchange: {} bytes from MPI rank {} left over after its births",
                            in.size(), r));
        }
    }
}

void MpiExchange::sum_across_ranks(int rank, std::span<std::int64_t> values) {
    check_rank(rank);
    const ScopedSeconds syncing(sync_seconds_);
    std::vector<std::vector<std::byte>> none(static_cast<std::size_t>(rank_count_));
    exchange(SyncPoint::integer_sum, static_cast<std::int64_t>(values.size()), none);
    MPI_Allreduce(MPI_IN_PLACE, values.data(), message_count(values.size()), MPI_INT64_T, MPI_SUM,
                  communicator_);
}

void MpiExchange::sum_across_ranks(int rank, std::span<ExactSum> values) {
    check_rank(rank);
    const ScopedSeconds syncing(sync_seconds_);
    std::vector<std::vector<std::byte>> none(static_cast<std::size_t>(rank_count_));
    exchange(SyncPoint::exact_sum, static_cast<std::int64_t>(values.size()), none);
    const std::size_t bytes = values.size() * sizeof(ExactSum);
    std::vector<ExactSum> parts(values.size() * static_cast<std::size_t>(rank_count_));
    MPI_Allgather(values.data(), message_count(bytes), MPI_BYTE, parts.data(), message_count(bytes),
                  MPI_BYTE, communicator_);
    // The sum in rank order, as VirtualRanks adds the parts.
    for (std::size_t i = 0; i < values.size(); ++i) {
        ExactSum total;
        for (std::size_t r = 0; r < static_cast<std::size_t>(rank_count_); ++r) {
            total += parts[r * values.size() + i];
        }
        values[i] = total;
    }
}

void MpiExchange::sum_across_ranks(int rank, IndexedExactSums& sums) {
    check_rank(rank);
    const ScopedSeconds syncing(sync_seconds_);
    std::vector<std::vector<std::byte>> none(static_cast<std::size_t>(rank_count_));
    exchange(SyncPoint::indexed_sum, 0, none);
    // This rank's entries as (index, accumulator) pairs of raw bytes.
    std::vector<std::byte> mine;
    mine.reserve(sums.size() * (sizeof(std::uint64_t) + sizeof(ExactSum)));
    for (std::size_t k = 0; k < sums.size(); ++k) {
        put(mine, sums.indices[k]);
        put(mine, sums.sums[k]);
    }
    const auto ranks = static_cast<std::size_t>(rank_count_);
    std::vector<int> counts(ranks);
    const int my_count = message_count(mine.size());
    MPI_Allgather(&my_count, 1, MPI_INT, counts.data(), 1, MPI_INT, communicator_);
    std::vector<int> offsets(ranks);
    std::size_t total_bytes = 0;
    for (std::size_t r = 0; r < ranks; ++r) {
        offsets[r] = message_count(total_bytes);
        total_bytes += static_cast<std::size_t>(counts[r]);
    }
    std::vector<std::byte> all(total_bytes);
    MPI_Allgatherv(mine.data(), my_count, MPI_BYTE, all.data(), counts.data(), offsets.data(),
                   MPI_BYTE, communicator_);
    bytes_sent_ += mine.size() * (ranks - 1);
    // Added in rank order, as VirtualRanks adds them.
    IndexedExactSums total;
    for (std::size_t r = 0; r < ranks; ++r) {
        std::span<const std::byte> in(all.data() + offsets[r], static_cast<std::size_t>(counts[r]));
        IndexedExactSums part;
        while (!in.empty()) {
            const auto index = take<std::uint64_t>(in);
            if (!part.indices.empty() && index <= part.indices.back()) {
                throw std::runtime_error(
                    fmt::format("rank exchange: MPI rank {} sent indexed sums out of order", r));
            }
            part.indices.push_back(index);
            part.sums.push_back(take<ExactSum>(in));
        }
        merge_into(total, part);
    }
    sums = std::move(total);
}

}  // namespace cartsim::engine
