#include "agents/marrow_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <utility>

#include "agents/antigen_binding.hpp"
#include "agents/numerical_error.hpp"
#include "engine/parallel_for.hpp"
#include "engine/prefetch.hpp"
#include "engine/state_hash.hpp"

namespace cartsim::agents {

using engine::AgentHandle;
using engine::AgentSlot;
using engine::kNoSite;
using engine::Neighborhood;
using engine::RandomStream;
using engine::SiteIndex;
using engine::Step;
using engine::SweepContext;

namespace {

constexpr double kMinutesPerDay = 1440.0;
constexpr double kUm3PerMl = 1e12;

engine::Lattice make_lattice(const SpaceParameters& space) {
    return {space.nx, space.ny, space.nz,
            space.periodic ? engine::Boundary::periodic : engine::Boundary::reflective};
}

}  // namespace

double MarrowModel::estimated_bytes(const Parameters& parameters) {
    const SpaceParameters& space = parameters.space;
    const double sites = static_cast<double>(space.nx) * space.ny * space.nz;
    // Two occupancy layers (4 B per site each), the antigen copies by site (4 B per antigen
    // a probe reads) and the vessel bit set.
    const double antigen_copies = parameters.car_t.targets_cd22 ? 2 : 1;
    const double layers = sites * (2 * 4 + 4 * antigen_copies + 1.0 / 8);
    // Tissue cells: id 8, site 4, kind 1, flags 1, CD19 4, CD22 4 bytes, reserved 5% over, and
    // the transient copy of a sort by tile (order, tile index: 8 more bytes per cell).
    const double tissue = sites * parameters.initial.cellularity * (22 * 1.05 + 8);
    // Two fields of ~160 B per field cell (values, sources, CG vectors, sparse matrix).
    const double c = parameters.cytokines.field_coarsening;
    const double field_cells = sites / (space.nz == 1 ? c * c : c * c * c);
    const double fields = 2 * 160 * field_cells;
    return layers + tissue + fields;
}

double MarrowModel::chance(double rate_per_day, double days) {
    return -std::expm1(-rate_per_day * days);
}

MarrowModel::MarrowModel(const Parameters& parameters)
    : parameters_(parameters),
      fine_step_days_(parameters.time.fine_step_min / kMinutesPerDay),
      tissue_step_days_(fine_step_days_ * parameters.time.tissue_period_steps),
      lattice_(make_lattice(parameters.space)),
      grid_(lattice_, kReach, parameters.space.tile_edge_sites),
      domain_(grid_),
      tissue_layer_(lattice_.site_count()),
      mobile_layer_(lattice_.site_count()),
      tissue_("tissue", kTissueTag, tissue_layer_, grid_.tile_count()),
      car_t_("car_t", kCarTTag, mobile_layer_, grid_.tile_count()),
      scheduler_(parameters.time.fine_step_min),
      marrow_share_(static_cast<double>(lattice_.site_count()) *
                    std::pow(parameters.space.site_edge_um, 3) / kUm3PerMl /
                    parameters.space.total_marrow_volume_ml),
      cytokines_(lattice_, parameters.cytokines, parameters.space.site_edge_um, marrow_share_),
      cd19_by_site_(lattice_.site_count(), 0.0F),
      cd22_by_site_(parameters.car_t.targets_cd22 ? lattice_.site_count() : 0, 0.0F),
      tile_events_(grid_.tile_count()) {
    const ProductParameters& product = parameters.car_t.product();
    const double dt = fine_step_days_;
    auto& c = chances_;
    c.blast_death = chance(parameters.blasts.death_rate_per_day, tissue_step_days_);
    c.blast_division = chance(parameters.blasts.birth_rate_per_day, tissue_step_days_);
    c.b_cell_death = chance(1.0 / parameters.b_cells.lifetime_days, tissue_step_days_);
    c.b_cell_production = chance(parameters.b_cells.production_per_day, tissue_step_days_);
    c.marrow_death = chance(parameters.marrow_cells.death_rate_per_day, tissue_step_days_);
    c.marrow_regeneration = chance(parameters.marrow_cells.regeneration_per_day, tissue_step_days_);
    c.effector_contraction = chance(product.effector_death_per_day, dt);
    c.memory_loss = chance(product.memory_loss_per_day, dt);
    c.exhausted_death = chance(product.exhausted_death_per_day, dt);
    c.contact_end = chance(kMinutesPerDay / product.synapse_min, dt);
    const double fitness = parameters.car_t.product_fitness;
    const double division_rate = fitness * std::numbers::ln2 / product.doubling_time_days;
    c.division = chance(division_rate, dt);
    c.division_boosted = chance(
        division_rate *
            (parameters.car_t.lymphodepletion ? parameters.car_t.lymphodepletion_boost : 1.0),
        dt);
    c.exit_to_blood = chance(parameters.car_t.marrow_to_blood_per_day, dt);
    c.move = std::min(1.0, parameters.car_t.speed_um_per_min * parameters.time.fine_step_min /
                               parameters.space.site_edge_um);
    const double dt_hours = parameters.time.fine_step_min / 60.0;
    c.exhaustion_per_step = product.exhaustion_per_engaged_hour * dt_hours / fitness;
    c.exhaustion_recovery_factor = std::exp(-product.exhaustion_recovery_per_day * dt);
    c.car_loss_per_step = dt_hours / product.car_downregulation_hours;
    c.car_recovery_per_step = product.car_recovery_per_day * dt;
    c.activation_steps = static_cast<std::uint32_t>(
        std::lround(product.activation_hours * 60.0 / parameters.time.fine_step_min));
    c.boost_end_step = static_cast<Step>(
        std::llround(parameters.car_t.lymphodepletion_boost_days / fine_step_days_));

    build_vessels();
    build_tissue();
    refresh_antigen_by_site();
    // Day 0: the dose enters blood; our share of it is dose x (this marrow / whole marrow).
    blood_.count[static_cast<std::size_t>(CarTState::resting)] =
        static_cast<std::uint64_t>(std::llround(parameters.car_t.dose_cells * marrow_share_));
    add_phases();
}

void MarrowModel::build_vessels() {
    vessel_bits_.assign((lattice_.site_count() + 63) / 64, 0);
    const double fraction = parameters_.space.vessel_fraction;
    auto mark = [&](SiteIndex site) {
        if (is_vessel(site)) return;
        vessel_bits_[site >> 6] |= std::uint64_t{1} << (site & 63);
        vessel_sites_.push_back(site);
    };
    if (lattice_.dimension() == 3) {
        // Sinusoids as straight vessels along z through random (x, y) columns.
        for (std::int32_t y = 0; y < lattice_.ny(); ++y) {
            for (std::int32_t x = 0; x < lattice_.nx(); ++x) {
                const auto column = static_cast<std::uint64_t>(x + lattice_.nx() * y);
                RandomStream random(parameters_.seed, StreamId::initial_vessels, 0, column);
                if (!random.bernoulli(fraction)) continue;
                for (std::int32_t z = 0; z < lattice_.nz(); ++z) mark(lattice_.site_of({x, y, z}));
            }
        }
    } else {
        for (SiteIndex site = 0; site < lattice_.site_count(); ++site) {
            RandomStream random(parameters_.seed, StreamId::initial_vessels, 0, site);
            if (random.bernoulli(fraction)) mark(site);
        }
    }
    std::sort(vessel_sites_.begin(), vessel_sites_.end());
}

TissueColumns::Row MarrowModel::make_blast(RandomStream& random, bool cd19_negative,
                                           bool cd22_negative) const {
    const BlastParameters& b = parameters_.blasts;
    TissueColumns::Row row;
    row.kind = TissueKind::blast;
    row.cd19_molecules = cd19_negative ? 0.0F
                                       : static_cast<float>(random.lognormal(
                                             std::log(b.cd19_median_molecules), b.cd19_log_sd));
    row.cd22_molecules = cd22_negative ? 0.0F
                                       : static_cast<float>(random.lognormal(
                                             std::log(b.cd22_median_molecules), b.cd22_log_sd));
    if (cd19_negative) row.flags |= blast_flags::cd19_epitope_lost;
    return row;
}

TissueColumns::Row MarrowModel::make_b_cell(RandomStream& random) const {
    TissueColumns::Row row;
    row.kind = TissueKind::b_cell;
    row.cd19_molecules = static_cast<float>(random.lognormal(
        std::log(parameters_.b_cells.cd19_median_molecules), parameters_.b_cells.cd19_log_sd));
    row.cd22_molecules = 0.0F;
    return row;
}

void MarrowModel::build_tissue() {
    const InitialParameters& init = parameters_.initial;
    tissue_.reserve(static_cast<std::size_t>(static_cast<double>(lattice_.site_count()) * 1.05));
    for (SiteIndex site = 0; site < lattice_.site_count(); ++site) {
        if (is_vessel(site)) continue;
        RandomStream random(parameters_.seed, StreamId::initial_tissue, 0, site);
        if (!random.bernoulli(init.cellularity)) continue;
        const double u = random.uniform();
        if (u <= init.blast_fraction) {
            const bool cd19_negative = random.bernoulli(init.cd19_negative_blast_fraction);
            const bool cd22_negative = random.bernoulli(init.cd22_negative_blast_fraction);
            tissue_.add(site, make_blast(random, cd19_negative, cd22_negative));
        } else if (u <= init.blast_fraction + init.b_cell_fraction) {
            tissue_.add(site, make_b_cell(random));
        } else {
            tissue_.add(site, TissueColumns::Row{});
        }
    }
}

void MarrowModel::add_phases() {
    if (parameters_.well_mixed) {
        scheduler_.add({"well-mixed-shuffle", "test mode: CAR-T cells jump to random free sites", 1,
                        0, [this](Step s) { well_mixed_shuffle(s); }});
    }
    scheduler_.add({"blood", "blood deaths and contraction; entry into marrow at vessels", 1, 0,
                    [this](Step s) { blood_phase(s); }});
    scheduler_.add({"car-t", "CAR-T walk, probe, bind, kill, divide, exhaust, exit", 1, 0,
                    [this](Step s) { car_t_phase(s); }});
    scheduler_.add({"tissue", "blasts, B cells, marrow cells: death, division, differentiation",
                    static_cast<std::uint64_t>(parameters_.time.tissue_period_steps), 0,
                    [this](Step s) { tissue_phase(s); }});
    const auto field_period = static_cast<std::uint64_t>(parameters_.time.field_period_steps);
    scheduler_.add({"cytokines", "IFN-g secretion, IL-6 production, diffusion, serum levels",
                    field_period, field_period - 1, [this](Step) {
                        const auto& columns = car_t_.columns();
                        const double secretion_pg_per_min =
                            parameters_.cytokines.ifng_secretion_pg_per_hour / 60.0;
                        for (AgentSlot slot = 0; slot < car_t_.slot_count(); ++slot) {
                            if (car_t_.alive(slot) && columns.engaged_site[slot] != kNoSite) {
                                cytokines_.add_ifng_secretion(car_t_.site(slot),
                                                              secretion_pg_per_min);
                            }
                        }
                        cytokines_.update(static_cast<double>(parameters_.time.field_period_steps) *
                                          parameters_.time.fine_step_min);
                    }});
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

// ---------------------------------------------------------------------------------------------
// Blood

void MarrowModel::blood_phase(Step step) {
    const ProductParameters& product = parameters_.car_t.product();
    const double dt = fine_step_days_;
    RandomStream random(parameters_.seed, StreamId::blood_exchange, step, 0);
    auto& count = blood_.count;
    auto index = [](CarTState s) { return static_cast<std::size_t>(s); };

    // Contraction: resting and effector cells die, a share becoming memory (Stein 2019).
    for (const CarTState s : {CarTState::resting, CarTState::effector}) {
        const std::uint64_t leaving =
            random.binomial(count[index(s)], chances_.effector_contraction);
        const std::uint64_t to_memory = random.binomial(leaving, product.memory_fraction);
        count[index(s)] -= leaving;
        count[index(CarTState::memory)] += to_memory;
    }
    count[index(CarTState::memory)] -=
        random.binomial(count[index(CarTState::memory)], chances_.memory_loss);
    count[index(CarTState::exhausted)] -=
        random.binomial(count[index(CarTState::exhausted)], chances_.exhausted_death);

    // Entry into this marrow through its vessel sites.
    if (vessel_sites_.empty()) return;
    const double p_enter = chance(parameters_.car_t.blood_to_marrow_per_day, dt);
    std::array<SiteIndex, 26> around{};
    for (std::size_t s = 0; s < kCarTStateCount; ++s) {
        const std::uint64_t entering = random.binomial(count[s], p_enter);
        for (std::uint64_t i = 0; i < entering; ++i) {
            SiteIndex site = vessel_sites_[random.below(vessel_sites_.size())];
            if (!mobile_layer_.is_empty(site)) {
                const int n = lattice_.neighbors(site, Neighborhood::moore, around);
                site = kNoSite;
                for (int k = 0; k < n; ++k) {
                    if (mobile_layer_.is_empty(around[static_cast<std::size_t>(k)])) {
                        site = around[static_cast<std::size_t>(k)];
                        break;
                    }
                }
                if (site == kNoSite) continue;  // crowded: stays in blood
            }
            CarTColumns::Row row;
            row.state = static_cast<CarTState>(s);
            row.exhaustion = row.state == CarTState::exhausted ? 1.0F : 0.0F;
            row.direction = static_cast<std::uint8_t>(
                random.below(lattice_.offsets(Neighborhood::moore).size()));
            car_t_.add(site, row);
            --count[s];
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CAR-T cells

void MarrowModel::well_mixed_shuffle(Step step) {
    // Test mode: every CAR-T cell jumps to a uniformly random free site, so contacts follow
    // mass action and the run can be compared with its mean-field equations.
    const auto sites = lattice_.site_count();
    for (AgentSlot slot = 0; slot < car_t_.slot_count(); ++slot) {
        if (!car_t_.alive(slot) || car_t_.columns().engaged_site[slot] != kNoSite) continue;
        RandomStream random(parameters_.seed, StreamId::cart_well_mixed, step, car_t_.id(slot));
        const auto to = static_cast<SiteIndex>(random.below(sites));
        if (mobile_layer_.is_empty(to)) car_t_.move(slot, to);
    }
}

void MarrowModel::car_t_phase(Step step) {
    // Keep storage in tile order so neighbours on the lattice are neighbours in memory (layout
    // only: sweeps visit agents by id within a tile).
    if (step % kCarTSortPeriodSteps == 0) {
        car_t_.sort_by_tile(grid_.tile_count(), [this](SiteIndex s) { return grid_.tile_of(s); });
    }
    engine::sweep_population(
        domain_, car_t_, car_t_buckets_, parameters_.seed, step,
        [this](AgentSlot slot, const SweepContext& context) { car_t_rule(slot, context); },
        [this](engine::TileIndex tile, std::span<const AgentSlot> agents, int distance) {
            prefetch_for_car_t(tile, agents, distance);
        });
    car_t_.commit();
    tissue_.commit();
    // Merge per-tile records in ascending tile order.
    for (TileEvents& events : tile_events_) {
        for (std::size_t s = 0; s < kCarTStateCount; ++s) {
            blood_.count[s] += events.exits_to_blood[s];
            events.exits_to_blood[s] = 0;
        }
        kills_blasts_ += events.kills_blasts;
        kills_b_cells_ += events.kills_b_cells;
        events.kills_blasts = events.kills_b_cells = 0;
        for (const SiteIndex site : events.lysis_sites) {
            cytokines_.add_il6_release(site, parameters_.cytokines.il6_per_lysis_pg);
        }
        events.lysis_sites.clear();
    }
}

void MarrowModel::prefetch_for_car_t(engine::TileIndex tile, std::span<const AgentSlot> agents,
                                     int distance) const {
    // A CAR-T step reads the mobile layer at its step target and the tissue layer and antigen
    // copies at the probed site; without hints each is a cache miss at full latency. All of
    // them are indexed by site, so a tile's rows cover most of what its cells read (a halo of
    // one site was slower: more lines than the caches keep). Dense tiles are hinted one tile
    // ahead, into L2; tiles with few cells only around each cell, right before they run.
    constexpr std::size_t kDenseTile = 8;
    const engine::AgentHandle* mobile = mobile_layer_.data();
    const engine::AgentHandle* tissue_handles = tissue_layer_.data();
    const float* cd19 = cd19_by_site_.data();
    const float* cd22 = cd22_by_site_.empty() ? nullptr : cd22_by_site_.data();
    const bool ahead = distance == 1;
    auto prefetch_rows = [&](SiteIndex first, std::size_t length) {
        engine::prefetch_range(mobile + first, length, ahead);
        engine::prefetch_range(tissue_handles + first, length, ahead);
        engine::prefetch_range(cd19 + first, length, ahead);
        if (cd22 != nullptr) engine::prefetch_range(cd22 + first, length, ahead);
    };
    if (agents.size() >= kDenseTile) {
        if (distance != 1) return;
        // Hints only: the next tile may run on another thread, so its agents' state is never
        // read here, only the addresses of its lattice rows and of its cells' columns.
        engine::for_each_tile_row(grid_, tile, 0, prefetch_rows);
        const auto& cell = car_t_.columns();
        engine::for_each_slot_run(agents, [&](AgentSlot first, std::size_t count) {
            engine::prefetch_range(car_t_.ids().data() + first, count);
            engine::prefetch_range(car_t_.sites().data() + first, count);
            CarTColumns::for_each_column(cell, [&](std::string_view, const auto& column) {
                engine::prefetch_range(column.data() + first, count);
            });
        });
        return;
    }
    if (distance != 0) return;
    for (const AgentSlot slot : agents) {
        if (car_t_.alive(slot))
            engine::for_each_row_around(lattice_, car_t_.site(slot), prefetch_rows);
    }
}

void MarrowModel::car_t_rule(AgentSlot slot, const SweepContext& context) {
    auto& cell = car_t_.columns();
    const ProductParameters& product = parameters_.car_t.product();
    const auto& c = chances_;
    const engine::AgentId id = car_t_.id(slot);
    // One stream per cell and step: every draw of this rule comes from it, in code order.
    RandomStream fate = context.random(StreamId::cart_step, id);
    CarTState& state = cell.state[slot];
    const bool engaged = cell.engaged_site[slot] != kNoSite;
    const bool activated = cell.activation_steps_left[slot] > 0;

    // Death and contraction. Activated cells are expanding, not contracting.
    switch (state) {
        case CarTState::resting:
        case CarTState::effector:
            if (!activated && !engaged && fate.bernoulli(c.effector_contraction)) {
                if (fate.bernoulli(product.memory_fraction)) {
                    state = CarTState::memory;
                } else {
                    car_t_.kill(context, slot);
                    return;
                }
            }
            break;
        case CarTState::memory:
            if (fate.bernoulli(c.memory_loss)) {
                car_t_.kill(context, slot);
                return;
            }
            break;
        case CarTState::exhausted:
            if (fate.bernoulli(c.exhausted_death)) {
                car_t_.kill(context, slot);
                return;
            }
            break;
    }

    float& exhaustion = cell.exhaustion[slot];
    float& car_level = cell.car_level[slot];
    if (engaged) {
        // Stimulation: exhaustion accumulates (Good et al. 2021) and the CAR is down-regulated
        // (Davenport et al. 2015).
        exhaustion += static_cast<float>(c.exhaustion_per_step);
        car_level = std::max(0.0F, car_level - static_cast<float>(c.car_loss_per_step));
        if (exhaustion >= 1.0F) state = CarTState::exhausted;
        const SiteIndex target_site = cell.engaged_site[slot];
        const AgentHandle target = tissue_layer_.at(target_site);
        if (!target.is_agent()) {
            cell.engaged_site[slot] = kNoSite;  // the target died meanwhile
        } else if (fate.bernoulli(c.contact_end)) {
            const double kill =
                product.kill_probability *
                (state == CarTState::exhausted ? product.exhausted_kill_factor : 1.0);
            if (fate.bernoulli(kill)) {
                TileEvents& events = tile_events_[context.tile];
                const TissueKind kind = tissue_.columns().kind[target.slot()];
                if (kind == TissueKind::blast) ++events.kills_blasts;
                if (kind == TissueKind::b_cell) ++events.kills_b_cells;
                events.lysis_sites.push_back(target_site);
                tissue_.kill(context, target.slot());
                if (cell.kills[slot] < 0xFFFF) ++cell.kills[slot];
            }
            cell.engaged_site[slot] = kNoSite;
        }
    } else {
        exhaustion *= static_cast<float>(c.exhaustion_recovery_factor);
        car_level = std::min(1.0F, car_level + static_cast<float>(c.car_recovery_per_step));
        if (state == CarTState::exhausted && exhaustion < 0.5F) state = CarTState::effector;

        const auto offsets = lattice_.offsets(Neighborhood::moore);
        engine::SiteCoord position = lattice_.coord_of(car_t_.site(slot));
        if (!parameters_.well_mixed) {
            // Persistent random walk on the mobile layer.
            if (fate.bernoulli(c.move)) {
                std::uint8_t& direction = cell.direction[slot];
                if (fate.bernoulli(parameters_.car_t.turn_probability)) {
                    direction = static_cast<std::uint8_t>(fate.below(offsets.size()));
                }
                engine::SiteCoord next = position;
                const SiteIndex to =
                    lattice_.shift(next, offsets[direction]) ? lattice_.site_of(next) : kNoSite;
                if (to != kNoSite && mobile_layer_.is_empty(to)) {
                    car_t_.move(slot, to);
                    position = next;
                } else {
                    direction = static_cast<std::uint8_t>(fate.below(offsets.size()));
                }
            }
        }
        // Leave through a vessel back into blood.
        const SiteIndex here = car_t_.site(slot);
        if (is_vessel(here) && fate.bernoulli(c.exit_to_blood)) {
            ++tile_events_[context.tile].exits_to_blood[static_cast<std::size_t>(state)];
            car_t_.kill(context, slot);
            return;
        }
        // Probe one tissue site: the one under the cell or a Moore neighbour.
        const auto pick = fate.below(offsets.size() + 1);
        const SiteIndex probed =
            pick == offsets.size() ? here : lattice_.neighbor_of(position, offsets[pick]);
        if (probed != kNoSite) {
            if (tissue_layer_.at(probed).is_agent()) {
                const bool dual = parameters_.car_t.targets_cd22;
                const double p = bind_probability(product, dual, cd19_by_site_[probed],
                                                  dual ? cd22_by_site_[probed] : 0.0F, car_level);
                if (p > 0.0 && fate.bernoulli(p)) {
                    cell.engaged_site[slot] = probed;
                    cell.activation_steps_left[slot] = c.activation_steps;
                    if (state != CarTState::exhausted) state = CarTState::effector;
                }
            }
        }
    }

    // Antigen-driven division while the proliferative program runs.
    std::uint32_t& activation = cell.activation_steps_left[slot];
    if (activation == 0) return;
    --activation;
    if (state == CarTState::exhausted) return;
    const double p_divide = context.step < c.boost_end_step ? c.division_boosted : c.division;
    if (!fate.bernoulli(p_divide)) return;
    std::array<SiteIndex, 26> around{};
    const int n =
        lattice_.neighbors(lattice_.coord_of(car_t_.site(slot)), Neighborhood::moore, around);
    int free = 0;
    for (int k = 0; k < n; ++k) {
        const SiteIndex s = around[static_cast<std::size_t>(k)];
        if (mobile_layer_.is_empty(s)) around[static_cast<std::size_t>(free++)] = s;
    }
    if (free == 0) return;
    CarTColumns::Row daughter = cell.row(slot);
    daughter.kills = 0;
    daughter.engaged_site = kNoSite;
    daughter.direction =
        static_cast<std::uint8_t>(fate.below(lattice_.offsets(Neighborhood::moore).size()));
    car_t_.spawn(context, around[fate.below(static_cast<std::uint64_t>(free))], daughter);
}

// ---------------------------------------------------------------------------------------------
// Tissue

void MarrowModel::tissue_phase(Step step) {
    if (step % (kSortPeriodSteps * static_cast<Step>(parameters_.time.tissue_period_steps)) == 0) {
        tissue_.sort_by_tile(grid_.tile_count(), [this](SiteIndex s) { return grid_.tile_of(s); });
    }
    engine::sweep_population(
        domain_, tissue_, tissue_buckets_, parameters_.seed, step,
        [this](AgentSlot slot, const SweepContext& context) { tissue_rule(slot, context); });
    tissue_.commit();
    // IL-6 producers per field cell.
    const auto& kind = tissue_.columns().kind;
    const std::size_t field_cells = cytokines_.field_cell_count();
    cytokines_.set_myeloid_counts(
        engine::parallel_histogram(tissue_.slot_count(), field_cells, [&](std::size_t slot) {
            const auto s = static_cast<AgentSlot>(slot);
            return tissue_.alive(s) && kind[s] == TissueKind::marrow_cell
                       ? cytokines_.field_cell_of_site(tissue_.site(s))
                       : field_cells;
        }));
    refresh_antigen_by_site();
}

void MarrowModel::refresh_antigen_by_site() {
    const auto& cells = tissue_.columns();
    const bool dual = !cd22_by_site_.empty();
    // Each live cell writes its own site: no two slots share one, so the chunks never collide.
    engine::parallel_for_chunks(
        tissue_.slot_count(), engine::kSlotChunk, [&](std::size_t begin, std::size_t end) {
            for (std::size_t slot = begin; slot < end; ++slot) {
                const SiteIndex site = tissue_.site(static_cast<AgentSlot>(slot));
                if (site == kNoSite) continue;
                cd19_by_site_[site] = cells.cd19_molecules[slot];
                if (dual) cd22_by_site_[site] = cells.cd22_molecules[slot];
            }
        });
}

void MarrowModel::tissue_rule(AgentSlot slot, const SweepContext& context) {
    auto& cells = tissue_.columns();
    const auto& c = chances_;
    RandomStream fate = context.random(StreamId::tissue_fate, tissue_.id(slot));
    const TissueKind kind = cells.kind[slot];

    auto free_neighbor = [&](RandomStream& random, bool allow_displacing) -> SiteIndex {
        std::array<SiteIndex, 26> around{};
        const int n = lattice_.neighbors(tissue_.site(slot), Neighborhood::moore, around);
        std::array<SiteIndex, 26> free_sites{};
        std::array<SiteIndex, 26> marrow_sites{};
        int free = 0;
        int marrow = 0;
        for (int k = 0; k < n; ++k) {
            const SiteIndex s = around[static_cast<std::size_t>(k)];
            if (is_vessel(s)) continue;
            const AgentHandle h = tissue_layer_.at(s);
            if (h.is_empty()) {
                free_sites[static_cast<std::size_t>(free++)] = s;
            } else if (allow_displacing && h.is_agent() &&
                       cells.kind[h.slot()] == TissueKind::marrow_cell) {
                marrow_sites[static_cast<std::size_t>(marrow++)] = s;
            }
        }
        if (free > 0) return free_sites[random.below(static_cast<std::uint64_t>(free))];
        if (marrow == 0) return kNoSite;
        // Leukemic crowding: the blast's daughter takes the place of a normal marrow cell.
        const SiteIndex s = marrow_sites[random.below(static_cast<std::uint64_t>(marrow))];
        tissue_.kill(context, tissue_layer_.at(s).slot());
        return s;
    };

    switch (kind) {
        case TissueKind::blast: {
            if (fate.bernoulli(c.blast_death)) {
                tissue_.kill(context, slot);
                return;
            }
            if (!fate.bernoulli(c.blast_division)) return;
            RandomStream daughter_random =
                context.random(StreamId::tissue_daughter, tissue_.id(slot));
            const SiteIndex site =
                free_neighbor(daughter_random, parameters_.blasts.displace_marrow_cells);
            if (site == kNoSite) return;  // contact inhibition
            const BlastParameters& b = parameters_.blasts;
            TissueColumns::Row daughter{TissueKind::blast, cells.flags[slot],
                                        cells.cd19_molecules[slot], cells.cd22_molecules[slot]};
            daughter.cd19_molecules *=
                static_cast<float>(daughter_random.lognormal(0.0, b.cd19_inheritance_log_sd));
            daughter.cd22_molecules *=
                static_cast<float>(daughter_random.lognormal(0.0, b.cd19_inheritance_log_sd));
            if (daughter_random.bernoulli(b.cd19_loss_per_division)) {
                daughter.flags |= blast_flags::cd19_epitope_lost;
                daughter.cd19_molecules = 0.0F;
            }
            if (daughter_random.bernoulli(b.lineage_switch_per_division)) {
                daughter.flags |= blast_flags::lineage_switched;
                daughter.cd19_molecules = 0.0F;
                daughter.cd22_molecules = 0.0F;
            }
            tissue_.spawn(context, site, daughter);
            return;
        }
        case TissueKind::b_cell:
            if (fate.bernoulli(c.b_cell_death)) tissue_.kill(context, slot);
            return;
        case TissueKind::marrow_cell: {
            if (fate.bernoulli(c.marrow_death)) {
                tissue_.kill(context, slot);
                return;
            }
            if (fate.bernoulli(c.marrow_regeneration)) {
                RandomStream daughter_random =
                    context.random(StreamId::tissue_daughter, tissue_.id(slot));
                const SiteIndex site = free_neighbor(daughter_random, false);
                if (site != kNoSite) {
                    tissue_.spawn(context, site, TissueColumns::Row{});
                    return;
                }
            }
            if (fate.bernoulli(c.b_cell_production)) {
                // Differentiation along the B lineage (progenitor -> B cell), in place.
                RandomStream trait = context.random(StreamId::tissue_daughter, tissue_.id(slot));
                const TissueColumns::Row b = make_b_cell(trait);
                cells.kind[slot] = b.kind;
                cells.cd19_molecules[slot] = b.cd19_molecules;
                cells.cd22_molecules[slot] = b.cd22_molecules;
            }
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Observation

Observables MarrowModel::observe() const {
    Observables o;
    o.time_days = time_days();
    const auto& cells = tissue_.columns();
    const std::size_t n = tissue_.slot_count();
    auto count_if = [&](auto predicate) {
        return static_cast<double>(engine::parallel_count(n, [&](std::size_t slot) {
            return tissue_.alive(static_cast<AgentSlot>(slot)) && predicate(slot);
        }));
    };
    o.blasts = count_if([&](std::size_t s) { return cells.kind[s] == TissueKind::blast; });
    o.blasts_cd19_negative = count_if([&](std::size_t s) {
        return cells.kind[s] == TissueKind::blast && cells.cd19_molecules[s] <= 0.0F;
    });
    o.normal_b_cells = count_if([&](std::size_t s) { return cells.kind[s] == TissueKind::b_cell; });
    o.marrow_cells =
        count_if([&](std::size_t s) { return cells.kind[s] == TissueKind::marrow_cell; });
    const double cd19_sum = engine::deterministic_sum(n, [&](std::size_t s) {
        return tissue_.alive(static_cast<AgentSlot>(s)) && cells.kind[s] == TissueKind::blast
                   ? static_cast<double>(cells.cd19_molecules[s])
                   : 0.0;
    });
    o.blast_cd19_mean_molecules = o.blasts > 0 ? cd19_sum / o.blasts : 0.0;

    std::array<double, kCarTStateCount> by_state{};
    const auto& t = car_t_.columns();
    for (std::size_t s = 0; s < kCarTStateCount; ++s) {
        by_state[s] =
            static_cast<double>(blood_.count[s]) +
            static_cast<double>(engine::parallel_count(car_t_.slot_count(), [&](std::size_t i) {
                return car_t_.alive(static_cast<AgentSlot>(i)) &&
                       static_cast<std::size_t>(t.state[i]) == s;
            }));
    }
    o.cart_engaged =
        static_cast<double>(engine::parallel_count(car_t_.slot_count(), [&](std::size_t i) {
            return car_t_.alive(static_cast<AgentSlot>(i)) && t.engaged_site[i] != kNoSite;
        }));
    o.cart_resting = by_state[0];
    o.cart_effector = by_state[1];
    o.cart_memory = by_state[2];
    o.cart_exhausted = by_state[3];
    o.cart_marrow = static_cast<double>(car_t_.live_count());
    o.cart_blood = static_cast<double>(blood_.total());
    o.cart_blood_per_ul =
        o.cart_blood / marrow_share_ / (parameters_.space.blood_volume_ml * 1000.0);
    const double nucleated = o.blasts + o.normal_b_cells + o.marrow_cells + o.cart_marrow;
    o.blast_fraction = nucleated > 0 ? o.blasts / nucleated : 0.0;
    o.il6_pg_per_ml = cytokines_.serum_il6_pg_per_ml();
    o.ifng_pg_per_ml = cytokines_.serum_ifng_pg_per_ml();
    o.il6_marrow_pg_per_ml = cytokines_.marrow_mean_il6_pg_per_ml();
    o.ifng_marrow_pg_per_ml = cytokines_.marrow_mean_ifng_pg_per_ml();
    o.crs_grade = cytokines_.crs_grade();
    o.kills_blasts = static_cast<double>(kills_blasts_);
    o.kills_b_cells = static_cast<double>(kills_b_cells_);
    return o;
}

std::uint64_t MarrowModel::state_hash() const {
    engine::StateHasher hasher;
    hasher.add(step_);
    engine::hash_population(hasher, tissue_);
    engine::hash_population(hasher, car_t_);
    hasher.add(blood_.count);
    hasher.add(kills_blasts_);
    hasher.add(kills_b_cells_);
    hasher.add(cytokines_.ifng().values());
    hasher.add(cytokines_.il6().values());
    hasher.add(cytokines_.serum_il6_pg_per_ml());
    hasher.add(cytokines_.serum_ifng_pg_per_ml());
    return hasher.value();
}

engine::AgentSlot MarrowModel::add_tissue_cell(SiteIndex site, const TissueColumns::Row& row) {
    const AgentSlot slot = tissue_.add(site, row);
    cd19_by_site_[site] = row.cd19_molecules;
    if (!cd22_by_site_.empty()) cd22_by_site_[site] = row.cd22_molecules;
    return slot;
}

engine::AgentSlot MarrowModel::add_car_t_cell(SiteIndex site, const CarTColumns::Row& row) {
    return car_t_.add(site, row);
}

MarrowModelState MarrowModel::save_state() const {
    MarrowModelState state = save_state_except_populations();
    const auto save = [](const auto& population, auto& saved) {
        saved.ids.assign(population.ids().begin(), population.ids().end());
        saved.sites.assign(population.sites().begin(), population.sites().end());
        saved.columns = population.columns();
        saved.next_id = population.next_id();
    };
    save(tissue_, state.tissue);
    save(car_t_, state.car_t);
    return state;
}

MarrowModelState MarrowModel::save_state_except_populations() const {
    MarrowModelState state;
    state.step = step_;
    state.blood_count = blood_.count;
    state.kills_blasts = kills_blasts_;
    state.kills_b_cells = kills_b_cells_;
    state.ifng_pg_per_ml.assign(cytokines_.ifng().values().begin(),
                                cytokines_.ifng().values().end());
    state.il6_pg_per_ml.assign(cytokines_.il6().values().begin(), cytokines_.il6().values().end());
    state.il6_release_pg = cytokines_.pending_il6_release_pg();
    state.myeloid_per_field_cell = cytokines_.myeloid_counts();
    state.serum_ifng_pg_per_ml = cytokines_.serum_ifng_pg_per_ml();
    state.serum_il6_pg_per_ml = cytokines_.serum_il6_pg_per_ml();
    return state;
}

void MarrowModel::restore_state(MarrowModelState state) {
    tissue_.restore(std::move(state.tissue.ids), std::move(state.tissue.sites),
                    std::move(state.tissue.columns), state.tissue.next_id);
    car_t_.restore(std::move(state.car_t.ids), std::move(state.car_t.sites),
                   std::move(state.car_t.columns), state.car_t.next_id);
    for (AgentSlot slot = 0; slot < tissue_.slot_count(); ++slot) {
        if (tissue_.alive(slot) && is_vessel(tissue_.site(slot))) {
            throw std::invalid_argument(
                fmt::format("tissue cell on vessel site {}: the state is not of this marrow",
                            tissue_.site(slot)));
        }
    }
    cytokines_.restore(state.ifng_pg_per_ml, state.il6_pg_per_ml, std::move(state.il6_release_pg),
                       std::move(state.myeloid_per_field_cell), state.serum_ifng_pg_per_ml,
                       state.serum_il6_pg_per_ml);
    blood_.count = state.blood_count;
    kills_blasts_ = state.kills_blasts;
    kills_b_cells_ = state.kills_b_cells;
    for (TileEvents& events : tile_events_) events = TileEvents{};
    step_ = state.step;
    refresh_antigen_by_site();
}

void MarrowModel::set_blood_counts(const std::array<std::uint64_t, kCarTStateCount>& counts) {
    blood_.count = counts;
}

}  // namespace cartsim::agents
