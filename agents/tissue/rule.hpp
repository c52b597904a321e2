#pragma once
// The tissue rule: what one blast, B cell or marrow cell does in one tissue step. A free
// function over an explicit view of what it may read and write, with its descriptor.

#include <array>
#include <vector>

#include "agents/marrow/vessels.hpp"
#include "agents/population_tags.hpp"
#include "agents/tissue/columns.hpp"
#include "agents/tissue/constants.hpp"
#include "agents/tissue/event_law.hpp"
#include "engine/lattice.hpp"
#include "engine/occupancy_layer.hpp"
#include "engine/population.hpp"
#include "engine/rule_descriptor.hpp"
#include "engine/sweep_context.hpp"

namespace cartsim::agents {

/// How a visit draws the cell's fates: `event_driven` (the model) visits a cell only at its
/// event tick, draws the trials given that one succeeds and then the next event tick;
/// `hourly_reference` (tests) is the plain per-tick rule, for every cell every tick.
enum class TissueFates : std::uint8_t { event_driven, hourly_reference };

/// Marrow cells (the IL-6 producers, agents/cytokines/sources.hpp) one tile's cells removed
/// or added in a tissue step, so their count per field cell follows without a recount.
struct MarrowCellChanges {
    std::vector<engine::SiteIndex> lost;    ///< died, displaced or became a B cell
    std::vector<engine::SiteIndex> gained;  ///< regenerated (a birth: exists after the commit)
};

/// What the tissue rule may touch.
struct TissueView {
    engine::Population<TissueColumns>& tissue;  ///< its own cells: columns, kill, spawn
    const engine::OccupancyLayer& tissue_layer;
    const engine::Lattice& lattice;
    const Vessels& vessels;
    const TissueConstants& constants;
    TissueTick tick = 0;  ///< this tissue step's tick
    TissueFates fates = TissueFates::event_driven;
    /// By tile; null where nobody follows the marrow cells.
    std::vector<MarrowCellChanges>* marrow_changes = nullptr;
};

inline constexpr std::array kTissueStreams = {StreamId::tissue_fate, StreamId::tissue_daughter};
/// Daughters go to a Moore neighbour, and a blast may displace a marrow cell there: reach 1.
inline constexpr engine::RuleDescriptor kTissueRule{
    .name = "tissue",
    .reach = 1,
    .streams = kTissueStreams,
    .effects = {.may_kill = {kTissueTag}, .may_spawn = {kTissueTag}, .may_move = {}}};

/// Death, division (with antigen inheritance, CD19 loss and lineage switch), B-cell
/// differentiation and marrow regeneration of the cell in `slot`.
void tissue_step(const TissueView& view, engine::AgentSlot slot,
                 const engine::SweepContext& context);

}  // namespace cartsim::agents
