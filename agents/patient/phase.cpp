#include "agents/patient/phase.hpp"

#include <array>
#include <cmath>
#include <vector>

#include "agents/car_t/exhaustion.hpp"
#include "agents/chance.hpp"
#include "agents/patient/homeostasis.hpp"
#include "agents/patient/vein_to_vein.hpp"
#include "agents/toxicity/phase.hpp"
#include "engine/occupancy_across_ranks.hpp"
#include "engine/random.hpp"

namespace cartsim::agents {

using engine::RandomStream;
using engine::SiteIndex;

namespace {

constexpr double kLevelWidth = 1.0 / kExhaustionLevels;

double level_exhaustion(CarTState state, int level) {
    return state == CarTState::exhausted ? 1.0 : static_cast<double>(exhaustion_of_level(level));
}

/// Where a pool's cells are: what they meet and where they go.
struct PoolSetting {
    double bind_rate_per_day = 0.0;  ///< 0 where there is no antigen
    double free_fraction = 1.0;
    double activated_fraction = 0.0;
    CarTPool* out_a = nullptr;  ///< trafficking destinations, with their rates (per free cell)
    double out_a_per_day = 0.0;
    CarTPool* out_b = nullptr;
    double out_b_per_day = 0.0;
};

/// Adds cells at (level, fixed level) raised by `up` exhaustion levels and `up_fixed` fixed
/// levels; the score is never below its fixed part, and past the top they are terminally
/// exhausted.
void place(CarTPool& pool, CarTState state, int level, int fixed_level, int up, int up_fixed,
           std::uint64_t cells) {
    if (cells == 0) return;
    level += up;
    fixed_level += up_fixed;
    if (fixed_level >= kFixedLevels) level = kExhaustionLevels;  // fixed part 1: terminal
    level = std::max(level, fixed_level / kFixedPerLevel);
    if (level >= kExhaustionLevels) {
        state = CarTState::exhausted;
        level = kExhaustionLevels - 1;
    }
    pool.at(state, level, std::min(fixed_level, max_fixed_level(level))) += cells;
}

/// A rise of `levels` (fractional) for each of `cells`: the whole part for all, one more for a
/// binomial share; placed at (level + rise, fixed level + fixed rise).
struct Rise {
    int whole = 0;
    double extra = 0.0;
    static Rise of(double levels) {
        const int whole = static_cast<int>(levels);
        return {whole, levels - whole};
    }
};

/// Cells that each rise by `score` exhaustion levels and `fixed` fixed levels (one division).
void place_risen(CarTPool& pool, CarTState state, int level, int fixed_level, Rise score,
                 Rise fixed, std::uint64_t cells, RandomStream& random) {
    if (cells == 0) return;
    const std::uint64_t score_extra = random.binomial(cells, score.extra);
    for (const auto& [score_up, n] :
         {std::pair{score.whole + 1, score_extra}, std::pair{score.whole, cells - score_extra}}) {
        const std::uint64_t fixed_extra = random.binomial(n, fixed.extra);
        place(pool, state, level, fixed_level, score_up, fixed.whole + 1, fixed_extra);
        place(pool, state, level, fixed_level, score_up, fixed.whole, n - fixed_extra);
    }
}

/// One tick of one pool: every bin's cells go through the rule of the lattice in mean-field
/// form, each transition a binomial draw of the cells still there (competing risks in a fixed
/// order). Cells moving to another pool are added to it directly; the pool's new counts are
/// returned.
CarTPool step_pool(const CarTPool& pool, const PoolSetting& where, const PatientConstants& c,
                   const CarTSignals& per_step, RandomStream& random, std::uint64_t& activations) {
    const ProductParameters& p = c.product;
    const double dt = c.tick_days;
    const double f = where.free_fraction;
    const double a = where.activated_fraction;
    // Per-step chances of the lattice as per-day rates.
    const double division_per_day = -std::log1p(-per_step.division) * c.steps_per_day;
    const double renewal_per_day = -std::log1p(-per_step.memory_renewal) * c.steps_per_day;
    const double rejection_per_day = -std::log1p(-per_step.rejection) * c.steps_per_day;
    // Differentiation per division, all of it fixed: in whole levels plus a chance of one more,
    // of the score (coarse) and of its fixed part (fine enough that every lineage climbs).
    const Rise division_score = Rise::of(c.exhaustion_per_division * kExhaustionLevels);
    const Rise division_fixed = Rise::of(c.exhaustion_per_division * kFixedLevels);
    // Engaged load: one score level at a time, the fixed share of it into the fixed part.
    const Rise engaged_fixed = Rise::of(p.exhaustion_fixed_fraction * kFixedPerLevel);
    // The chances per tick of the transitions whose rates are the same in every bin, once per
    // tick instead of once per bin (the same values: chance() depends on its arguments only).
    const double rejection = chance(rejection_per_day, dt);
    const double effector_death = chance(p.effector_death_per_day * f, dt);
    const double memory_loss = chance(p.memory_loss_per_day, dt);
    const double exhausted_death = chance(p.exhausted_death_per_day, dt);
    const double out_a = where.out_a != nullptr ? chance(where.out_a_per_day * f, dt) : 0.0;
    const double out_b = where.out_b != nullptr ? chance(where.out_b_per_day * f, dt) : 0.0;
    const double resting_binding = chance(where.bind_rate_per_day, dt);
    const double memory_binding = chance(where.bind_rate_per_day * (1.0 - p.memory_stemness), dt);
    const double engaged_rise = chance(c.exhaustion_per_engaged_day * (1.0 - f) / kLevelWidth, dt);
    const double memory_renewal = chance(renewal_per_day * (1.0 - a), dt);
    CarTPool next;
    for (std::size_t bin = 0; bin < CarTPool::kBins; ++bin) {
        std::uint64_t n = pool.count[bin];
        if (n == 0) continue;
        const CarTState s = CarTPool::state_of_bin(bin);
        const int l = CarTPool::level_of_bin(bin);
        const int k = CarTPool::fixed_level_of_bin(bin);
        const double e = level_exhaustion(s, l);
        auto take = [&](double chance_per_tick) {
            const std::uint64_t moved = random.binomial(n, chance_per_tick);
            n -= moved;
            return moved;
        };
        take(rejection);  // host immunity, any state
        // Contraction and death: cells in a synapse do not contract (agents/car_t/rule.cpp).
        switch (s) {
            case CarTState::resting:
            case CarTState::effector: {
                const std::uint64_t leaving = take(effector_death);
                next.at(CarTState::memory, l, k) += random.binomial(leaving, p.memory_fraction);
                break;
            }
            case CarTState::memory:
                take(memory_loss);
                break;
            case CarTState::exhausted:
                take(exhausted_death);
                break;
        }
        // Trafficking of free cells.
        if (where.out_a != nullptr) where.out_a->count[bin] += take(out_a);
        if (where.out_b != nullptr) where.out_b->count[bin] += take(out_b);
        // Binding: resting cells differentiate; memory cells with chance 1 - memory_stemness.
        if (s == CarTState::resting) {
            const std::uint64_t bound = take(resting_binding);
            next.at(CarTState::effector, l, k) += bound;
            activations += bound;
        } else if (s == CarTState::memory) {
            const std::uint64_t recalled = take(memory_binding);
            next.at(CarTState::effector, l, k) += recalled;
            activations += recalled;
        }
        if (s != CarTState::exhausted) {
            // Engaged time raises the score a level at a time, the fixed part with it at the
            // fixed share; rest lowers the healable part (dE/dt = -recovery x (E - F) while
            // free).
            const std::uint64_t up = take(engaged_rise);
            place_risen(next, s, l, k, {1, 0.0}, engaged_fixed, up, random);
            const double healable = e - fixed_exhaustion_of_level(k);
            if (l > k / kFixedPerLevel && healable > 0.0) {
                next.at(s, l - 1, k) +=
                    take(chance(p.exhaustion_recovery_per_day * healable * f / kLevelWidth, dt));
            }
            // Division: antigen-driven while activated (slowed by exhaustion), each division
            // differentiating the daughter and a mother that is not memory; and homeostatic
            // self-renewal of memory (no differentiation).
            const std::uint64_t stay = n;
            const std::uint64_t born =
                s == CarTState::resting  // resting cells that bound became effectors above
                    ? 0
                    : random.binomial(
                          stay, chance(division_per_day * exhaustion_proliferation(e) *
                                           burst_proliferation(p, fixed_exhaustion_of_level(k)) * a,
                                       dt));
            place_risen(next, CarTState::effector, l, k, division_score, division_fixed, born,
                        random);
            if (s != CarTState::memory && born > 0) {
                n -= born;
                place_risen(next, s, l, k, division_score, division_fixed, born, random);
            }
            if (s == CarTState::memory) {
                next.at(CarTState::memory, l, k) += random.binomial(stay, memory_renewal);
            }
        }
        next.count[bin] += n;
    }
    return next;
}

/// Killers of the rest of the marrow, weighted by what exhaustion leaves of their killing.
double effective_killers(const CarTPool& pool, const ProductParameters& product) {
    double sum = 0.0;
    for (std::size_t bin = 0; bin < CarTPool::kBins; ++bin) {
        if (pool.count[bin] == 0) continue;
        const double e = level_exhaustion(CarTPool::state_of_bin(bin), CarTPool::level_of_bin(bin));
        sum += static_cast<double>(pool.count[bin]) * exhaustion_activity(product, e);
    }
    return sum;
}

/// One tick of a population of blasts by phenotype: deaths, kills (hazard per day times each
/// phenotype's bind chance), divisions with the room left, antigen loss and lineage switch of
/// daughters (agents/tissue/rule.cpp).
void step_blasts(std::array<std::uint64_t, kBlastPhenotypeCount>& counts, double crowding,
                 double killing_per_day, const PatientConstants& c, const BlastParameters& blasts,
                 RandomStream& random, std::uint64_t& kills) {
    const double dt = c.tick_days;
    std::array<std::uint64_t, kBlastPhenotypeCount> next{};
    for (int k = 0; k < kBlastPhenotypeCount; ++k) {
        std::uint64_t n = counts[static_cast<std::size_t>(k)];
        if (n == 0) continue;
        const std::uint64_t dead = random.binomial(n, chance(blasts.death_rate_per_day, dt));
        n -= dead;
        const std::uint64_t killed = random.binomial(
            n, chance(killing_per_day * c.bind_blast[static_cast<std::size_t>(k)], dt));
        n -= killed;
        kills += killed;
        std::uint64_t born = random.binomial(n, chance(blasts.birth_rate_per_day * crowding, dt));
        next[static_cast<std::size_t>(k)] += n;
        const auto negative = static_cast<std::size_t>(BlastPhenotype::cd19_negative);
        const auto lineage = static_cast<std::size_t>(BlastPhenotype::lineage_switched);
        const std::uint64_t switched = random.binomial(born, blasts.lineage_switch_per_division);
        born -= switched;
        next[lineage] += switched;
        if (k == static_cast<int>(BlastPhenotype::cd19_positive) ||
            k == static_cast<int>(BlastPhenotype::cd19_dim)) {
            const std::uint64_t lost = random.binomial(born, blasts.cd19_loss_per_division);
            born -= lost;
            next[negative] += lost;
        }
        next[static_cast<std::size_t>(k)] += born;
    }
    counts = next;
}

/// Blasts and B cells of the rest of the marrow, and the sanctuary's blasts, for one tick.
/// Per-target kill hazard of a pool's cells: killers x kill chance x free share / sites, per
/// probe (one probe per fine step); times each target's bind chance where it is used.
double kill_hazard_per_day(const CarTPool& pool, const CarTContact& contact, double sites,
                           const PatientConstants& c, double kill_scale) {
    if (sites <= 0.0) return 0.0;
    return effective_killers(pool, c.product) * c.product.kill_probability * kill_scale *
           contact.free_fraction / sites * c.steps_per_day;
}

/// Extramedullary blasts seeding the rest of the marrow at `per_day` per cell, phenotype by
/// phenotype.
void seed_marrow(std::array<std::uint64_t, kBlastPhenotypeCount>& from,
                 std::array<std::uint64_t, kBlastPhenotypeCount>& marrow, double per_day, double dt,
                 RandomStream& random) {
    for (std::size_t k = 0; k < from.size(); ++k) {
        const std::uint64_t seeding = random.binomial(from[k], chance(per_day, dt));
        from[k] -= seeding;
        marrow[k] += seeding;
    }
}

/// Blasts of spleen and lymph nodes for one tick: they divide into their room (the lymphoid
/// tissue), are killed by the lymphoid CAR-T cells and seed the marrow.
void step_lymphoid_blasts(PatientCompartments& patient, const PatientConstants& c,
                          const Parameters& parameters, const CarTContact& contact,
                          double kill_scale, RandomStream& random) {
    std::uint64_t total = 0;
    for (const auto n : patient.lymphoid_blasts) total += n;
    if (total == 0) return;  // none (the default): no draws
    const BlastParameters& blasts = parameters.blasts;
    const double crowding =
        std::clamp(1.0 - static_cast<double>(total) / c.lymphoid_sites, 0.0, 1.0);
    step_blasts(patient.lymphoid_blasts, crowding,
                kill_hazard_per_day(patient.lymphoid, contact, c.lymphoid_sites, c, kill_scale), c,
                blasts, random, patient.rest_kills_blasts);
    seed_marrow(patient.lymphoid_blasts, patient.rest_blasts, blasts.lymphoid_to_marrow_per_day,
                c.tick_days, random);
}

void step_rest_tissue(PatientCompartments& patient, const PatientConstants& c,
                      const Parameters& parameters, const CarTContact& contact, double kill_scale,
                      RandomStream& random) {
    const double dt = c.tick_days;
    const BlastParameters& blasts = parameters.blasts;
    const double killing_per_day =
        kill_hazard_per_day(patient.rest_marrow, contact, c.rest_sites, c, kill_scale);
    const double blast_total = static_cast<double>(patient.rest_blast_total());
    // Contact inhibition in mean field: a division needs a site not held by a blast or B cell.
    const double crowding = std::clamp(
        1.0 - (blast_total + static_cast<double>(patient.rest_b_cells)) / c.rest_tissue_sites, 0.0,
        1.0);
    step_blasts(patient.rest_blasts, crowding, killing_per_day, c, blasts, random,
                patient.rest_kills_blasts);
    // The sanctuary: CAR-T cells reach it at car_t.sanctuary_access of the marrow's density;
    // its own room limits growth; its blasts seed the marrow.
    const double sanctuary_total = [&] {
        double sum = 0.0;
        for (const auto n : patient.sanctuary_blasts) sum += static_cast<double>(n);
        return sum;
    }();
    const double sanctuary_room = blasts.sanctuary_capacity_share * c.rest_tissue_sites;
    const double sanctuary_crowding =
        sanctuary_room > 0 ? std::clamp(1.0 - sanctuary_total / sanctuary_room, 0.0, 1.0) : 0.0;
    std::uint64_t sanctuary_kills = 0;
    step_blasts(patient.sanctuary_blasts, sanctuary_crowding,
                killing_per_day * parameters.car_t.sanctuary_access, c, blasts, random,
                sanctuary_kills);
    patient.rest_kills_blasts += sanctuary_kills;
    seed_marrow(patient.sanctuary_blasts, patient.rest_blasts, blasts.sanctuary_to_marrow_per_day,
                dt, random);

    // Normal B cells: made by marrow cells (those not displaced by blasts), die, are killed.
    const double marrow_cells =
        std::max(0.0, c.rest_cells - blast_total - static_cast<double>(patient.rest_b_cells));
    std::uint64_t b = patient.rest_b_cells;
    b -= random.binomial(b, chance(1.0 / parameters.b_cells.lifetime_days, dt));
    const std::uint64_t killed_b = random.binomial(b, chance(killing_per_day * c.bind_b_cell, dt));
    b -= killed_b;
    patient.rest_kills_b_cells += killed_b;
    b += random.poisson(marrow_cells * parameters.b_cells.production_per_day * dt);
    patient.rest_b_cells = b;
}

/// A CD19 density for a homing blast of this phenotype (the patient's log-normal, restricted
/// to the phenotype's range by rejection).
float homing_cd19(BlastPhenotype phenotype, const Parameters& parameters, RandomStream& random) {
    const double dim = parameters.readouts.cd19_dim_molecules;
    const BlastParameters& b = parameters.blasts;
    if (phenotype == BlastPhenotype::cd19_negative ||
        phenotype == BlastPhenotype::lineage_switched) {
        return 0.0F;
    }
    const bool want_dim = phenotype == BlastPhenotype::cd19_dim;
    for (int attempt = 0; attempt < 1000; ++attempt) {
        const double c = random.lognormal(std::log(b.cd19_median_molecules), b.cd19_log_sd);
        if ((c < dim) == want_dim) return static_cast<float>(c);
    }
    return static_cast<float>(want_dim ? 0.5 * dim : dim);
}

/// Circulating blasts of the rest of the marrow home into the window in proportion to its
/// share (blasts.marrow_exchange_per_day); each takes a free tissue site next to a random vessel.
void home_blasts(const PatientView& view, RandomStream& random) {
    const PatientConstants& c = view.constants;
    const Parameters& parameters = view.parameters;
    const auto vessel_sites = view.vessels.sites();
    const double total = static_cast<double>(view.patient.rest_blast_total());
    if (vessel_sites.empty() || total <= 0.0 || c.window_share >= 1.0) return;
    const double expected = total * chance(parameters.blasts.marrow_exchange_per_day, c.tick_days) *
                            c.window_share / (1.0 - c.window_share);
    const std::uint64_t arriving = random.poisson(expected);
    // Every blast's draws first (they depend on the compartments only, so every rank makes
    // them alike), each with the tissue sites next to its vessel as candidates.
    std::vector<TissueColumns::Row> arrivals;
    std::vector<SiteIndex> candidates;
    std::vector<std::size_t> run_ends;
    std::array<SiteIndex, 26> around{};
    for (std::uint64_t i = 0; i < arriving; ++i) {
        // The phenotype in proportion to the rest of the marrow's blasts.
        double u = random.uniform() * total;
        auto phenotype = BlastPhenotype::cd19_positive;
        for (int k = 0; k < kBlastPhenotypeCount; ++k) {
            u -= static_cast<double>(view.patient.rest_blasts[static_cast<std::size_t>(k)]);
            if (u < 0.0) {
                phenotype = static_cast<BlastPhenotype>(k);
                break;
            }
        }
        const SiteIndex vessel = vessel_sites[random.below(vessel_sites.size())];
        const int n = view.lattice.neighbors(vessel, engine::Neighborhood::moore, around);
        for (int k = 0; k < n; ++k) {
            const SiteIndex s = around[static_cast<std::size_t>(k)];
            if (!view.vessels.contains(s)) candidates.push_back(s);
        }
        run_ends.push_back(candidates.size());
        TissueColumns::Row row{TissueKind::blast, 0, homing_cd19(phenotype, parameters, random),
                               0.0F};
        if (phenotype == BlastPhenotype::cd19_negative) {
            row.flags = blast_flags::cd19_epitope_lost;
        } else if (phenotype == BlastPhenotype::lineage_switched) {
            row.flags = blast_flags::lineage_switched;
        }
        if (phenotype != BlastPhenotype::lineage_switched &&
            !random.bernoulli(parameters.initial.cd22_negative_blast_fraction)) {
            row.cd22_molecules = static_cast<float>(random.lognormal(
                std::log(parameters.blasts.cd22_median_molecules), parameters.blasts.cd22_log_sd));
        }
        arrivals.push_back(row);
    }
    if (arrivals.empty()) return;
    // Then, in draw order, each takes its first candidate free now (as the sites' owners see
    // them); the owner of the site's tile adds the blast.
    const std::vector<SiteIndex> sites =
        engine::first_free_sites_in_order(view.domain, view.tissue_layer, candidates, run_ends);
    for (std::size_t i = 0; i < arrivals.size(); ++i) {
        if (sites[i] == engine::kNoSite) continue;  // no room next to that vessel: it passes by
        if (view.domain != nullptr && !view.domain->owns_site(sites[i])) continue;
        view.tissue.add(sites[i], arrivals[i]);
        view.antigen.set(sites[i], arrivals[i]);
    }
}

}  // namespace

namespace {

/// The mean field of the lattice's probe, synapse and program for cells searching `sites`
/// that hold these blasts and B cells.
CarTContact contact_with(const std::array<std::uint64_t, kBlastPhenotypeCount>& blasts,
                         std::uint64_t b_cells, double sites, const PatientConstants& c) {
    CarTContact contact;
    double bind = 0.0;
    for (int k = 0; k < kBlastPhenotypeCount; ++k) {
        bind += static_cast<double>(blasts[static_cast<std::size_t>(k)]) *
                c.bind_blast[static_cast<std::size_t>(k)];
    }
    bind += static_cast<double>(b_cells) * c.bind_b_cell;
    contact.bind_per_probe = sites > 0 ? bind / sites : 0.0;
    // A free cell binds with this chance per probe and then stays in a synapse for
    // synapse_steps on average: the free share of time is 1 / (1 + b x synapse_steps).
    contact.free_fraction = 1.0 / (1.0 + contact.bind_per_probe * c.synapse_steps);
    contact.bind_rate_per_day = contact.bind_per_probe * contact.free_fraction * c.steps_per_day;
    // A program runs if the cell bound within the last activation_days.
    contact.activated_fraction = -std::expm1(-contact.bind_rate_per_day * c.activation_days);
    return contact;
}

}  // namespace

CarTContact rest_marrow_contact(const PatientCompartments& patient, const PatientConstants& c) {
    return contact_with(patient.rest_blasts, patient.rest_b_cells, c.rest_sites, c);
}

CarTContact lymphoid_contact(const PatientCompartments& patient, const PatientConstants& c) {
    // Normal B cells of spleen and nodes are not modelled: after relapse, chemotherapy and
    // lymphodepletion they are few (docs/MODEL.md "Known limitations").
    return contact_with(patient.lymphoid_blasts, 0, c.lymphoid_sites, c);
}

void initialize_patient(PatientCompartments& patient, const PatientConstants& c,
                        const Parameters& parameters) {
    RandomStream random(parameters.seed, StreamId::patient_initial, 0, 0);
    // Rare clones at patient scale: each phenotype's count a binomial draw of the whole burden.
    const auto split = [&](std::uint64_t blasts) {
        std::array<std::uint64_t, kBlastPhenotypeCount> counts{};
        std::uint64_t left = blasts;
        double share_left = 1.0;
        for (int k = kBlastPhenotypeCount - 1; k > 0; --k) {
            const double share = c.initial_phenotype_share[static_cast<std::size_t>(k)];
            const std::uint64_t n =
                share_left > 0 ? random.binomial(left, std::min(1.0, share / share_left)) : 0;
            counts[static_cast<std::size_t>(k)] = n;
            left -= n;
            share_left -= share;
        }
        counts[0] = left;
        return counts;
    };
    const MarrowComposition at_infusion = marrow_at_infusion(parameters);
    const double marrow_blasts = c.rest_cells * at_infusion.blast_fraction;
    patient.rest_blasts = split(static_cast<std::uint64_t>(std::llround(marrow_blasts)));
    patient.sanctuary_blasts = split(static_cast<std::uint64_t>(
        std::llround(marrow_blasts * parameters.initial.sanctuary_blast_share)));
    patient.lymphoid_blasts = split(static_cast<std::uint64_t>(
        std::llround(marrow_blasts * parameters.initial.lymphoid_blast_share)));
    patient.rest_b_cells =
        static_cast<std::uint64_t>(std::llround(c.rest_cells * at_infusion.b_cell_fraction));
    // The doses of day 0; later ones come with the systemic phase (agents/toxicity/phase.hpp).
    patient.blood = CarTPool{};
    const std::vector<InfusionDose> infusions =
        parse_infusion_schedule(parameters.car_t.infusion_schedule, parameters.time.days);
    for (std::uint64_t k = 0; k < day_zero_infusions(infusions); ++k) {
        infuse(patient.blood, infusions[k].dose_multiple * parameters.car_t.dose_cells,
               parameters.car_t.memory_phenotype_fraction);
    }
    patient.endogenous_lymphocytes =
        parameters.car_t.lymphodepletion ? parameters.car_t.lymphodepletion_depth : 1.0;
}

void patient_step(const PatientView& view, engine::Step step) {
    PatientCompartments& patient = view.patient;
    const PatientConstants& c = view.constants;
    const Parameters& parameters = view.parameters;
    const CarTParameters& car_t = parameters.car_t;
    RandomStream random(view.seed, StreamId::patient_tick, step, 0);

    const CarTSignals& signals = view.signals;
    const CarTContact contact = rest_marrow_contact(patient, c);
    const CarTContact lymphoid_meets = lymphoid_contact(patient, c);

    // CAR-T pools. Moves between pools land in the targets' new counts, so each cell takes at
    // most one trip per tick.
    CarTPool to_blood;
    CarTPool to_lymphoid;
    CarTPool to_marrow;
    const CarTPool blood = step_pool(
        patient.blood,
        {0.0, 1.0, 0.0, &to_marrow, car_t.blood_to_marrow_per_day * (1.0 - c.window_share),
         &to_lymphoid, car_t.blood_to_lymphoid_per_day},
        c, signals, random, patient.car_t_activations);
    const CarTPool lymphoid =
        step_pool(patient.lymphoid,
                  {lymphoid_meets.bind_rate_per_day, lymphoid_meets.free_fraction,
                   lymphoid_meets.activated_fraction, &to_blood, car_t.lymphoid_to_blood_per_day,
                   nullptr, 0.0},
                  c, signals, random, patient.car_t_activations);
    const CarTPool marrow =
        step_pool(patient.rest_marrow,
                  {contact.bind_rate_per_day, contact.free_fraction, contact.activated_fraction,
                   &to_blood, c.exit_marrow_per_day, nullptr, 0.0},
                  c, signals, random, patient.car_t_activations);
    for (std::size_t bin = 0; bin < CarTPool::kBins; ++bin) {
        patient.blood.count[bin] = blood.count[bin] + to_blood.count[bin];
        patient.lymphoid.count[bin] = lymphoid.count[bin] + to_lymphoid.count[bin];
        patient.rest_marrow.count[bin] = marrow.count[bin] + to_marrow.count[bin];
    }

    step_rest_tissue(patient, c, parameters, contact, signals.kill_scale, random);
    step_lymphoid_blasts(patient, c, parameters, lymphoid_meets, signals.kill_scale, random);
    home_blasts(view, random);
    patient.endogenous_lymphocytes = regrow_lymphocytes(
        patient.endogenous_lymphocytes, car_t.lymphocyte_recovery_per_day, c.tick_days);
}

}  // namespace cartsim::agents
