#pragma once
// The CAR-T / B-ALL model: a window of bone marrow on the lattice plus the whole patient as
// compartments (blood, lymphoid tissues, the rest of the marrow),
// assembled from the concepts of agents/ (one folder each: car_t, tissue, blood, cytokines,
// marrow, readouts). This class only builds the components, lists the phases in their order
// and declares which components hold state; rules, initial conditions, sources and
// observation live in their folders, and checkpoints, restore, the state hash and snapshots
// are generated from the components' own declarations (engine/model_state.hpp).

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "agents/car_t/columns.hpp"
#include "agents/car_t/constants.hpp"
#include "agents/car_t/phase.hpp"
#include "agents/car_t/rule.hpp"
#include "agents/cytokines/field_table.hpp"
#include "agents/cytokines/sources.hpp"
#include "agents/extensions/cell_kind.hpp"
#include "agents/marrow/vessels.hpp"
#include "agents/parameters.hpp"
#include "agents/patient/compartments.hpp"
#include "agents/patient/constants.hpp"
#include "agents/population_tags.hpp"
#include "agents/readouts/observables.hpp"
#include "agents/readouts/observe.hpp"
#include "agents/tissue/antigen_by_site.hpp"
#include "agents/tissue/columns.hpp"
#include "agents/tissue/constants.hpp"
#include "agents/tissue/rule.hpp"
#include "agents/tissue/schedule.hpp"
#include "agents/toxicity/schedule.hpp"
#include "agents/toxicity/state.hpp"
#include "engine/domain.hpp"
#include "engine/lattice.hpp"
#include "engine/model_state.hpp"
#include "engine/occupancy_layer.hpp"
#include "engine/population.hpp"
#include "engine/rank_exchange.hpp"
#include "engine/scheduler.hpp"
#include "engine/site_records.hpp"
#include "engine/tile_buckets.hpp"
#include "engine/tile_grid.hpp"

namespace cartsim::agents {

/// What a model may be given besides its parameters, from outside agents/ (tutorials, tests,
/// experiments): cytokine fields appended to the shipped table, their sources, and cell kinds
/// (agents/extensions/cell_kind.hpp). Their phases run after the shipped ones; their state is
/// checkpointed, restored and hashed with the model's, and snapshots show them.
struct ModelExtensions {
    std::vector<CytokineFieldSpec> cytokine_fields;
    std::vector<CytokineSource> cytokine_sources;
    std::vector<CellKindSpec> cell_kinds;
};

class MarrowModel {
  public:
    /// The tile grid's reach: the largest reach of any rule of the model (the CAR-T rule's).
    static constexpr int kReach = 2;

    /// Memory the model needs once built (layers, tissue cells, fields, tiles), in bytes: for a
    /// clear error before allocating a lattice that cannot fit. CAR-T cells come on top (about
    /// 30 bytes each at their peak).
    static double estimated_bytes(const Parameters& parameters);

    /// Builds the marrow (vessels, tissue cells) and infuses the dose into blood at day 0.
    /// Parameters must already be validated (scenarios/ does that). By default the only rank;
    /// with several (agents/marrow/virtual_rank_model.hpp) every rank builds the same initial
    /// state, then keeps its box and ghosts, and the global state (patient, kills, fields) is
    /// replicated on every rank from totals summed across ranks. Throws std::invalid_argument
    /// for several ranks where the model cannot split yet (well-mixed mode, extensions).
    explicit MarrowModel(const Parameters& parameters, ModelExtensions extensions = {},
                         const engine::RankPlacement& placement = {});

    /// Advances one fine step.
    void step();
    engine::Step current_step() const { return step_; }
    double time_days() const { return static_cast<double>(step_) * fine_step_days_; }
    double fine_step_days() const { return fine_step_days_; }

    /// Every component's declared state, visited in a fixed order (engine/model_state.hpp):
    /// the one list behind save/restore, the state hash and checkpoints.
    template <class Visitor>
    void visit_state(Visitor& visitor) const {
        visit_state_of(*this, visitor);
    }
    template <class Visitor>
    void visit_state(Visitor& visitor) {
        visit_state_of(*this, visitor);
    }
    /// What snapshots show: visitor.population(population) for each population and
    /// visitor.field(field) for each cytokine field.
    template <class Visitor>
    void visit_outputs(Visitor& visitor) const {
        visitor.population(tissue_);
        visitor.population(car_t_);
        for (const auto& kind : extra_kinds_) visitor.population(std::as_const(kind->cells));
        for (const CytokineField& field : cytokines_.fields()) visitor.field(field);
    }

    /// The state between steps: with the same parameters, a model given it by restore_state()
    /// continues exactly as this one would.
    engine::SavedState save_state() const;
    /// Replaces this model's state by a saved one (from a model built with the same
    /// parameters). Throws std::invalid_argument naming the piece of state that does not fit or
    /// breaks an invariant (agents/state_checks.hpp); the model must not be stepped then. On a
    /// rank of several, `state` is the whole model's (every rank restores the same state, then
    /// keeps its box and ghosts, as at construction).
    void restore_state(engine::SavedState state);

    Observables observe() const;
    /// Tallies of the window's cells on this rank's owned tiles (all of them on one rank): on
    /// several ranks, their sum over ranks is the whole window's (agents/readouts/observe.hpp).
    WindowTallies owned_window_tallies() const;
    /// observe() with the whole window's tallies given, e.g. summed over ranks; the rest
    /// (patient, fields, physiology) is replicated on every rank.
    Observables observe(const WindowTallies& window) const;
    std::uint64_t state_hash() const;

