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

// The blood's cells not yet picked this step, by bin, as a Fenwick tree: the bin of the cell of
// a given rank (cells ordered by bin) in log2(kBins) steps, since a large window can draw
// thousands of entrants a minute.
class CellsLeftByBin {
  public:
    static_assert((CarTPool::kBins & (CarTPool::kBins - 1)) == 0, "a power of two");

    explicit CellsLeftByBin(const std::array<std::uint64_t, CarTPool::kBins>& count) {
        for (std::size_t i = 1; i <= CarTPool::kBins; ++i) {
            tree_[i] += count[i - 1];
            const std::size_t parent = i + (i & (~i + 1));
            if (parent <= CarTPool::kBins) tree_[parent] += tree_[i];
        }
    }

    /// Cells not yet picked (the root holds every bin's count).
    std::uint64_t cells_left() const { return tree_[CarTPool::kBins]; }

    /// Removes the cell of rank `rank` (0-based, below cells_left()) and returns its bin.
    std::size_t take_cell_of_rank(std::uint64_t rank) {
        std::size_t at = 0;  // the last position whose prefix holds at most `rank` cells
        for (std::size_t step = CarTPool::kBins; step != 0; step >>= 1) {
            if (tree_[at + step] <= rank) {
                at += step;
                rank -= tree_[at];
            }
        }
        for (std::size_t i = at + 1; i <= CarTPool::kBins; i += i & (~i + 1)) --tree_[i];
        return at;  // bin `at` is position at + 1
    }

  private:
    std::array<std::uint64_t, CarTPool::kBins + 1> tree_{};
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
    // How many of the blood's cells enter, then which: one binomial over all cells, then that
    // many cells picked without replacement across the bins. Jointly this is exactly one
    // binomial per bin (independent binomials of one chance, conditioned on their sum, are
    // multivariate hypergeometric), and it costs one draw a minute instead of one per occupied
    // bin (~500): the blood phase was a third of a cohort patient's year (benchmarks/RESULTS.md,
    // session 23). Nearly every minute draws 0.
    const std::uint64_t in_blood = blood.total();
    const std::uint64_t entering = counts.binomial(in_blood, view.enter_window);
    if (entering == 0) return;
    CellsLeftByBin left(blood.count);
    std::array<std::uint64_t, CarTPool::kBins> entering_of_bin{};
    for (std::uint64_t k = 0; k < entering; ++k) {
        // The k-th cell picked: uniform over the cells not yet picked, found by its bin.
        ++entering_of_bin[left.take_cell_of_rank(counts.below(left.cells_left()))];
    }
    std::vector<Entrant> entrants;
    entrants.reserve(static_cast<std::size_t>(entering));
    std::uint64_t ordinal = 0;  // of the entry in this step, over all bins in bin order
    for (std::size_t bin = 0; bin < CarTPool::kBins; ++bin) {
        for (std::uint64_t i = 0; i < entering_of_bin[bin]; ++i) {
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
