#include "agents/blood/phase.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "engine/occupancy_across_ranks.hpp"
#include "engine/random.hpp"

namespace cartsim::agents {

using engine::SiteIndex;

namespace {

// A blood cell drawn to enter this step, before its site is settled.
struct Entrant {
    std::size_t bin = 0;
    SiteIndex vessel = engine::kNoSite;
    std::uint8_t direction = 0;
};

CarTColumns::Row entrant_row(std::size_t bin, std::uint8_t direction) {
    // The cell keeps its state and exhaustion levels (the levels' middles; a terminally
    // exhausted cell's score is 1).
    const CarTState state = CarTPool::state_of_bin(bin);
    CarTColumns::Row row;
    row.state = state;
    row.exhaustion =
        state == CarTState::exhausted ? 1.0F : exhaustion_of_level(CarTPool::level_of_bin(bin));
    row.exhaustion_fixed =
        std::min(row.exhaustion, fixed_exhaustion_of_level(CarTPool::fixed_level_of_bin(bin)));
    row.direction = direction;
    return row;
}

}  // namespace

void blood_step(const BloodView& view, engine::Step step) {
    const auto vessel_sites = view.vessels.sites();
    if (vessel_sites.empty()) return;
    CarTPool& blood = view.blood;
    // 1. Who enters and which vessel each tries: draws from the blood's counts only (global
    //    state), the same on every rank.
    engine::RandomStream counts(view.seed, StreamId::blood_exchange, step, 0);
    const std::uint64_t directions = view.lattice.offsets(engine::Neighborhood::moore).size();
    std::vector<Entrant> entrants;
    std::uint64_t ordinal = 0;  // of the entry in this step, over all bins
    // The bins with cells, in order, by a scan without branches or calls: this runs every
    // minute over 4,096 bins, most of them empty, and a loop that skips them one by one around
    // the draws cost a tenth of a cohort patient's year (benchmarks/RESULTS.md, session 22).
    static_assert(CarTPool::kBins <= 65536, "bin numbers are stored in 16 bits");
    std::array<std::uint16_t, CarTPool::kBins> occupied;  // NOLINT: filled below before use
    std::size_t occupied_count = 0;
    for (std::size_t bin = 0; bin < CarTPool::kBins; ++bin) {
        occupied[occupied_count] = static_cast<std::uint16_t>(bin);
        occupied_count += blood.count[bin] != 0 ? 1 : 0;
    }
    for (std::size_t b = 0; b < occupied_count; ++b) {
        const std::size_t bin = occupied[b];
        // The window's share of the cells entering the marrow this step.
        const std::uint64_t entering = counts.binomial(blood.count[bin], view.enter_window);
        for (std::uint64_t i = 0; i < entering; ++i) {
            engine::RandomStream entry(view.seed, StreamId::blood_entry, step, ordinal++);
            Entrant entrant;
            entrant.bin = bin;
            entrant.vessel = vessel_sites[entry.below(vessel_sites.size())];
            entrant.direction = static_cast<std::uint8_t>(entry.below(directions));
            entrants.push_back(entrant);
        }
    }
    if (entrants.empty()) return;
    // 2. In draw order, as one model state would: the vessel if free, else its first free
    //    neighbour (as the sites' owners see them); a crowded vessel keeps the cell in blood.
    std::vector<SiteIndex> candidates;
    std::vector<std::size_t> run_ends;
    std::array<SiteIndex, 26> around{};
    for (const Entrant& entrant : entrants) {
        candidates.push_back(entrant.vessel);
        const int n = view.lattice.neighbors(entrant.vessel, engine::Neighborhood::moore, around);
        candidates.insert(candidates.end(), around.begin(), around.begin() + n);
        run_ends.push_back(candidates.size());
    }
    const std::vector<SiteIndex> sites =
        engine::first_free_sites_in_order(view.domain, view.mobile_layer, candidates, run_ends);
    // 3. Every rank settles every entrant (blood counts are global); the owner of the site's
    //    tile adds the cell.
    for (std::size_t i = 0; i < entrants.size(); ++i) {
        if (sites[i] == engine::kNoSite) continue;  // crowded: stays in blood
        --blood.count[entrants[i].bin];
        if (view.domain == nullptr || view.domain->owns_site(sites[i])) {
            view.car_t.add(sites[i], entrant_row(entrants[i].bin, entrants[i].direction));
        }
    }
}

}  // namespace cartsim::agents