    const Parameters& parameters() const { return parameters_; }
    const engine::Lattice& lattice() const { return lattice_; }
    const engine::TileGrid& grid() const { return grid_; }
    /// The tiles this model state owns (all of them on a single rank).
    const engine::Domain& domain() const { return domain_; }
    const engine::Scheduler& scheduler() const { return scheduler_; }
    const engine::OccupancyLayer& tissue_layer() const { return tissue_layer_; }
    const engine::OccupancyLayer& mobile_layer() const { return mobile_layer_; }
    const engine::Population<TissueColumns>& tissue() const { return tissue_; }
    const engine::Population<CarTColumns>& car_t() const { return car_t_; }
    /// The whole patient outside the window: blood, lymphoid tissues, the rest of the marrow.
    const PatientCompartments& patient() const { return patient_; }
    const CarTPool& blood() const { return patient_.blood; }
    /// The whole body's toxicity physiology, drug levels and the doses given so far.
    const SystemicState& systemic() const { return systemic_; }
    const CytokineTable& cytokines() const { return cytokines_; }
    /// IL-6 producers (live marrow cells) per field cell, as the cytokine phase will use them.
    std::span<const std::uint32_t> marrow_cells_per_field_cell() const {
        return marrow_cells_per_field_cell_;
    }
    bool is_vessel(engine::SiteIndex site) const { return vessels_.contains(site); }
    std::size_t vessel_count() const { return vessels_.sites().size(); }
    /// Simulated marrow volume / the patient's whole marrow volume.
    double marrow_share() const { return marrow_share_; }

    /// Test hooks: place cells directly (sequential code only).
    engine::AgentSlot add_tissue_cell(engine::SiteIndex site, const TissueColumns::Row& row);
    engine::AgentSlot add_car_t_cell(engine::SiteIndex site, const CarTColumns::Row& row);
    /// Test hook: replaces the patient's blood CAR-T cells.
    void set_blood(const CarTPool& blood);

  private:
    template <class Self, class Visitor>
    static void visit_state_of(Self& self, Visitor& visitor) {
        visitor.scalar(engine::StateEntry{"", "step", "steps"}, self.step_);
        visitor.population(self.tissue_);
        visitor.population(self.car_t_);
        PatientCompartments::visit_state(self.patient_, visitor);
        KillCounters::visit_state(self.kills_, visitor);
        CytokineTable::visit_state(self.cytokines_, visitor);
        // The IL-6 producers as the running model counts them: after a CAR-T cell kills a
        // marrow cell the count is stale until the next tissue phase, so it is state, not a
        // recount (a restore that recounted would continue differently).
        visitor.array(engine::StateEntry{"cytokines", "il6_producers_per_field_cell", "cells"},
                      std::span(self.marrow_cells_per_field_cell_));
        SystemicState::visit_state(self.systemic_, visitor);
        for (const auto& kind : self.extra_kinds_) {
            if constexpr (std::is_const_v<Self>) {
                visitor.population(std::as_const(kind->cells));
            } else {
                visitor.population(kind->cells);
            }
        }
    }
    void add_cell_kinds(std::vector<CellKindSpec> kinds);
    ExtraCellKindView extra_view(ExtraCellKind& kind);
    void add_phases();
    void join_ranks(const engine::RankPlacement& placement);
    void car_t_phase(engine::Step step);
    void car_t_phase_across_ranks(engine::Step step);
    void cytokine_phase();
    void systemic_phase(engine::Step step);
    /// What follows a change of tissue cells: the IL-6 producers and the antigen copies.
    void after_tissue_changed();
    CarTView car_t_view();
    void update_car_t_signals();
    TissueView tissue_view();

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
    engine::TileBuckets tissue_buckets_;  // of the cells with an event due
    TissueSchedule tissue_schedule_;  // which tissue cells run at which tick (no state of its own)
    engine::Scheduler scheduler_;
    Vessels vessels_;
    CarTConstants car_t_constants_;
    TissueConstants tissue_constants_;
    KillCounters kills_;
    double marrow_share_;  // declared before cytokines_ and patient_constants_, built from it
    PatientConstants patient_constants_;
    PatientCompartments patient_;
    CarTSignals car_t_signals_;  // derived from patient_ (recomputed on restore)
    CytokineTable cytokines_;
    std::vector<InfusionDose> infusions_;  // car_t.infusion_schedule
    std::vector<DrugDose> drug_doses_;     // interventions.schedule
    SystemicState systemic_;
    std::vector<CytokineSource> extra_cytokine_sources_;
    std::vector<std::uint32_t> marrow_cells_per_field_cell_;  // IL-6 producers
    bool marrow_cells_need_count_ = false;  // changed outside the tissue phase's own records
    AntigenBySite antigen_;
    std::vector<MarrowCellChanges> marrow_changes_by_tile_;  // tissue phase scratch
    std::vector<CarTTileEvents> car_t_events_;               // by tile
    std::vector<std::unique_ptr<ExtraCellKind>> extra_kinds_;
    engine::Step step_ = 0;
    // Several ranks only: the layers and populations the exchange copies, the lysis counts of
    // one CAR-T phase (a pulse field of 1 pg per lysis) before they are summed across ranks,
    // and whether tissue cells changed (here or by copies) since the IL-6 producers were
    // counted and the antigen copies made. (One rank keeps both up to date itself.)
    engine::SiteRecords records_;
    std::unique_ptr<CytokineField> lysis_counts_;
    bool marrow_cells_need_count_across_ranks_ = false;
    bool antigen_needs_refresh_ = false;
};

}  // namespace cartsim::agents
