#include "engine/virtual_ranks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace cartsim::engine {

VirtualRanks::VirtualRanks(int rank_count)
    : rank_count_(rank_count),
      domains_(static_cast<std::size_t>(std::max(rank_count, 1)), nullptr),
      records_(static_cast<std::size_t>(std::max(rank_count, 1)), nullptr),
      barrier_(std::max(rank_count, 1), Completion{this}),
      arrived_(static_cast<std::size_t>(std::max(rank_count, 1))),
      integer_operands_(static_cast<std::size_t>(std::max(rank_count, 1))),
      exact_operands_(static_cast<std::size_t>(std::max(rank_count, 1))),
      indexed_operands_(static_cast<std::size_t>(std::max(rank_count, 1)), nullptr),
      tiles_run_(static_cast<std::size_t>(std::max(rank_count, 1))) {
    if (rank_count < 1) {
        throw std::invalid_argument(
            fmt::format("virtual rank count must be >= 1, got {}", rank_count));
    }
}

void VirtualRanks::attach(const Domain& domain, SiteRecords& records) {
    if (domain.rank_count() != rank_count_) {
        throw std::logic_error(fmt::format("a domain of {} ranks attached to {} virtual ranks",
                                           domain.rank_count(), rank_count_));
    }
    const auto r = static_cast<std::size_t>(domain.rank());
    if (domains_[r] != nullptr) {
        throw std::logic_error(fmt::format("virtual rank {} attached twice", domain.rank()));
    }
    domains_[r] = &domain;
    records_[r] = &records;
    records.keep_only_held(domain);
    if (footprints_.empty()) {
        const TileGrid& grid = domain.grid();
        footprints_.resize(grid.tile_count());
        for (TileIndex t = 0; t < grid.tile_count(); ++t) footprints_[t] = tile_footprint(grid, t);
    }
}

void VirtualRanks::run(const std::function<void(int rank)>& work) {
    if (broken_) throw std::logic_error("virtual ranks used again after a rank failed");
    for (int r = 0; r < rank_count_; ++r) {
        if (domains_[static_cast<std::size_t>(r)] == nullptr) {
            throw std::logic_error(fmt::format("virtual rank {} has no model state", r));
        }
    }
    {
        std::vector<std::jthread> threads;
        threads.reserve(static_cast<std::size_t>(rank_count_));
        for (int r = 0; r < rank_count_; ++r) {
            threads.emplace_back([this, r, &work] {
                try {
                    work(r);
                } catch (...) {
                    {
                        const std::lock_guard lock(failure_mutex_);
                        if (!failure_) failure_ = std::current_exception();
                    }
                    // Leave the protocol so the other ranks do not wait for this one forever.
                    barrier_.arrive_and_drop();
                }
            });
        }
    }  // joins
    if (failure_) {
        broken_ = true;
        std::rethrow_exception(failure_);
    }
    if (mismatch_) {
        broken_ = true;
        throw std::logic_error(
            "virtual ranks reached different sync points: the ranks' schedules diverged");
    }
}

void VirtualRanks::after_color(int rank, int color, std::span<const TileIndex> tiles_run) {
    tiles_run_[static_cast<std::size_t>(rank)] = tiles_run;
    arrive(rank, SyncPoint::color, color);
}

void VirtualRanks::after_phase(int rank) {
    arrive(rank, SyncPoint::phase, -1);
}

void VirtualRanks::sum_across_ranks(int rank, std::span<std::int64_t> values) {
    integer_operands_[static_cast<std::size_t>(rank)] = values;
    // The operand's length is part of the sync point: ranks must agree on it.
    arrive(rank, SyncPoint::integer_sum, static_cast<int>(values.size()));
}

void VirtualRanks::sum_across_ranks(int rank, std::span<ExactSum> values) {
    exact_operands_[static_cast<std::size_t>(rank)] = values;
    arrive(rank, SyncPoint::exact_sum, static_cast<int>(values.size()));
}

void VirtualRanks::sum_across_ranks(int rank, IndexedExactSums& sums) {
    indexed_operands_[static_cast<std::size_t>(rank)] = &sums;
    arrive(rank, SyncPoint::indexed_sum, -1);
}

