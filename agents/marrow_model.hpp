#pragma once
// The CAR-T / B-ALL model: a piece of bone marrow on the lattice plus a blood compartment.

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "agents/blood_compartment.hpp"
#include "agents/car_t_cells.hpp"
#include "agents/cytokines.hpp"
#include "agents/model_state.hpp"
#include "agents/observables.hpp"
#include "agents/parameters.hpp"
#include "agents/tissue_cells.hpp"
#include "engine/domain.hpp"
#include "engine/huge_page_allocator.hpp"
#include "engine/lattice.hpp"
#include "engine/occupancy_layer.hpp"
#include "engine/population.hpp"
#include "engine/scheduler.hpp"
#include "engine/tile_grid.hpp"
#include "engine/tile_sweep.hpp"

namespace cartsim::agents {

class MarrowModel {
  public:
    static constexpr std::uint8_t kTissueTag = 0;
    static constexpr std::uint8_t kCarTTag = 1;
    /// A CAR-T cell moves one site and then probes one site further; daughters go next to it.
    static constexpr int kReach = 2;
    /// Storage is re-sorted by tile every this many sweeps (memory locality only: results do
    /// not depend on it, only the slot order inside checkpoints does). CAR-T cells change
    /// tiles often, and a sweep's per-tile sort by id costs more the longer ago the last
    /// sort_by_tile was: every 8 steps was ~5% faster than every 32 at the bench_3d peak.
    static constexpr engine::Step kSortPeriodSteps = 32;
    static constexpr engine::Step kCarTSortPeriodSteps = 8;

    /// Memory the model needs once built (layers, tissue cells, fields, tiles), in bytes: for a
    /// clear error before allocating a lattice that cannot fit. CAR-T cells come on top (about
    /// 30 bytes each at their peak).
    static double estimated_bytes(const Parameters& parameters);

    /// Builds the marrow (vessels, tissue cells) and infuses the dose into blood at day 0.
    /// Parameters must already be validated (scenarios/ does that).
    explicit MarrowModel(const Parameters& parameters);

    /// Advances one fine step.
    void step();
    engine::Step current_step() const { return step_; }
    double time_days() const { return static_cast<double>(step_) * fine_step_days_; }
    double fine_step_days() const { return fine_step_days_; }

    /// The state between steps (for checkpoints): with the same parameters, a model given it by
    /// restore_state() continues exactly as this one would.
    MarrowModelState save_state() const;
    /// save_state() without the two populations (their PopulationState stays empty): for a
    /// writer that reads the populations in place (tissue(), car_t()) instead of copying them.
    MarrowModelState save_state_except_populations() const;
    /// Replaces this model's state by a saved one (from a model built with the same parameters).
    /// Throws std::invalid_argument if it does not fit this model's lattice or field grid.
    void restore_state(MarrowModelState state);

    Observables observe() const;
    std::uint64_t state_hash() const;

    const Parameters& parameters() const { return parameters_; }
    const engine::Lattice& lattice() const { return lattice_; }
    const engine::TileGrid& grid() const { return grid_; }
    const engine::Scheduler& scheduler() const { return scheduler_; }
    const engine::OccupancyLayer& tissue_layer() const { return tissue_layer_; }
    const engine::OccupancyLayer& mobile_layer() const { return mobile_layer_; }
    const engine::Population<TissueColumns>& tissue() const { return tissue_; }
    const engine::Population<CarTColumns>& car_t() const { return car_t_; }
    const BloodCompartment& blood() const { return blood_; }
    const Cytokines& cytokines() const { return cytokines_; }
    bool is_vessel(engine::SiteIndex site) const {
        return (vessel_bits_[site >> 6] >> (site & 63)) & 1U;
    }
    std::size_t vessel_count() const { return vessel_sites_.size(); }
    /// Simulated marrow volume / the patient's whole marrow volume.
    double marrow_share() const { return marrow_share_; }

