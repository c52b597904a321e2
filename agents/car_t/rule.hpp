#pragma once
// The CAR-T rule: what one CAR-T cell does in one fine step. A free function over an explicit
// view of what it may read and write, with its descriptor, and the per-tile records of what it
// did that concern the rest of the model (exits into blood, kills, lysis sites).

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "agents/car_t/columns.hpp"
#include "agents/car_t/constants.hpp"
#include "agents/car_t/pool.hpp"
#include "agents/marrow/vessels.hpp"
#include "agents/population_tags.hpp"
#include "agents/tissue/antigen_by_site.hpp"
#include "agents/tissue/columns.hpp"
#include "engine/lattice.hpp"
#include "engine/occupancy_layer.hpp"
#include "engine/population.hpp"
#include "engine/rule_descriptor.hpp"
#include "engine/sweep_context.hpp"
#include "engine/tile_prefetch.hpp"

namespace cartsim::agents {

/// What the CAR-T cells of one tile did in a sweep (one writer per tile; merged in tile order).
struct CarTTileEvents {
    std::vector<std::size_t> exits_to_blood;  ///< the CarTPool bin of each cell that left
    std::uint64_t kills_blasts = 0;
    std::uint64_t kills_b_cells = 0;
    std::vector<engine::SiteIndex> lysis_sites;
};

/// What the CAR-T rule may touch.
struct CarTView {
    engine::Population<CarTColumns>& car_t;     ///< its own cells: columns, move, kill, spawn
    engine::Population<TissueColumns>& tissue;  ///< targets: read kind, kill
    const engine::OccupancyLayer& tissue_layer;
    const engine::OccupancyLayer& mobile_layer;
    const engine::Lattice& lattice;
    const AntigenBySite& antigen;
    const Vessels& vessels;
    const CarTConstants& constants;
    const CarTSignals& signals;
    std::span<CarTTileEvents> events;  ///< by tile

    /// The site-indexed arrays a step reads around its cell: the layout description from which
    /// the engine makes the sweep's memory hints (engine/tile_prefetch.hpp).
    std::array<engine::SiteArray, 4> site_arrays() const {
        return {
            engine::SiteArray::of(mobile_layer.data()), engine::SiteArray::of(tissue_layer.data()),
            engine::SiteArray::of(antigen.cd19_data()), engine::SiteArray::of(antigen.cd22_data())};
    }
};

inline constexpr std::array kCarTStreams = {StreamId::cart_step};
/// A cell moves one site and then probes one site further; daughters go next to it: reach 2.
inline constexpr engine::RuleDescriptor kCarTRule{
    .name = "car-t",
    .reach = 2,
    .streams = kCarTStreams,
    .effects = {
        .may_kill = {kCarTTag, kTissueTag}, .may_spawn = {kCarTTag}, .may_move = {kCarTTag}}};

/// Contraction and death, stimulation (exhaustion, CAR down-regulation), killing, recovery,
/// the persistent random walk, exit into blood, probing and binding, and antigen-driven
/// division of the cell in `slot`. Every draw comes from one stream per cell and step, in code
/// order.
void car_t_step(const CarTView& view, engine::AgentSlot slot, const engine::SweepContext& context);

}  // namespace cartsim::agents