void VirtualRanks::arrive(int rank, SyncPoint point, int color) {
    arrived_[static_cast<std::size_t>(rank)] = {point, color};
    barrier_.arrive_and_wait();
}

void VirtualRanks::complete() noexcept {
    try {
        const auto first = arrived_.front();
        for (const auto& sync : arrived_) {
            if (sync != first) mismatch_ = true;
        }
        if (mismatch_) return;
        switch (first.first) {
            case SyncPoint::color:
                if (color_syncs_++ != skipped_sync_) exchange_color();
                break;
            case SyncPoint::phase:
                exchange_births();
                break;
            case SyncPoint::integer_sum:
            case SyncPoint::exact_sum:
                sum_operands(first.first);
                break;
            case SyncPoint::indexed_sum: {
                // In rank order, as MpiExchange adds them (exact, so any order gives the same).
                IndexedExactSums total;
                for (const IndexedExactSums* part : indexed_operands_) merge_into(total, *part);
                for (IndexedExactSums* part : indexed_operands_) *part = total;
                break;
            }
        }
    } catch (...) {
        const std::lock_guard lock(failure_mutex_);
        if (!failure_) failure_ = std::current_exception();
    }
}

void VirtualRanks::exchange_color() {
    std::vector<SiteIndex> sites;
    for (int r = 0; r < rank_count_; ++r) {
        const SiteRecords& from = *records_[static_cast<std::size_t>(r)];
        for (const TileIndex tile : tiles_run_[static_cast<std::size_t>(r)]) {
            const std::vector<SiteIndex>& footprint = footprints_[tile];
            for (int q = 0; q < rank_count_; ++q) {
                if (q == r) continue;
                const Domain& receiver = *domains_[static_cast<std::size_t>(q)];
                sites.clear();
                for (const SiteIndex site : footprint) {
                    if (receiver.holds_site(site)) sites.push_back(site);
                }
                if (sites.empty()) continue;
                const ExchangeCounts copied =
                    records_[static_cast<std::size_t>(q)]->copy_sites_from(from, sites, receiver);
                counts_.handed_over += copied.handed_over;
                counts_.sites_copied += copied.sites_copied;
            }
        }
    }
}

void VirtualRanks::sum_operands(SyncPoint point) {
    if (point == SyncPoint::exact_sum) {
        std::vector<ExactSum> total(exact_operands_.front().size());
        for (const auto part : exact_operands_) {
            for (std::size_t i = 0; i < total.size(); ++i) total[i] += part[i];
        }
        for (const auto part : exact_operands_) std::copy(total.begin(), total.end(), part.begin());
        return;
    }
    std::vector<std::int64_t> total(integer_operands_.front().size(), 0);
    for (const auto part : integer_operands_) {
        for (std::size_t i = 0; i < total.size(); ++i) total[i] += part[i];
    }
    for (const auto part : integer_operands_) std::copy(total.begin(), total.end(), part.begin());
}

void VirtualRanks::exchange_births() {
    std::vector<SiteIndex> sites;
    for (int r = 0; r < rank_count_; ++r) {
        SiteRecords& from = *records_[static_cast<std::size_t>(r)];
        const std::vector<std::vector<SiteIndex>> births = from.take_births_to_share();
        for (std::size_t layer = 0; layer < births.size(); ++layer) {
            if (births[layer].empty()) continue;
            for (int q = 0; q < rank_count_; ++q) {
                if (q == r) continue;
                const Domain& receiver = *domains_[static_cast<std::size_t>(q)];
                sites.clear();
                for (const SiteIndex site : births[layer]) {
                    if (receiver.holds_site(site)) sites.push_back(site);
                }
                if (sites.empty()) continue;
                counts_.births_handed_over +=
                    records_[static_cast<std::size_t>(q)]->copy_layer_sites_from(from, layer, sites,
                                                                                 receiver);
                counts_.sites_copied += sites.size();
            }
        }
    }
}

}  // namespace cartsim::engine