    /// Test hooks: place cells directly (sequential code only).
    engine::AgentSlot add_tissue_cell(engine::SiteIndex site, const TissueColumns::Row& row);
    engine::AgentSlot add_car_t_cell(engine::SiteIndex site, const CarTColumns::Row& row);
    void set_blood_counts(const std::array<std::uint64_t, kCarTStateCount>& counts);

  private:
    void build_vessels();
    void build_tissue();
    void add_phases();

    void car_t_phase(engine::Step step);
    void tissue_phase(engine::Step step);
    void blood_phase(engine::Step step);
    void well_mixed_shuffle(engine::Step step);
    void car_t_rule(engine::AgentSlot slot, const engine::SweepContext& context);
    /// Memory hint of the CAR-T sweep (see engine::sweep_population): starts loading the layers
    /// and antigen copies of the next tile (dense tiles) or around each cell (sparse tiles).
    void prefetch_for_car_t(engine::TileIndex tile, std::span<const engine::AgentSlot> agents,
                            int distance) const;
    void tissue_rule(engine::AgentSlot slot, const engine::SweepContext& context);
    /// Rewrites the antigen copies by site from the tissue columns (after anything that adds
    /// tissue cells or changes their antigen: construction, the tissue phase, restore).
    void refresh_antigen_by_site();

    TissueColumns::Row make_blast(engine::RandomStream& random, bool cd19_negative,
                                  bool cd22_negative) const;
    TissueColumns::Row make_b_cell(engine::RandomStream& random) const;
    /// Probability of an event with this rate (per day) within `days`.
    static double chance(double rate_per_day, double days);

    Parameters parameters_;
    double fine_step_days_;
    double tissue_step_days_;
    engine::Lattice lattice_;
    engine::TileGrid grid_;
    engine::Domain domain_;
    engine::OccupancyLayer tissue_layer_;
    engine::OccupancyLayer mobile_layer_;
    engine::Population<TissueColumns> tissue_;
    engine::Population<CarTColumns> car_t_;
    // One bucketing per population: each keeps its arrays sized for its own agents.
    engine::TileBuckets car_t_buckets_;
    engine::TileBuckets tissue_buckets_;
    engine::Scheduler scheduler_;
    BloodCompartment blood_;
    double marrow_share_;  // declared before cytokines_, which is built from it
    Cytokines cytokines_;

    // CD19 (and, for a dual product, CD22) molecules of the tissue cell at each site, copied
    // from the tissue columns: a CAR-T probe reads them by site, next to the layers it already
    // reads, instead of by slot (a cache miss at full latency for most probes). Valid where the
    // tissue layer holds an agent; only the tissue phase adds cells or changes antigen, and
    // refresh_antigen_by_site() runs after it.
    using SiteFloats = std::vector<float, engine::HugePageAllocator<float>>;
    SiteFloats cd19_by_site_;
    SiteFloats cd22_by_site_;  // empty unless car_t.targets_cd22

    std::vector<std::uint64_t> vessel_bits_;
    std::vector<engine::SiteIndex> vessel_sites_;

    // Per-tile event records written inside sweeps (one writer per tile), merged after.
    struct TileEvents {
        std::array<std::uint64_t, kCarTStateCount> exits_to_blood{};
        std::uint64_t kills_blasts = 0;
        std::uint64_t kills_b_cells = 0;
        std::vector<engine::SiteIndex> lysis_sites;
    };
    std::vector<TileEvents> tile_events_;
    std::uint64_t kills_blasts_ = 0;
    std::uint64_t kills_b_cells_ = 0;

    // Per-step constants derived from parameters.
    struct StepChances {
        double blast_death, blast_division, b_cell_death, b_cell_production;
        double marrow_death, marrow_regeneration;
        double effector_contraction, memory_loss, exhausted_death;
        double contact_end, division, division_boosted, exit_to_blood;
        double move;
        double exhaustion_per_step, exhaustion_recovery_factor;
        double car_loss_per_step, car_recovery_per_step;
        std::uint32_t activation_steps;
        engine::Step boost_end_step;
    } chances_{};

    engine::Step step_ = 0;
};

}  // namespace cartsim::agents
