#include "agents/state_checks.hpp"

#include <fmt/format.h>

#include <cmath>
#include <span>
#include <stdexcept>
#include <string_view>

#include "engine/reach_check.hpp"

namespace cartsim::agents {

using engine::AgentSlot;
using engine::kNoSite;

namespace {

[[noreturn]] void refuse(std::string_view piece, std::string_view where, double value,
                         std::string_view expected) {
    throw std::invalid_argument(
        fmt::format("state {}: value {} at {} is not {}", piece, value, where, expected));
}

// Every live slot's value of `column` satisfies `ok`, else refuse naming population/column.
template <class PopulationT, class Column, class Ok>
void check_column(const PopulationT& population, std::string_view column_name, const Column& column,
                  Ok&& ok, std::string_view expected) {
    for (AgentSlot slot = 0; slot < population.slot_count(); ++slot) {
        if (!population.alive(slot)) continue;
        const auto value = column[slot];
        if (!ok(value)) {
            refuse(fmt::format("{}/{}", population.name(), column_name),
                   fmt::format("slot {}", slot), static_cast<double>(value), expected);
        }
    }
}

bool finite_non_negative(double v) {
    return std::isfinite(v) && v >= 0.0;
}

void check_values(std::string_view piece, std::span<const double> values) {
    for (std::size_t cell = 0; cell < values.size(); ++cell) {
        if (!finite_non_negative(values[cell])) {
            refuse(piece, fmt::format("field cell {}", cell), values[cell], "a finite amount >= 0");
        }
    }
}

}  // namespace

void check_tissue_state(const engine::Population<TissueColumns>& tissue, const Vessels& vessels,
                        TissueTick next_tick) {
    const TissueColumns& c = tissue.columns();
    check_column(
        tissue, "kind", c.kind,
        [](TissueKind k) { return static_cast<std::size_t>(k) < kTissueKindLabels.size(); },
        "a tissue kind (0-2)");
    check_column(
        tissue, "flags", c.flags,
        [](std::uint8_t f) { return f < (1U << kBlastFlagLabels.size()); },
        "a combination of blast flags (0-3)");
    check_column(
        tissue, "cd19", c.cd19_molecules, [](float v) { return finite_non_negative(v); },
        "a finite density >= 0");
    check_column(
        tissue, "cd22", c.cd22_molecules, [](float v) { return finite_non_negative(v); },
        "a finite density >= 0");
    check_column(
        tissue, "next_event_tick", c.next_event_tick,
        [next_tick](TissueTick t) { return t >= next_tick; },
        fmt::format("a tick of a next event, not before the next tissue tick {}", next_tick));
    for (AgentSlot slot = 0; slot < tissue.slot_count(); ++slot) {
        if (tissue.alive(slot) && vessels.contains(tissue.site(slot))) {
            throw std::invalid_argument(fmt::format(
                "state tissue/sites: a tissue cell on vessel site {}: the state is not of this "
                "marrow",
                tissue.site(slot)));
        }
    }
}

void check_car_t_state(const engine::Population<CarTColumns>& car_t, const engine::Lattice& lattice,
                       const CarTConstants& constants) {
    const CarTColumns& c = car_t.columns();
    const std::size_t directions = lattice.offsets(engine::Neighborhood::moore).size();
    const std::uint64_t sites = lattice.site_count();
    check_column(
        car_t, "state", c.state, [](CarTState s) { return static_cast<int>(s) < kCarTStateCount; },
        "a CAR-T state (0-3)");
    check_column(
        car_t, "direction", c.direction, [&](std::uint8_t d) { return d < directions; },
        directions == 8 ? "a Moore direction of a 2-D lattice (0-7)"
                        : "a Moore direction of a 3-D lattice (0-25)");
    check_column(
        car_t, "activation_steps_left", c.activation_steps_left,
        [&](std::uint32_t a) { return a <= constants.activation_steps; },
        "within the proliferative program (car_t.product_*.activation_hours)");
    check_column(
        car_t, "engaged_site", c.engaged_site,
        [&](engine::SiteIndex s) { return s == kNoSite || s < sites; }, "a site of the lattice");
    // A cell binds a target at its own site or a neighbour's and stays while engaged.
    for (AgentSlot slot = 0; slot < car_t.slot_count(); ++slot) {
        const engine::SiteIndex target = c.engaged_site[slot];
        if (!car_t.alive(slot) || target == kNoSite) continue;
        if (engine::chebyshev_distance(lattice, car_t.site(slot), target) > 1) {
            refuse("car_t/engaged_site", fmt::format("slot {}", slot), target,
                   "the cell's own site or a neighbour's");
        }
    }
    check_column(
        car_t, "exhaustion", c.exhaustion, [](float v) { return finite_non_negative(v); },
        "a finite score >= 0");
    for (AgentSlot slot = 0; slot < car_t.slot_count(); ++slot) {
        if (car_t.alive(slot) &&
            !(c.exhaustion_fixed[slot] >= 0.0F && c.exhaustion_fixed[slot] <= c.exhaustion[slot])) {
            refuse("car_t/exhaustion_fixed", fmt::format("slot {}", slot), c.exhaustion_fixed[slot],
                   "a part of the score, in [0, exhaustion]");
        }
    }
    check_column(
        car_t, "car_level", c.car_level,
        [](float v) { return std::isfinite(v) && v >= 0.0F && v <= 1.0F; }, "a level in [0, 1]");
}

void check_patient_state(const PatientCompartments& patient, const PatientConstants& constants) {
    const auto check_pool = [](std::string_view name, const CarTPool& pool) {
        for (std::size_t bin = 0; bin < CarTPool::kBins; ++bin) {
            if (pool.count[bin] != 0 && !CarTPool::possible_bin(bin)) {
                const auto state = static_cast<std::size_t>(CarTPool::state_of_bin(bin));
                refuse(fmt::format("patient/{}", name),
                       fmt::format("state {} ({}), exhaustion level {}, fixed level {}", state,
                                   kCarTStateLabels[state], CarTPool::level_of_bin(bin),
                                   CarTPool::fixed_level_of_bin(bin)),
                       static_cast<double>(pool.count[bin]),
                       "0 cells: a fixed part above its exhaustion level");
            }
            if (pool.count[bin] > kMaxPatientCarTCells) {
                const auto state = static_cast<std::size_t>(CarTPool::state_of_bin(bin));
                refuse(
                    fmt::format("patient/{}", name),
                    fmt::format("state {} ({}), exhaustion level {}, fixed level {}", state,
                                kCarTStateLabels[state], CarTPool::level_of_bin(bin),
                                CarTPool::fixed_level_of_bin(bin)),
                    static_cast<double>(pool.count[bin]),
                    fmt::format("at most {:g} cells", static_cast<double>(kMaxPatientCarTCells)));
            }
        }
    };
    check_pool("blood_car_t", patient.blood);
    check_pool("lymphoid_car_t", patient.lymphoid);
    check_pool("rest_marrow_car_t", patient.rest_marrow);
    const double tissue_sites = constants.rest_tissue_sites;
    // Summed as reals: a uint64 sum of damaged counts could wrap round to a small total.
    double blasts = 0.0;
    for (const auto n : patient.rest_blasts) blasts += static_cast<double>(n);
    if (blasts + static_cast<double>(patient.rest_b_cells) > tissue_sites * 1.000001 + 1.0) {
        refuse("patient/rest_blasts", "the rest of the marrow", blasts,
               fmt::format("at most its {:.4g} tissue sites (with rest_b_cells {})", tissue_sites,
                           patient.rest_b_cells));
    }
    double sanctuary = 0.0;
    for (const auto n : patient.sanctuary_blasts) sanctuary += static_cast<double>(n);
    if (sanctuary > tissue_sites) {
        refuse("patient/sanctuary_blasts", "the sanctuary", sanctuary,
               fmt::format("at most the marrow's {:.4g} tissue sites", tissue_sites));
    }
    double lymphoid = 0.0;
    for (const auto n : patient.lymphoid_blasts) lymphoid += static_cast<double>(n);
    if (lymphoid > constants.lymphoid_sites * 1.000001 + 1.0) {
        refuse("patient/lymphoid_blasts", "spleen and lymph nodes", lymphoid,
               fmt::format("at most their {:.4g} sites", constants.lymphoid_sites));
    }
    const double lymphocytes = patient.endogenous_lymphocytes;
    if (!std::isfinite(lymphocytes) || lymphocytes < 0.0 || lymphocytes > 1.0) {
        refuse("patient/endogenous_lymphocytes", "patient", lymphocytes, "a share in [0, 1]");
    }
}

void check_cytokine_state(const CytokineTable& cytokines) {
    for (const CytokineField& field : cytokines.fields()) {
        check_values(fmt::format("cytokines/{}", field.name()), field.field().values());
        if (!finite_non_negative(field.serum_pg_per_ml())) {
            refuse(fmt::format("cytokines/serum_{}_pg_per_ml", field.name()), "serum",
                   field.serum_pg_per_ml(), "a finite level >= 0");
        }
    }
    for (const CytokineField& field : cytokines.fields()) {
        check_values(fmt::format("cytokines/{}_release", field.name()), field.pending_release_pg());
    }
}

void check_il6_producer_counts(std::span<const std::uint32_t> saved,
                               std::span<const std::uint32_t> capacity) {
    for (std::size_t i = 0; i < saved.size() && i < capacity.size(); ++i) {
        if (saved[i] > capacity[i]) {
            refuse("cytokines/il6_producers_per_field_cell", fmt::format("field cell {}", i),
                   saved[i], fmt::format("at most the field cell's {} sites", capacity[i]));
        }
    }
}

void check_systemic_state(const SystemicState& s, std::size_t infusions, std::size_t drug_doses) {
    const auto level = [](const char* name, double v) {
        if (!finite_non_negative(v))
            refuse(fmt::format("systemic/{}", name), "systemic", v, "a finite level >= 0");
    };
    const auto share = [](const char* name, double v) {
        if (!(std::isfinite(v) && v >= 0.0 && v <= 1.0)) {
            refuse(fmt::format("systemic/{}", name), "systemic", v, "a share in [0, 1]");
        }
    };
    const auto grade = [](const char* name, double v, double top) {
        if (!(std::isfinite(v) && v >= 0.0 && v <= top && v == std::floor(v))) {
            refuse(fmt::format("systemic/{}", name), "systemic", v,
                   fmt::format("a whole number in [0, {:g}]", top));
        }
    };
    const auto day = [](const char* name, double v) {
        if (!(std::isfinite(v) && (v == -1.0 || v >= 0.0))) {
            refuse(fmt::format("systemic/{}", name), "systemic", v, "a day >= 0, or -1 (none)");
        }
    };
    share("macrophage_activation", s.macrophage_activation);
    level("il6_pg_per_ml", s.il6_pg_per_ml);
    level("il1_pg_per_ml", s.il1_pg_per_ml);
    level("ifng_pg_per_ml", s.ifng_pg_per_ml);
    level("tocilizumab_ug_per_ml", s.tocilizumab_ug_per_ml);
    level("steroid_mg", s.steroid_mg);
    share("endothelial_activation", s.endothelial_activation);
    share("lung_water", s.lung_water);
    share("cns_inflammation", s.cns_inflammation);
    share("fever_seen", s.fever_seen);
    grade("crs_grade", s.crs_grade, 4);
    grade("icans_grade", s.icans_grade, 4);
    grade("ice_score", s.ice_score, 10);
    grade("crs_max_grade", s.crs_max_grade, 4);
    grade("icans_max_grade", s.icans_max_grade, 4);
    if (s.crs_max_grade < s.crs_grade || s.icans_max_grade < s.icans_grade) {
        refuse("systemic/crs_max_grade", "systemic", s.crs_max_grade,
               "at least the current grades (crs_grade, icans_grade)");
    }
    day("last_tocilizumab_day", s.last_tocilizumab_day);
    day("last_dexamethasone_day", s.last_dexamethasone_day);
    level("dexamethasone_mg_total", s.dexamethasone_mg_total);
    level("infused_dose_multiple", s.infused_dose_multiple);
    level("engaged_cart_cells", s.engaged_cart_cells);
    level("kills_per_day", s.kills_per_day);
    if (s.next_infusion > infusions) {
        refuse("systemic/next_infusion", "systemic", static_cast<double>(s.next_infusion),
               fmt::format("at most the schedule's {} doses", infusions));
    }
    if (s.held_infusions > s.next_infusion) {
        refuse("systemic/held_infusions", "systemic", static_cast<double>(s.held_infusions),
               fmt::format("at most the {} doses that fell due", s.next_infusion));
    }
    if (s.next_scheduled_dose > drug_doses) {
        refuse("systemic/next_scheduled_dose", "systemic",
               static_cast<double>(s.next_scheduled_dose),
               fmt::format("at most the schedule's {} drug doses", drug_doses));
    }
}

void check_extra_cell_kind_state(const engine::Population<ExtraColumns>& cells) {
    const ExtraColumns& c = cells.columns();
    for (std::size_t k = 0; k < c.names.size(); ++k) {
        check_column(
            cells, c.names[k], c.values[k], [](float v) { return std::isfinite(v); }, "finite");
    }
}

}  // namespace cartsim::agents
