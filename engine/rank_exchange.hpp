#pragma once
// The sync points a multi-rank run needs from the engine, whatever carries the data between
// ranks (copies between model states in one process today, MPI messages later).

#include <cstdint>
#include <span>

#include "engine/types.hpp"

namespace cartsim::engine {

class Domain;
class ExactSum;
struct IndexedExactSums;
struct TileBox;
class SiteRecords;
class RankExchange;

/// Which of how many ranks a model state is, and the exchange that connects the ranks (none
/// on a single rank). A model passes it to its Domain and registers its site records; it never
/// decides anything by it.
struct RankPlacement {
    int rank_count = 1;
    int rank = 0;
    RankExchange* exchange = nullptr;
    /// Every rank's box (rank_count of them), e.g. rebalanced by work; empty: the even cuts of
    /// bisect_tile_grid. Not owned: read while the model is built.
    std::span<const TileBox> boxes{};
};

/// Called by every rank at the same points of a step, in the same order (all ranks run the
/// same schedule and every sweep visits every color, owned tiles or not), so an
/// implementation can treat each call as a collective.
class RankExchange {
  public:
    virtual ~RankExchange() = default;
    /// Registers a rank's model state once it is built (whole, as on one rank): the exchange
    /// keeps the agents on the rank's owned and ghost tiles only.
    virtual void attach(const Domain& domain, SiteRecords& records) = 0;
    /// After rank `rank` has run its tiles of `color` in a sweep: every site written by some
    /// rank during that color must reach every rank that holds it before the next color.
    /// `tiles_run` lists the rank's tiles of that color whose rules ran (ascending): only their
    /// footprints can have changed (a sweep writes nothing but through its rules).
    virtual void after_color(int rank, int color, std::span<const TileIndex> tiles_run) = 0;
    /// After a scheduler phase: agents committed or added in it reach every rank that holds
    /// their site.
    virtual void after_phase(int rank) = 0;
    /// Global quantities (counts of exits, entrants, kills; field sources): every rank passes
    /// its own part and gets back the sum over ranks, the same on every rank. Integers and
    /// exact sums, so the result does not depend on how the lattice is split. Element-wise for
    /// several values (e.g. one per field cell); every rank passes the same length.
    virtual void sum_across_ranks(int rank, std::span<std::int64_t> values) = 0;
    virtual void sum_across_ranks(int rank, std::span<ExactSum> values) = 0;
    /// Exact sums at a few indices of a long array: every rank passes its own entries
    /// (ascending indices, each rank its own) and gets back the union over ranks with each
    /// index's parts added, the same on every rank. Moves only the entries some rank has.
    virtual void sum_across_ranks(int rank, IndexedExactSums& sums) = 0;
};

}  // namespace cartsim::engine
