#include "agents/marrow_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "agents/blood/phase.hpp"
#include "agents/chance.hpp"
#include "agents/numerical_error.hpp"
#include "agents/patient/homeostasis.hpp"
#include "agents/patient/phase.hpp"
#include "agents/readouts/observe.hpp"
#include "agents/state_checks.hpp"
#include "agents/tissue/initial.hpp"
#include "agents/tissue/phase.hpp"
#include "agents/toxicity/phase.hpp"
#include "agents/toxicity/physiology.hpp"
#include "engine/tile_sweep.hpp"

namespace cartsim::agents {

using engine::AgentSlot;
using engine::SiteIndex;
using engine::Step;

namespace {

constexpr double kMinutesPerDay = 1440.0;
constexpr double kUm3PerMl = 1e12;

engine::Lattice make_lattice(const SpaceParameters& space) {
    return {space.nx, space.ny, space.nz,
            space.periodic ? engine::Boundary::periodic : engine::Boundary::reflective};
}

std::vector<CytokineFieldSpec> field_table(const CytokineParameters& parameters,
                                           std::vector<CytokineFieldSpec> extra) {
    std::vector<CytokineFieldSpec> specs = cytokine_field_specs(parameters);
    for (CytokineFieldSpec& spec : extra) specs.push_back(std::move(spec));
    return specs;
}

}  // namespace

double MarrowModel::estimated_bytes(const Parameters& parameters) {
    const SpaceParameters& space = parameters.space;
    const double sites = static_cast<double>(space.nx) * space.ny * space.nz;
    // Two occupancy layers (4 B per site each), the antigen copies by site (4 B per antigen
    // a probe reads) and the vessel bit set.
    const double antigen_copies = parameters.car_t.targets_cd22 ? 2 : 1;
    const double layers = sites * (2 * 4 + 4 * antigen_copies + 1.0 / 8);
    // Tissue cells: id 8, site 4, kind 1, flags 1, CD19 4, CD22 4, next event tick 4 bytes,
    // reserved 5% over, the calendar of next events (4), and the transient copy of a sort by
    // tile (order, tile index: 8 more bytes per cell).
    const double tissue = sites * parameters.initial.cellularity * (26 * 1.05 + 4 + 8);
    // Each cytokine field: ~160 B per field cell (values, sources, CG vectors, sparse matrix).
    const double c = parameters.cytokines.field_coarsening;
    const double field_cells = sites / (space.nz == 1 ? c * c : c * c * c);
    const auto field_count = static_cast<double>(cytokine_field_specs(parameters.cytokines).size());
    const double fields = field_count * 160 * field_cells;
    return layers + tissue + fields;
}

MarrowModel::MarrowModel(const Parameters& parameters, ModelExtensions extensions,
                         const engine::RankPlacement& placement)
    : parameters_(parameters),
      fine_step_days_(parameters.time.fine_step_min / kMinutesPerDay),
      tissue_step_days_(fine_step_days_ * parameters.time.tissue_period_steps),
      lattice_(make_lattice(parameters.space)),
      grid_(lattice_, kReach, parameters.space.tile_edge_sites),
      domain_(placement.boxes.empty()
                  ? engine::Domain(grid_, placement.rank_count, placement.rank)
                  : engine::Domain(grid_,
                                   std::vector<engine::TileBox>(placement.boxes.begin(),
                                                                placement.boxes.end()),
                                   placement.rank)),
      tissue_layer_(lattice_.site_count()),
      mobile_layer_(lattice_.site_count()),
      tissue_("tissue", kTissueTag, tissue_layer_, grid_),
      car_t_("car_t", kCarTTag, mobile_layer_, grid_),
      scheduler_(parameters.time.fine_step_min),
      vessels_(lattice_, parameters.space.vessel_fraction, parameters.seed),
      car_t_constants_(CarTConstants::from(parameters, fine_step_days_)),
      tissue_constants_(TissueConstants::from(parameters, tissue_step_days_)),
      marrow_share_(static_cast<double>(lattice_.site_count()) *
                    std::pow(parameters.space.site_edge_um, 3) / kUm3PerMl /
                    parameters.space.total_marrow_volume_ml),
      patient_constants_(PatientConstants::from(parameters, tissue_step_days_, marrow_share_)),
      cytokines_(lattice_, parameters.cytokines, parameters.space.site_edge_um, marrow_share_,
                 field_table(parameters.cytokines, std::move(extensions.cytokine_fields))),
      infusions_(parse_infusion_schedule(parameters.car_t.infusion_schedule, parameters.time.days)),
      drug_doses_(parse_drug_schedule(parameters.interventions.schedule, parameters.time.days,
                                      {parameters.interventions.tocilizumab_dose_mg_per_kg,
                                       parameters.interventions.dexamethasone_dose_mg})),
      systemic_(systemic_state_at_rest(parameters.toxicity)),
      extra_cytokine_sources_(std::move(extensions.cytokine_sources)),
      marrow_cells_per_field_cell_(cytokines_.field_cell_count(), 0),
      antigen_(lattice_.site_count(), parameters.car_t.targets_cd22),
      marrow_changes_by_tile_(grid_.tile_count()),
      car_t_events_(grid_.tile_count()) {
    // Daughters look for free non-vessel sites (agents/tissue/rule.cpp): a bit per site.
    tissue_layer_.track_free_sites([&](engine::SiteIndex s) { return vessels_.contains(s); });
    // A rank joining others builds only the tiles it holds (the rest it would drop on joining).
    build_tissue(parameters_, tissue_constants_, lattice_, vessels_, tissue_,
                 placement.exchange != nullptr ? &domain_ : nullptr);
    after_tissue_changed();
    // Day 0: the rest of the marrow, and the whole dose in the patient's blood.
    initialize_patient(patient_, patient_constants_, parameters_);
    systemic_.next_infusion = day_zero_infusions(infusions_);
    systemic_.infused_dose_multiple = 0.0;
    for (std::uint64_t k = 0; k < systemic_.next_infusion; ++k) {
        systemic_.infused_dose_multiple += infusions_[k].dose_multiple;
    }
    update_car_t_signals();
    add_cell_kinds(std::move(extensions.cell_kinds));
    join_ranks(placement);
    add_phases();
}

void MarrowModel::join_ranks(const engine::RankPlacement& placement) {
    scheduler_.sync_with(domain_);  // a no-op without an exchange
    if (placement.exchange == nullptr) return;
    if (placement.rank_count > 1) {
        // What still runs on the whole lattice from one state's view (issue 17).
        const auto refuse = [&](std::string_view what) {
            throw std::invalid_argument(
                fmt::format("{} virtual ranks: {} cannot be split across ranks yet; run with "
                            "--virtual-ranks 1",
                            placement.rank_count, what));
        };
        if (parameters_.well_mixed) {
            refuse("run.well_mixed (CAR-T cells jump to random free sites of the whole lattice)");
        }
        if (!extra_kinds_.empty() || !extra_cytokine_sources_.empty() ||
            cytokines_.fields().size() != cytokine_field_specs(parameters_.cytokines).size()) {
            refuse("a model with extensions (added cell kinds, cytokine fields or sources)");
        }
    }
    records_.add_layer(tissue_layer_, tissue_);
    records_.add_layer(mobile_layer_, car_t_);
    domain_.set_exchange(placement.exchange);
    placement.exchange->attach(domain_, records_);
    CytokineFieldSpec counter{"lysis_count", "lysis count", 0.0, 0.0, 0.0, true};
    lysis_counts_ = std::make_unique<CytokineField>(std::move(counter), lattice_,
                                                    parameters_.cytokines.field_coarsening,
                                                    parameters_.space.site_edge_um);
}

CarTView MarrowModel::car_t_view() {
    return {car_t_,   tissue_,  tissue_layer_,    mobile_layer_,  lattice_,
            antigen_, vessels_, car_t_constants_, car_t_signals_, car_t_events_};
}

void MarrowModel::update_car_t_signals() {
    car_t_signals_ =
        car_t_signals(parameters_, car_t_constants_, patient_.endogenous_lymphocytes,
                      fine_step_days_, steroid_effect(systemic_, parameters_.interventions));
}

TissueView MarrowModel::tissue_view() {
    return {tissue_, tissue_layer_, lattice_, vessels_, tissue_constants_};
}

// The step, in the order the phases run within one fine step (printed by `cartsim run`).
void MarrowModel::add_phases() {
    const std::uint64_t seed = parameters_.seed;
    if (parameters_.well_mixed) {
        scheduler_.add(
            {"well-mixed-shuffle", "test mode: CAR-T cells jump to random free sites", 1, 0,
             [this, seed](Step s) { well_mixed_shuffle(car_t_, mobile_layer_, seed, s); }});
    }
    const double enter_window =
        chance(parameters_.car_t.blood_to_marrow_per_day * marrow_share_, fine_step_days_);
    scheduler_.add({"blood", "CAR-T cells of the patient's blood entering the window at vessels", 1,
                    0, [this, seed, enter_window](Step s) {
                        blood_step({patient_.blood, car_t_, mobile_layer_, lattice_, vessels_,
                                    enter_window, seed, &domain_},
                                   s);
                    }});
    scheduler_.add({"car-t", "CAR-T walk, probe, bind, kill, divide, exhaust, exit", 1, 0,
                    [this](Step s) { car_t_phase(s); }});
    const auto tissue_period = static_cast<std::uint64_t>(parameters_.time.tissue_period_steps);
    scheduler_.add({"tissue", "blasts, B cells, marrow cells: death, division, differentiation",
                    tissue_period, 0, [this, seed, tissue_period](Step s) {
                        const MarrowCellCounts marrow_cells{
                            marrow_cells_per_field_cell_,
                            [this](SiteIndex site) { return cytokines_.field_cell_of_site(site); },
                            marrow_changes_by_tile_};
                        run_tissue_phase(tissue_view(), domain_, tissue_schedule_, tissue_buckets_,
                                         antigen_, seed, s, tissue_period, &marrow_cells);
                        if (domain_.has_exchange()) {
                            // Births across borders reach their owners after the phase: the
                            // producers are counted in the next phase (the patient's, on the
                            // same clock), the antigen copies made before the next CAR-T phase.
                            marrow_cells_need_count_across_ranks_ = true;
                            antigen_needs_refresh_ = true;
                            return;
                        }
                        // Cell kinds added from outside may kill marrow cells at any time.
                        if (marrow_cells_need_count_ || !extra_kinds_.empty()) {
                            marrow_cells_per_field_cell_ =
                                count_marrow_cells_per_field_cell(tissue_, cytokines_);
                            marrow_cells_need_count_ = false;
                        }
                    }});
    scheduler_.add(
        {"patient", "whole patient: blood, lymphoid tissues, rest of the marrow; blasts homing",
         tissue_period, 0, [this, seed](Step s) {
             if (marrow_cells_need_count_across_ranks_) {
                 // The tissue phase's births are with their owners now: each rank counts its
                 // own tiles' marrow cells, summed across ranks (what one rank counted at the
                 // tissue phase's end; nothing changed marrow cells since).
                 marrow_cells_per_field_cell_ =
                     count_marrow_cells_per_field_cell(tissue_, cytokines_, &domain_);
                 marrow_cells_need_count_across_ranks_ = false;
             }
             patient_step({patient_, tissue_, antigen_, tissue_layer_, lattice_, vessels_,
                           patient_constants_, car_t_signals_, parameters_, seed, &domain_},
                          s);
             // Homing blasts reach the other ranks holding their sites after the phase.
             if (domain_.has_exchange()) antigen_needs_refresh_ = true;
             update_car_t_signals();  // lymphocytes regrew
             // Homing adds blasts only: the IL-6 producers counted after the tissue phase stand.
         }});
    scheduler_.add({"systemic",
                    "whole body: infusions, CRS/ICANS physiology, tocilizumab and steroids",
                    tissue_period, 0, [this](Step s) { systemic_phase(s); }});
    const auto field_period = static_cast<std::uint64_t>(parameters_.time.field_period_steps);
    scheduler_.add({"cytokines", "IFN-g secretion, IL-6 production, diffusion, serum levels",
                    field_period, field_period - 1, [this](Step) { cytokine_phase(); }});
    for (const auto& owned : extra_kinds_) {
        ExtraCellKind& kind = *owned;
        scheduler_.add({kind.spec.name, "added cell kind (ModelExtensions)", kind.spec.period_steps,
                        0, [this, seed, &kind](Step s) {
                            const ExtraCellKindView view = extra_view(kind);
                            engine::sweep_population(
                                domain_, kind.cells, kind.buckets, seed, s, kind.spec.descriptor,
                                [&](AgentSlot slot, const engine::SweepContext& context) {
                                    kind.spec.step(view, slot, context);
                                });
                            kind.cells.commit();
                        }});
    }
}

void MarrowModel::car_t_phase(Step s) {
    if (domain_.has_exchange()) {
        car_t_phase_across_ranks(s);
        return;
    }
    const std::size_t tissue_before = tissue_.live_count();
    const std::uint64_t kills_before = kills_.blasts + kills_.b_cells;
    run_car_t_phase(
        car_t_view(), domain_, car_t_buckets_, parameters_.seed, s,
        {patient_.blood, kills_, cytokines_["il6"], parameters_.cytokines.il6_per_lysis_pg});
    // A marrow cell killed (one that took the site of an engaged target): the IL-6 producers
    // are recounted after the next tissue phase.
    if (tissue_before - tissue_.live_count() != kills_.blasts + kills_.b_cells - kills_before) {
        marrow_cells_need_count_ = true;
    }
}

// The events of this rank's tiles (exits to blood, kills, lyses per field cell) are integers
// summed across ranks, so every rank applies the totals one rank would have found; lyses add
// their IL-6 one by one, as one rank adds them. (The IL-6 producers are recounted after every
// tissue tick here, as one rank recounts them after a tick that follows a marrow cell killed;
// otherwise one rank's running count equals a recount.)
void MarrowModel::car_t_phase_across_ranks(Step s) {
    if (antigen_needs_refresh_) {
        antigen_.refresh(tissue_);
        antigen_needs_refresh_ = false;
    }
    CarTPool exits;
    KillCounters kills;
    run_car_t_phase(car_t_view(), domain_, car_t_buckets_, parameters_.seed, s,
                    {exits, kills, *lysis_counts_, 1.0});
    const std::span<const double> lyses = lysis_counts_->pending_release_pg();
    std::vector<std::int64_t> totals(CarTPool::kBins + 2 + lyses.size());
    std::copy(exits.count.begin(), exits.count.end(), totals.begin());
    totals[CarTPool::kBins] = static_cast<std::int64_t>(kills.blasts);
    totals[CarTPool::kBins + 1] = static_cast<std::int64_t>(kills.b_cells);
    for (std::size_t cell = 0; cell < lyses.size(); ++cell) {
        totals[CarTPool::kBins + 2 + cell] = static_cast<std::int64_t>(lyses[cell]);  // exact
    }
    lysis_counts_->clear_releases();
    domain_.sum_across_ranks(totals);
    for (std::size_t bin = 0; bin < CarTPool::kBins; ++bin) {
        patient_.blood.count[bin] += static_cast<std::uint64_t>(totals[bin]);
    }
    kills_.blasts += static_cast<std::uint64_t>(totals[CarTPool::kBins]);
    kills_.b_cells += static_cast<std::uint64_t>(totals[CarTPool::kBins + 1]);
    CytokineField& il6 = cytokines_["il6"];
    for (std::size_t cell = 0; cell < lyses.size(); ++cell) {
        const auto count = static_cast<std::uint64_t>(totals[CarTPool::kBins + 2 + cell]);
        if (count > 0) {
            il6.add_releases_at_cell(cell, count, parameters_.cytokines.il6_per_lysis_pg);
        }
    }
}

void MarrowModel::add_cell_kinds(std::vector<CellKindSpec> kinds) {
    for (CellKindSpec& spec : kinds) {
        for (const auto& kind : extra_kinds_) {
            if (kind->spec.tag == spec.tag || kind->spec.name == spec.name) {
                throw std::invalid_argument("cell kind '" + spec.name +
                                            "' repeats the tag or name of '" + kind->spec.name +
                                            "'");
            }
        }
        extra_kinds_.push_back(std::make_unique<ExtraCellKind>(std::move(spec), lattice_, grid_));
        ExtraCellKind& kind = *extra_kinds_.back();
        if (kind.spec.place_initial) kind.spec.place_initial(extra_view(kind));
    }
}

ExtraCellKindView MarrowModel::extra_view(ExtraCellKind& kind) {
    return {kind.cells, lattice_, tissue_layer_, mobile_layer_, tissue_, car_t_, parameters_.seed};
}

void MarrowModel::systemic_phase(Step s) {
    // Engaged CAR-T cells of the whole patient: the window's, and those of the rest of the
    // marrow and of spleen and nodes by their mean field (share of time in a synapse).
    // Counted on each rank's own tiles and summed across ranks.
    std::array<std::int64_t, 1> engaged{
        static_cast<std::int64_t>(engine::parallel_count(car_t_.slot_count(), [&](std::size_t i) {
            const auto slot = static_cast<AgentSlot>(i);
            return car_t_.alive(slot) && car_t_.columns().engaged_site[slot] != engine::kNoSite &&
                   domain_.owns_site(car_t_.site(slot));
        }))};
    domain_.sum_across_ranks(engaged);
    const auto window_engaged = static_cast<double>(engaged[0]);
    const CarTContact contact = rest_marrow_contact(patient_, patient_constants_);
    const CarTContact lymphoid = lymphoid_contact(patient_, patient_constants_);
    const double rest_engaged =
        static_cast<double>(patient_.rest_marrow.total()) * (1.0 - contact.free_fraction) +
        static_cast<double>(patient_.lymphoid.total()) * (1.0 - lymphoid.free_fraction);
    const std::uint64_t kills =
        kills_.blasts + kills_.b_cells + patient_.rest_kills_blasts + patient_.rest_kills_b_cells;
    systemic_step({systemic_, patient_.blood, parameters_, infusions_, drug_doses_,
                   static_cast<double>(s) * fine_step_days_, tissue_step_days_,
                   window_engaged + rest_engaged, kills, patient_.car_t_activations});
    update_car_t_signals();  // steroid levels changed
}

void MarrowModel::cytokine_phase() {
    const CytokineParameters& p = parameters_.cytokines;
    // Steroids damp cytokine output in the marrow as in the body (agents/toxicity).
    const double output = 1.0 - parameters_.interventions.steroid_cytokine_effect *
                                    steroid_effect(systemic_, parameters_.interventions);
    secrete_ifng_from_engaged_car_t(car_t_, p.ifng_secretion_pg_per_hour / 60.0 * output,
                                    cytokines_["ifng"],
                                    car_t_constants_.product.exhausted_kill_factor, &domain_);
    produce_il6_from_marrow_cells(marrow_cells_per_field_cell_,
                                  p.il6_per_ifng_pg_per_hour / 60.0 * output, cytokines_["ifng"],
                                  cytokines_["il6"]);
    if (!extra_cytokine_sources_.empty()) {
        CytokineSourceInputs inputs{tissue_, car_t_, parameters_, {}};
        for (const auto& kind : extra_kinds_) inputs.extra_kinds.push_back(&kind->cells);
        for (const CytokineSource& source : extra_cytokine_sources_) source.add(inputs, cytokines_);
    }
    cytokines_.update(static_cast<double>(parameters_.time.field_period_steps) *
                      parameters_.time.fine_step_min);
}

void MarrowModel::after_tissue_changed() {
    marrow_cells_per_field_cell_ = count_marrow_cells_per_field_cell(tissue_, cytokines_);
    antigen_.refresh(tissue_);
}

void MarrowModel::step() {
    try {
        scheduler_.run_step(step_);
    } catch (const NumericalError& error) {
        throw NumericalError(fmt::format("{} at step {} (day {:.4f}); the model stopped there",
                                         error.what(), step_, time_days()));
    }
    ++step_;
}

Observables MarrowModel::observe() const {
    return agents::observe({time_days(), tissue_, car_t_, patient_, patient_constants_, cytokines_,
                            kills_, systemic_, marrow_share_, parameters_});
}

WindowTallies MarrowModel::owned_window_tallies() const {
    return agents::window_tallies({time_days(), tissue_, car_t_, patient_, patient_constants_,
                                   cytokines_, kills_, systemic_, marrow_share_, parameters_},
                                  &domain_);
}

Observables MarrowModel::observe(const WindowTallies& window) const {
    return agents::observe({time_days(), tissue_, car_t_, patient_, patient_constants_, cytokines_,
                            kills_, systemic_, marrow_share_, parameters_},
                           window);
}

std::uint64_t MarrowModel::state_hash() const {
    engine::StateHasher hasher;
    engine::StateHashVisitor visitor(hasher);
    visit_state(visitor);
    return hasher.value();
}

engine::SavedState MarrowModel::save_state() const {
    engine::SavedState state;
    engine::StateSaver saver(state);
    visit_state(saver);
    return state;
}

void MarrowModel::restore_state(engine::SavedState state) {
    engine::StateRestorer restorer(state);
    visit_state(restorer);
    // Every value is checked before the model may run on it (agents/state_checks.hpp).
    const auto tissue_period = static_cast<Step>(parameters_.time.tissue_period_steps);
    // A tissue tick is 32 bits: a step counter past the last tick this clock can name would wrap
    // the tick (and step + period would overflow), so that the event times checked below and
    // the ticks the phase runs at disagree.
    const Step last_step =
        (static_cast<Step>(std::numeric_limits<TissueTick>::max()) - 1) * tissue_period;
    if (step_ > last_step) {
        throw std::invalid_argument(
            fmt::format("state step: {} is past the last step this model can run ({}: the last "
                        "tissue tick of a {}-step tissue period)",
                        step_, last_step, tissue_period));
    }
    check_tissue_state(tissue_, vessels_, tissue_tick_of(step_ + tissue_period - 1, tissue_period));
    check_car_t_state(car_t_, lattice_, car_t_constants_);
    check_patient_state(patient_, patient_constants_);
    check_cytokine_state(cytokines_);
    check_systemic_state(systemic_, infusions_.size(), drug_doses_.size());
    for (const auto& kind : extra_kinds_) check_extra_cell_kind_state(kind->cells);
    for (CarTTileEvents& events : car_t_events_) events = CarTTileEvents{};
    // The saved producer counts are kept (see visit_state_of); where they differ from a count
    // of the restored cells, a kill made them stale and the next tissue phase recounts, as it
    // would have in the saved run.
    const std::vector<std::uint32_t> counted =
        count_marrow_cells_per_field_cell(tissue_, cytokines_);
    std::vector<std::uint32_t> sites_per_field_cell(counted.size(), 0);
    for (SiteIndex site = 0; site < lattice_.site_count(); ++site) {
        ++sites_per_field_cell[cytokines_.field_cell_of_site(site)];
    }
    check_il6_producer_counts(marrow_cells_per_field_cell_, sites_per_field_cell);
    marrow_cells_need_count_ = marrow_cells_per_field_cell_ != counted;
    antigen_.refresh(tissue_);
    update_car_t_signals();
    if (domain_.has_exchange()) {
        // As at construction: the whole state (counted and copied whole above), then this rank
        // keeps its box and ghosts.
        records_.keep_only_held(domain_);
        lysis_counts_->clear_releases();
        marrow_cells_need_count_across_ranks_ = false;
        antigen_needs_refresh_ = false;
    }
}

AgentSlot MarrowModel::add_tissue_cell(SiteIndex site, const TissueColumns::Row& row) {
    const AgentSlot slot = tissue_.add(site, row);
    antigen_.set(site, row);
    marrow_cells_need_count_ = true;  // after the next tissue phase, as for any added cell
    return slot;
}

AgentSlot MarrowModel::add_car_t_cell(SiteIndex site, const CarTColumns::Row& row) {
    return car_t_.add(site, row);
}

void MarrowModel::set_blood(const CarTPool& blood) {
    patient_.blood = blood;
}

}  // namespace cartsim::agents
