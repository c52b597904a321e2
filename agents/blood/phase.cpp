#include "agents/blood/phase.hpp"

#include <algorithm>
#include <array>
#include <unordered_set>
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
    std::size_t first_candidate = 0;  // its vessel, then the vessel's Moore neighbours
    std::size_t candidate_count = 0;
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
    for (std::size_t bin = 0; bin < CarTPool::kBins; ++bin) {
        if (blood.count[bin] == 0) continue;
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
    // 2. The occupancy of every site an entrant may take, as the sites' owners see it.
    std::vector<SiteIndex> candidates;
    std::array<SiteIndex, 26> around{};
    for (Entrant& entrant : entrants) {
        entrant.first_candidate = candidates.size();
        candidates.push_back(entrant.vessel);
        const int n = view.lattice.neighbors(entrant.vessel, engine::Neighborhood::moore, around);
        candidates.insert(candidates.end(), around.begin(), around.begin() + n);
        entrant.candidate_count = candidates.size() - entrant.first_candidate;
    }
    const std::vector<std::uint8_t> occupied =
        engine::occupied_across_ranks(view.domain, view.mobile_layer, candidates);
    // 3. In draw order, as one model state would: the vessel if free, else its first free
    //    neighbour; a crowded vessel keeps the cell in blood. Every rank settles every entrant
    //    (blood counts are global); the owner of the site's tile adds the cell.
    std::unordered_set<SiteIndex> taken;  // by entrants of this step
    for (const Entrant& entrant : entrants) {
        SiteIndex site = engine::kNoSite;
        for (std::size_t k = 0; k < entrant.candidate_count; ++k) {
            const std::size_t c = entrant.first_candidate + k;
            if (occupied[c] == 0 && !taken.contains(candidates[c])) {
                site = candidates[c];
                break;
            }
        }
        if (site == engine::kNoSite) continue;  // crowded: stays in blood
        taken.insert(site);
        --blood.count[entrant.bin];
        if (view.domain == nullptr || view.domain->owns_site(site)) {
            view.car_t.add(site, entrant_row(entrant.bin, entrant.direction));
        }
    }
}

}  // namespace cartsim::agents
