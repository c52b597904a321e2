#pragma once
// Sequential code that places agents by the occupancy of a few sites anywhere on the lattice
// (blood entrants at vessels) asks this instead of its own layer: on one rank the layer has
// every site; with several, each site's owner answers and the answers are summed across
// ranks, so every rank sees the same occupancy and makes the same placements.

#include <cstdint>
#include <span>
#include <unordered_set>
#include <vector>

#include "engine/domain.hpp"
#include "engine/occupancy_layer.hpp"

namespace cartsim::engine {

/// 1 where a site of `sites` holds something (an agent or a pending birth), 0 where it is
/// empty, in the order of `sites` (repeats allowed), the same on every rank. A collective
/// (Domain::sum_across_ranks) when the domain has an exchange: every rank calls it with the
/// same sites. No domain: a lone model state whose layer has every site.
inline std::vector<std::uint8_t> occupied_across_ranks(const Domain* domain,
                                                       const OccupancyLayer& layer,
                                                       std::span<const SiteIndex> sites) {
    std::vector<std::uint8_t> occupied(sites.size(), 0);
    if (domain == nullptr || !domain->has_exchange()) {
        for (std::size_t i = 0; i < sites.size(); ++i) occupied[i] = !layer.is_empty(sites[i]);
        return occupied;
    }
    std::vector<std::int64_t> owners_answers(sites.size(), 0);
    for (std::size_t i = 0; i < sites.size(); ++i) {
        if (domain->owns_site(sites[i]) && !layer.is_empty(sites[i])) owners_answers[i] = 1;
    }
    domain->sum_across_ranks(owners_answers);
    for (std::size_t i = 0; i < sites.size(); ++i) occupied[i] = owners_answers[i] != 0;
    return occupied;
}

/// Agents arriving one after another (in draw order), each with a run of candidate sites in
/// order of preference: `candidates` holds the runs back to back, `run_ends[i]` is where
/// arrival i's run ends. Each takes its first candidate that is empty (as the sites' owners
/// report, occupied_across_ranks) and not taken by an earlier arrival; kNoSite when none is.
/// The same on every rank; a collective like occupied_across_ranks.
inline std::vector<SiteIndex> first_free_sites_in_order(const Domain* domain,
                                                        const OccupancyLayer& layer,
                                                        std::span<const SiteIndex> candidates,
                                                        std::span<const std::size_t> run_ends) {
    const std::vector<std::uint8_t> occupied = occupied_across_ranks(domain, layer, candidates);
    std::vector<SiteIndex> chosen(run_ends.size(), kNoSite);
    std::unordered_set<SiteIndex> taken;
    std::size_t begin = 0;
    for (std::size_t i = 0; i < run_ends.size(); ++i) {
        for (std::size_t c = begin; c < run_ends[i]; ++c) {
            if (occupied[c] == 0 && !taken.contains(candidates[c])) {
                chosen[i] = candidates[c];
                taken.insert(candidates[c]);
                break;
            }
        }
        begin = run_ends[i];
    }
    return chosen;
}

}  // namespace cartsim::engine
