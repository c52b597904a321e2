#include "scenarios/model_parameters.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "agents/toxicity/schedule.hpp"
#include "scenarios/scenario_error.hpp"

namespace cartsim::scenarios {

namespace {

using agents::Parameters;
using agents::ProductParameters;

constexpr double kMinutesPerDay = 1440.0;
constexpr double kUm3PerMl = 1e12;
/// The engine's site index is 32-bit and reserves its largest value (engine::kNoSite).
constexpr std::uint64_t kMaxSites = std::numeric_limits<std::uint32_t>::max() - 1ULL;
/// The diffusion solver's sparse matrix has at most 7 entries per row and 32-bit indices
/// (engine/diffusion_field.cpp).
constexpr std::uint64_t kMaxFieldCells = std::numeric_limits<std::int32_t>::max() / 7;
constexpr double kMaxSeed = 9223372036854775807.0;  // 2^63 - 1 (as close as a double gets)

// ---------------------------------------------------------------------------------------------
// Costimulation names (the choice parameter car_t.costimulation)

struct CostimulationName {
    agents::Costimulation value;
    std::string_view name;
};
constexpr std::array<CostimulationName, 2> kCostimulationNames{{
    {agents::Costimulation::four_1bb, "4-1BB"},
    {agents::Costimulation::cd28, "CD28"},
}};

std::string costimulation_name(agents::Costimulation value) {
    for (const auto& [v, name] : kCostimulationNames) {
        if (v == value) return std::string(name);
    }
    throw std::logic_error("costimulation without a name");
}

agents::Costimulation costimulation_of(std::string_view name) {
    for (const auto& [v, n] : kCostimulationNames) {
        if (n == name) return v;
    }
    throw std::logic_error(fmt::format("unknown costimulation {}", name));
}

std::vector<std::string> costimulation_choices() {
    std::vector<std::string> choices;
    for (const auto& entry : kCostimulationNames) choices.emplace_back(entry.name);
    return choices;
}

// ---------------------------------------------------------------------------------------------
// The registry: one entry per field of agents::Parameters, binding a spec to the field

/// What a registration states besides key, type and default (those come from the field).
struct Info {
    std::string unit{};
    double min = -unbounded;
    double max = unbounded;
    std::string description{};
    std::string source{};
};

template <class Field>
constexpr ParameterType type_of() {
    if constexpr (std::is_same_v<Field, double>) {
        return ParameterType::real;
    } else if constexpr (std::is_same_v<Field, bool>) {
        return ParameterType::boolean;
    } else if constexpr (std::is_same_v<Field, agents::Costimulation>) {
        return ParameterType::choice;
    } else if constexpr (std::is_same_v<Field, std::string>) {
        return ParameterType::text;
    } else {
        static_assert(std::is_integral_v<Field>, "no parameter type for this field type");
        return ParameterType::integer;
    }
}

template <class Field>
ParameterValue value_of_field(const Field& field) {
    if constexpr (std::is_same_v<Field, double> || std::is_same_v<Field, bool> ||
                  std::is_same_v<Field, std::string>) {
        return ParameterValue(field);
    } else if constexpr (std::is_same_v<Field, agents::Costimulation>) {
        return ParameterValue(costimulation_name(field));
    } else {
        return ParameterValue(static_cast<std::int64_t>(field));
    }
}

template <class Field>
Field field_of_set(const ParameterSet& values, const std::string& key) {
    if constexpr (std::is_same_v<Field, double>) {
        return values.real(key);
    } else if constexpr (std::is_same_v<Field, bool>) {
        return values.boolean(key);
    } else if constexpr (std::is_same_v<Field, agents::Costimulation>) {
        return costimulation_of(values.text(key));
    } else if constexpr (std::is_same_v<Field, std::string>) {
        return values.text(key);
    } else {
        // The spec's range keeps the value inside the field's type.
        return static_cast<Field>(values.integer(key));
    }
}

class Registry {
  public:
    /// `access` is a generic lambda returning a reference to the field of a (const) Parameters.
    template <class Access>
    void add(std::string key, Access access, Info info) {
        using Field = std::remove_cvref_t<decltype(access(std::declval<Parameters&>()))>;
        ParameterSpec spec{.key = key,
                           .type = type_of<Field>(),
                           .unit = std::move(info.unit),
                           .default_value = value_of_field(access(std::as_const(defaults_))),
                           .min = info.min,
                           .max = info.max,
                           .choices = {},
                           .description = std::move(info.description),
                           .source = std::move(info.source)};
        if constexpr (std::is_same_v<Field, agents::Costimulation>) {
            spec.choices = costimulation_choices();
        }
        table_.add(std::move(spec));
        writers_.push_back([access, key](Parameters& parameters, const ParameterSet& values) {
            access(parameters) = field_of_set<Field>(values, key);
        });
    }

    const ParameterTable& table() const { return table_; }
    const std::vector<std::function<void(Parameters&, const ParameterSet&)>>& writers() const {
        return writers_;
    }

  private:
    Parameters defaults_{};
    ParameterTable table_;
    std::vector<std::function<void(Parameters&, const ParameterSet&)>> writers_;
};

// The key's path below Parameters and the member it binds are the same tokens, so they cannot
// disagree: CARTSIM_FIELD(blasts.birth_rate_per_day) binds key "blasts.birth_rate_per_day" to
// Parameters::blasts.birth_rate_per_day.
// clang-format off
#define CARTSIM_FIELD(path) #path, [](auto& p) -> auto& { return p.path; }
// clang-format on

/// A member of one product parameter set (car_t.product_41bb or car_t.product_cd28).
template <class Product, class T>
auto product_member(Product product, T ProductParameters::*member) {
    // clang-format off
    return [product, member](auto& p) -> auto& { return product(p).*member; };
    // clang-format on
}

#define CARTSIM_PRODUCT_FIELD(name) \
    prefix + "." #name, product_member(product, &ProductParameters::name)

// ---------------------------------------------------------------------------------------------
// The parameters, section by section (this order is the order of docs and resolved TOML)

constexpr double kMaxRatePerDay = 100.0;  // generous: > 1 event per 15 min

void add_run(Registry& r) {
    r.add("run.seed", [](auto& p) -> auto& { return p.seed; },
          {.unit = "",
           .min = 0.0,
           .max = kMaxSeed,
           .description = "Seed of every random stream (Philox key): the same scenario and seed "
                          "give bitwise-identical results at any thread count",
           .source = "numerical: replicates differ only in the seed"});
    r.add("run.well_mixed", [](auto& p) -> auto& { return p.well_mixed; },
          {.description = "Test mode: free CAR-T cells jump to a random free site every fine step "
                          "instead of walking, so contacts follow mass action (compare with "
                          "mean-field equations); false for biology runs",
           .source = "numerical: test mode, off by default"});
}

void add_space(Registry& r) {
    const std::string extent_source =
        "numerical: 100 sites of 10 um = 1 mm; 100^3 sites hold ~1e6 tissue cells";
    r.add(CARTSIM_FIELD(space.nx), {.unit = "sites",
                                    .min = 1,
                                    .max = 4096,
                                    .description = "Lattice extent along x",
                                    .source = extent_source});
    r.add(CARTSIM_FIELD(space.ny), {.unit = "sites",
                                    .min = 1,
                                    .max = 4096,
                                    .description = "Lattice extent along y",
                                    .source = extent_source});
    r.add(CARTSIM_FIELD(space.nz),
          {.unit = "sites",
           .min = 1,
           .max = 4096,
           .description = "Lattice extent along z; 1 makes a 2-D (one-layer) marrow",
           .source = extent_source});
    r.add(CARTSIM_FIELD(space.site_edge_um),
          {.unit = "um",
           .min = 5.0,
           .max = 30.0,
           .description = "Edge of one lattice site: room for one tissue cell and one T cell",
           .source = "calibrate: one lymphoblast diameter (~10 um) per site "
                     "(docs/MODEL.md#scope-and-scales)"});
    r.add(CARTSIM_FIELD(space.periodic),
          {.description = "Periodic faces (wrap around) instead of reflective ones; a periodic "
                          "space needs extents that are multiples of cytokines.field_coarsening",
           .source = "numerical: reflective faces stand for marrow outside the region"});
    r.add(CARTSIM_FIELD(space.vessel_fraction),
          {.unit = "fraction",
           .min = 0.0,
           .max = 0.5,
           .description = "Share of sites that are sinusoid (vessel) sites where CAR-T cells enter "
                          "and leave; 3-D: whole z-columns drawn with this chance, 2-D: single "
                          "sites",
           .source = "calibrate: a few percent of marrow volume, so every cell is within ~100 "
                     "um of a vessel"});
    r.add(CARTSIM_FIELD(space.total_marrow_volume_ml),
          {.unit = "mL",
           .min = 10.0,
           .max = 5000.0,
           .description = "The patient's whole marrow volume: the lattice stands for it, counts "
                          "scale by simulated volume / this (smaller in children)",
           .source = "~1.5 L in adults (docs/MODEL.md#scope-and-scales)"});
    r.add(CARTSIM_FIELD(space.blood_volume_ml),
          {.unit = "mL",
           .min = 50.0,
           .max = 10000.0,
           .description = "Blood volume, for CAR-T concentrations in blood (cells/uL)",
           .source = "standard adult physiology (~5 L)"});
    r.add(CARTSIM_FIELD(space.lymphoid_volume_ml),
          {.unit = "mL",
           .min = 1.0,
           .max = 5000.0,
           .description = "Volume of spleen and lymph nodes, where lymphoid CAR-T cells search "
                          "for targets (their blasts' density is count / this volume); its blasts "
                          "can fill it",
           .source = "calibrate: adult spleen ~150-250 mL plus lymph nodes; not measured per "
                     "patient"});
    r.add(CARTSIM_FIELD(space.tile_edge_sites),
          {.unit = "sites",
           .min = 4,
           .max = 1024,
           .description = "Engine tuning: preferred tile edge (>= 4 = 2 x interaction reach); "
                          "changes the sweep order, hence the random outcome, not its statistics",
           .source = "numerical: 8 keeps a tile's agents in cache and gives many tiles per "
                     "color"});
}

void add_time(Registry& r) {
    r.add(CARTSIM_FIELD(time.days),
          {.unit = "d",
           .min = 0.0,
           .max = 3650.0,
           .description = "Simulated time after infusion (`cartsim run --days` overrides it)",
           .source = "calibrate: 60 d covers expansion, contraction and early relapse"});
    r.add(CARTSIM_FIELD(time.fine_step_min),
          {.unit = "min",
           .min = 0.1,
           .max = 10.0,
           .description = "Fine step, the clock of CAR-T cells; a cell moves at most one site per "
                          "step, so car_t.speed_um_per_min x this / space.site_edge_um above 1 "
                          "is clamped to 1",
           .source = "numerical: 1 min resolves ~25-min synapses (Cazaux et al., J Exp Med 2019) "
                     "and a walk of one 10-um site per 2 min"});
    r.add(CARTSIM_FIELD(time.tissue_period_steps),
          {.unit = "fine steps",
           .min = 1,
           .max = 1440,
           .description = "Clock of tissue cells (blasts, B cells, marrow cells); at most one day",
           .source = "numerical: hourly; a blast divides with chance < 0.5% per tick"});
    r.add(CARTSIM_FIELD(time.field_period_steps),
          {.unit = "fine steps",
           .min = 1,
           .max = 1440,
           .description = "Clock of the cytokine fields and serum levels; at most one day and at "
                          "most the fields' decay time (1 / decay)",
           .source = "numerical: below the ~50-min field decay time, at a fraction of the solver "
                     "cost of every step"});
    r.add(CARTSIM_FIELD(time.record_every_days),
          {.unit = "d",
           .min = 0.0,
           .max = 365.0,
           .description = "Time-series sampling interval, rounded to whole fine steps; at least "
                          "one fine step",
           .source = "numerical: four samples a day resolve the CAR-T peak"});
}

void add_output(Registry& r) {
    r.add(CARTSIM_FIELD(output.snapshot_every_days),
          {.unit = "d",
           .min = 0.0,
           .max = 3650.0,
           .description = "Interval of /snapshots (every cell's position and state, and the "
                          "cytokine fields), rounded to whole fine steps, from day 0; 0 = none",
           .source = "numerical: weekly snapshots follow the response at < 10% of run time"});
    r.add(CARTSIM_FIELD(output.checkpoint_every_days),
          {.unit = "d",
           .min = 0.0,
           .max = 3650.0,
           .description = "Interval of checkpoints: the run so far is published under the output "
                          "name with /checkpoint, so `cartsim resume` can continue it; 0 = only at "
                          "the end and on SIGTERM/SIGINT",
           .source = "numerical: a killed job loses at most this much simulated time"});
    r.add(CARTSIM_FIELD(output.snapshot_compression_level),
          {.unit = "level",
           .min = 0,
           .max = 9,
           .description = "Deflate level of snapshot datasets (with byte shuffle); 0 = "
                          "uncompressed (fastest to write, largest)",
           .source = "numerical: level 1 (measured in benchmarks/RESULTS.md)"});
}

void add_initial(Registry& r) {
    r.add(CARTSIM_FIELD(initial.cellularity),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "Share of non-vessel sites holding a tissue cell at infusion",
           .source = "calibrate: a relapsed leukemic marrow is packed"});
    r.add(CARTSIM_FIELD(initial.blast_fraction),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "Blasts among tissue cells at apheresis, which is infusion when "
                          "initial.vein_to_vein_days is 0 (disease burden); with "
                          "initial.b_cell_fraction at most 1",
           .source = "calibrate: a typical r/r B-ALL burden at infusion; scenarios vary it "
                     "(high 0.8, MRD 0.01)"});
    r.add(CARTSIM_FIELD(initial.b_cell_fraction),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "Normal B cells among tissue cells at apheresis (see "
                          "initial.blast_fraction); the rest are other marrow cells",
           .source = "calibrate: equals the steady state b_cells.production_per_day x "
                     "b_cells.lifetime_days = 0.03"});
    r.add(CARTSIM_FIELD(initial.cd19_negative_blast_fraction),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "Share of blasts that have already lost the CD19 CAR epitope",
           .source = "Sotillo et al., Cancer Discov 2015; Orlando et al., Nat Med 2018 (CD19 "
                     "escape); size calibrate, 0 by default"});
    r.add(CARTSIM_FIELD(initial.vein_to_vein_days),
          {.unit = "d",
           .min = 0.0,
           .max = 365.0,
           .description = "Apheresis to infusion: the leukemia grows untreated for this long "
                          "before day 0, by the rest-of-marrow mean field, from "
                          "initial.blast_fraction and initial.b_cell_fraction (0: they are the "
                          "marrow at infusion)",
           .source = "ELIANA: median 45 days (range 30-105) from enrollment to infusion "
                     "(Maude et al., NEJM 2018); docs/MODEL.md#vein-to-vein-interval"});
    r.add(CARTSIM_FIELD(initial.bridging_blast_kill_fraction),
          {.unit = "fraction",
           .min = 0.0,
           .max = 0.999,
           .description = "Bridging therapy at the end of the vein-to-vein interval: share of the "
                          "blasts it kills before day 0 (0 = none)",
           .source = "calibrate: bridging chemotherapy lowers burden before infusion (most "
                     "ELIANA patients had it; Maude et al., NEJM 2018)"});
    r.add(CARTSIM_FIELD(initial.sanctuary_blast_share),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "Blasts in sanctuary sites (CNS, testes, other extramedullary) at "
                          "infusion, as a share of the marrow's blasts; not counted in the "
                          "marrow blast fraction",
           .source = "calibrate: CNS and extramedullary disease is common in r/r B-ALL and "
                     "relapse there follows CAR-T (Lamble et al., Blood Adv 2023); size not "
                     "measured"});
    r.add(CARTSIM_FIELD(initial.lymphoid_blast_share),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "Blasts in spleen and lymph nodes at infusion, as a share of the "
                          "marrow's blasts; not counted in the marrow blast fraction. CAR-T cells "
                          "meet them within hours of infusion (most infused cells go there first)",
           .source = "calibrate: splenic and nodal involvement is common in B-ALL, and "
                     "expansion peaks by day ~10 (Mueller et al., Blood 2017), too early for "
                     "cells that meet antigen only in the marrow; 0.2 is the untreated "
                     "equilibrium of the two rooms (300 mL of spleen and nodes against ~1,470 mL "
                     "of marrow tissue); size not measured"});
    r.add(CARTSIM_FIELD(initial.cd22_negative_blast_fraction),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "Share of blasts without CD22 (matters for dual CD19/CD22 products)",
           .source = "calibrate: none by default"});
}

void add_blasts(Registry& r) {
    r.add(CARTSIM_FIELD(blasts.birth_rate_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = 5.0,
           .description = "Division rate of a blast with a free neighbour site",
           .source = "Br J Haematol 1997;98:999 (0.10-0.11/d in untreated children)"});
    r.add(CARTSIM_FIELD(blasts.death_rate_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = 5.0,
           .description = "Apoptosis rate of a blast",
           .source = "Br J Haematol 1997;98:999 (~0.04/d; net growth 6.9 +- 7.3 %/d)"});
    r.add(CARTSIM_FIELD(blasts.cd19_median_molecules),
          {.unit = "molecules/cell",
           .min = 1.0,
           .max = 1e6,
           .description = "Median CD19 surface density of blasts at infusion (log-normal)",
           .source = "calibrate: below normal B cells (22 +- 7 x10^3, Ginaldi et al., J Clin "
                     "Pathol 1998); blasts are similar or lower"});
    r.add(CARTSIM_FIELD(blasts.cd19_log_sd),
          {.unit = "ln units",
           .min = 0.0,
           .max = 3.0,
           .description = "Standard deviation of ln(CD19 density) between blasts",
           .source = "calibrate: blasts are more heterogeneous than normal B cells (0.31)"});
    r.add(CARTSIM_FIELD(blasts.antigen_inheritance_log_sd),
          {.unit = "ln units",
           .min = 0.0,
           .max = 2.0,
           .description = "Standard deviation of ln(daughter / mother) antigen density at "
                          "division, for CD19 and CD22 alike, so selection can act on density",
           .source = "calibrate: daughters resemble their mother (docs/MODEL.md#blasts)"});
    r.add(CARTSIM_FIELD(blasts.cd22_median_molecules),
          {.unit = "molecules/cell",
           .min = 1.0,
           .max = 1e6,
           .description = "Median CD22 surface density of blasts at infusion (log-normal)",
           .source = "calibrate: a few thousand, below CD19; no measurement cited "
                     "(docs/MODEL.md#blasts)"});
    r.add(CARTSIM_FIELD(blasts.cd22_log_sd),
          {.unit = "ln units",
           .min = 0.0,
           .max = 3.0,
           .description = "Standard deviation of ln(CD22 density) between blasts",
           .source = "calibrate: as blasts.cd19_log_sd"});
    r.add(CARTSIM_FIELD(blasts.cd19_loss_per_division),
          {.unit = "1/division",
           .min = 0.0,
           .max = 1.0,
           .description = "Chance that a daughter blast loses the CD19 CAR epitope (splice "
                          "isoform, deletion, frameshift)",
           .source = "Sotillo et al., Cancer Discov 2015; Orlando et al., Nat Med 2018; rate "
                     "calibrate: counted at patient scale (~1e11 blasts, ~1e10 divisions a "
                     "day), where 1e-6 would seed an escape clone in every patient within "
                     "hours; pre-existing clones (initial.cd19_negative_blast_fraction) "
                     "dominate"});
    r.add(CARTSIM_FIELD(blasts.lineage_switch_per_division),
          {.unit = "1/division",
           .min = 0.0,
           .max = 1.0,
           .description = "Chance that a daughter blast switches to a CD19- and CD22-negative "
                          "myeloid phenotype",
           .source = "calibrate: rare, seen in KMT2A-rearranged cases (docs/MODEL.md#blasts); "
                     "counted at patient scale"});
    r.add(CARTSIM_FIELD(blasts.marrow_exchange_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = 10.0,
           .description = "Rate at which a blast leaves the marrow into blood and homes back to "
                          "a random place in it: the window loses blasts at this rate and gains "
                          "the patient's circulating blasts in proportion to its share",
           .source = "calibrate: circulating blasts are common in r/r B-ALL and reseed marrow "
                     "niches; no measured rate cited"});
    r.add(CARTSIM_FIELD(blasts.sanctuary_to_marrow_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = 10.0,
           .description = "Rate at which a sanctuary blast seeds the marrow",
           .source = "calibrate: sanctuary disease reseeds the marrow once CAR-T control "
                     "wanes; no measured rate cited"});
    r.add(CARTSIM_FIELD(blasts.sanctuary_capacity_share),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "Room of the sanctuary sites for blasts, as a share of the marrow's "
                          "tissue sites (their growth slows as it fills)",
           .source = "calibrate: extramedullary sites hold far fewer cells than the marrow"});
    r.add(CARTSIM_FIELD(blasts.lymphoid_to_marrow_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = 10.0,
           .description = "Rate at which a blast of spleen and lymph nodes seeds the marrow",
           .source = "calibrate: circulating blasts home to the marrow; the same order as "
                     "blasts.marrow_exchange_per_day"});
    r.add(CARTSIM_FIELD(blasts.displace_marrow_cells),
          {.description = "A blast without a free neighbour divides into a site held by a normal "
                          "marrow cell (leukemic crowding); false: contact inhibition only",
           .source = "calibrate: a scenario choice; crowding lets blasts regrow in a packed marrow "
                     "(docs/MODEL.md#blasts)"});
}

void add_b_cells(Registry& r) {
    r.add(CARTSIM_FIELD(b_cells.lifetime_days),
          {.unit = "d",
           .min = 1.0,
           .max = 3650.0,
           .description = "Mean lifetime of a normal B cell in marrow (exponential)",
           .source = "Leon-Triana et al. 2021 (~60 d)"});
    r.add(CARTSIM_FIELD(b_cells.production_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = 1.0,
           .description = "Differentiation of a marrow cell into a B cell, in place",
           .source = "calibrate: production x lifetime = 0.03 B cells per marrow cell at steady "
                     "state"});
    r.add(CARTSIM_FIELD(b_cells.cd19_median_molecules),
          {.unit = "molecules/cell",
           .min = 1.0,
           .max = 1e6,
           .description = "Median CD19 surface density of normal B cells (log-normal)",
           .source = "Ginaldi et al., J Clin Pathol 1998 (22 +- 7 x10^3 molecules/cell)"});
    r.add(CARTSIM_FIELD(b_cells.cd19_log_sd),
          {.unit = "ln units",
           .min = 0.0,
           .max = 3.0,
           .description = "Standard deviation of ln(CD19 density) between normal B cells",
           .source = "Ginaldi et al., J Clin Pathol 1998 (sd 7e3 around 22e3: ln-sd 0.31)"});
}

void add_marrow_cells(Registry& r) {
    r.add(CARTSIM_FIELD(marrow_cells.regeneration_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = kMaxRatePerDay,
           .description = "Division of a marrow cell into a free neighbour site (refills "
                          "space freed by dying blasts)",
           .source = "calibrate: normal haematopoiesis refills emptied marrow within days"});
    r.add(CARTSIM_FIELD(marrow_cells.death_rate_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = kMaxRatePerDay,
           .description =
               "Death rate of a marrow cell (the CD19-negative, non-B cells of the marrow)",
           .source = "calibrate: slow turnover, balanced by regeneration"});
}

void add_car_t(Registry& r) {
    r.add(CARTSIM_FIELD(car_t.costimulation),
          {.description = "Costimulation domain of the product: selects car_t.product_41bb or "
                          "car_t.product_cd28",
           .source = "Wang et al., Blood 2016; Long et al., Nat Med 2015 (persistence and "
                     "exhaustion differ by costimulation)"});
    r.add(CARTSIM_FIELD(car_t.targets_cd22),
          {.description = "Dual CD19/CD22 product: binds when either antigen triggers "
                          "(independent channels)",
           .source = "calibrate: countermeasure to CD19 escape (Sotillo et al., Cancer Discov "
                     "2015; Orlando et al., Nat Med 2018)"});
    r.add(CARTSIM_FIELD(car_t.dose_cells),
          {.unit = "cells",
           .min = 0.0,
           .max = 1e10,
           .description = "Whole-body CAR-T cells of one dose (car_t.infusion_schedule gives when "
                          "and how many doses); 0 = untreated",
           .source = "calibrate: order of a typical CD19 CAR-T dose (1e8 cells)"});
    r.add(CARTSIM_FIELD(car_t.infusion_schedule),
          {.description = "Infusions as 'DAY:MULTIPLE' pairs, comma-separated, in multiples of "
                          "car_t.dose_cells (days from 0, increasing, within time.days); e.g. "
                          "'0:0.1, 1:0.3, 2:0.6' fractionates the dose",
           .source = "Frey et al., J Clin Oncol 2020 (fractionated 10/30/60% over days 1-3); "
                     "docs/MODEL.md#dosing"});
    r.add(CARTSIM_FIELD(car_t.hold_at_crs_grade),
          {.unit = "grade",
           .min = 0.0,
           .max = 4.0,
           .description = "A dose of the schedule falling due while CRS is at this ASTCT grade or "
                          "above is not given (0 = never held)",
           .source = "Frey et al., J Clin Oncol 2020: later fractions held at early CRS"});
    r.add(CARTSIM_FIELD(car_t.memory_phenotype_fraction),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "Share of the product infused as memory-phenotype (stem-like, "
                          "self-renewing) cells; the rest as resting cells",
           .source = "Fraietta et al., Nat Med 2018 (memory-like CD8 cells predict response and "
                     "persistence); 0 by default: the calibrated product"});
    r.add(CARTSIM_FIELD(car_t.cd4_fraction),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "CD4 share of the product's CAR-T cells (CD4:CD8 composition); 0.5 is "
                          "the 1:1 product the product parameter sets describe; the share scales "
                          "killing (car_t.cd4_relative_killing) and fitness (CD4 help)",
           .source = "Turtle et al., J Clin Invest 2016 (defined 1:1 composition); "
                     "manufactured products range from mostly CD8 to mostly CD4 (Fraietta et "
                     "al., Nat Med 2018); 0.5 by default: the calibrated product"});
    r.add(CARTSIM_FIELD(car_t.cd4_relative_killing),
          {.unit = "factor",
           .min = 0.0,
           .max = 1.0,
           .description = "Kill probability per synapse of a CD4 CAR-T cell relative to a CD8 "
                          "cell's; the product's kill probability follows (1 - f) + this x f, "
                          "normalized to the 1:1 product",
           .source = "calibrate: CD4 CAR-T cells kill, more slowly than CD8 cells (Liadi et al., "
                     "Cancer Immunol Res 2015; Wang et al., JCI Insight 2018); 0.5"});
    r.add(CARTSIM_FIELD(car_t.cd8_help_dependence),
          {.unit = "fraction",
           .min = 0.0,
           .max = 0.9,
           .description = "Share of the product's fitness (division, resistance to exhaustion) "
                          "lost without CD4 help, i.e. by an all-CD8 product",
           .source = "calibrate: CD8 CAR-T cells expand and persist less without CD4 cells "
                     "(Sommermeyer et al., Leukemia 2016; Turtle et al., J Clin Invest 2016); "
                     "0.4"});
    r.add(CARTSIM_FIELD(car_t.cd4_help_half_saturation),
          {.unit = "fraction",
           .min = 0.01,
           .max = 1.0,
           .description = "CD4 share giving half the maximal help; help saturates, so CD4 "
                          "shares above 0.5 give the 1:1 product's help",
           .source = "calibrate: a minority of CD4 cells suffices for help (Sommermeyer et al., "
                     "Leukemia 2016); 0.1"});
    r.add(CARTSIM_FIELD(car_t.speed_um_per_min),
          {.unit = "um/min",
           .min = 0.0,
           .max = 30.0,
           .description = "Crawling speed; a cell moves at most one site per fine step, so speed "
                          "x time.fine_step_min / space.site_edge_um above 1 is clamped to 1",
           .source = "Textor et al., PNAS 2011 (up to ~18 um/min in lymph node); lower in "
                     "marrow, calibrate"});
    r.add(CARTSIM_FIELD(car_t.turn_probability),
          {.unit = "1/move",
           .min = 0.0,
           .max = 1.0,
           .description = "Chance per move of picking a new random direction (persistent random "
                          "walk)",
           .source = "calibrate: short persistence, a few sites per run"});
    r.add(CARTSIM_FIELD(car_t.blood_to_marrow_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = kMaxRatePerDay,
           .description = "Rate at which a blood CAR-T cell enters the marrow (the whole marrow; "
                          "the window receives its share, at vessel sites)",
           .source = "calibrate: marrow homing of circulating CAR-T cells"});
    r.add(CARTSIM_FIELD(car_t.marrow_to_blood_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = 1000.0,
           .description = "Rate at which a free marrow CAR-T cell standing on a vessel site "
                          "leaves into blood",
           .source = "calibrate: with car_t.blood_to_marrow_per_day sets the blood/marrow "
                     "split"});
    r.add(CARTSIM_FIELD(car_t.blood_to_lymphoid_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = kMaxRatePerDay,
           .description = "Rate at which a blood CAR-T cell moves into spleen and lymph nodes "
                          "(the distribution phase after infusion)",
           .source = "calibrate: blood levels fall within hours of infusion before expansion "
                     "(Stein et al., CPT:PSP 2019; Mueller et al., Blood 2017)"});
    r.add(CARTSIM_FIELD(car_t.lymphoid_to_blood_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = kMaxRatePerDay,
           .description = "Rate at which a CAR-T cell in spleen and lymph nodes returns to blood",
           .source = "calibrate: lymphocyte recirculation takes days"});
    r.add(CARTSIM_FIELD(car_t.rejection_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = 10.0,
           .description = "Death rate of CAR-T cells by host immunity (anti-CAR responses) at "
                          "normal lymphocyte counts, scaled by the endogenous lymphocytes",
           .source = "calibrate: immune rejection of CAR-T cells ends persistence in some "
                     "patients (Turtle et al., J Clin Invest 2016); 0 by default, cohorts "
                     "vary it"});
    r.add(CARTSIM_FIELD(car_t.sanctuary_access),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "CAR-T density in sanctuary sites (CNS, extramedullary) relative to "
                          "the marrow's; their blasts are killed at this share of the marrow's "
                          "rate",
           .source = "calibrate: CAR-T cells reach the CSF at a fraction of blood levels "
                     "(Maude et al., NEJM 2018 report CSF CAR-T in most patients)"});
    r.add(CARTSIM_FIELD(car_t.lymphodepletion),
          {.description = "Lymphodepleting chemotherapy (fludarabine/cyclophosphamide) before "
                          "infusion: endogenous lymphocytes start at car_t.lymphodepletion_depth",
           .source = "Kimmel et al. 2021"});
    r.add(CARTSIM_FIELD(car_t.lymphodepletion_depth),
          {.unit = "fraction",
           .min = 0.001,
           .max = 1.0,
           .description = "Endogenous lymphocytes right after lymphodepletion, as a share of "
                          "normal counts",
           .source = "calibrate: fludarabine/cyclophosphamide leaves ~5-20% of lymphocytes "
                     "(Kimmel et al. 2021)"});
    r.add(CARTSIM_FIELD(car_t.lymphocyte_recovery_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = 10.0,
           .description = "Logistic regrowth rate of endogenous lymphocytes after "
                          "lymphodepletion",
           .source = "calibrate: counts recover over weeks (Kimmel et al. 2021)"});
    r.add(CARTSIM_FIELD(car_t.homeostatic_half_saturation),
          {.unit = "fraction",
           .min = 0.001,
           .max = 100.0,
           .description = "IL-7/IL-15 availability is (K + 1) / (K + lymphocytes) with this K "
                          "(lymphocytes as a share of normal)",
           .source = "calibrate: homeostatic cytokines rise when their consumers are depleted "
                     "(Kimmel et al. 2021)"});
    r.add(CARTSIM_FIELD(car_t.homeostatic_sensitivity),
          {.unit = "exponent",
           .min = 0.0,
           .max = 3.0,
           .description = "Antigen-driven CAR-T division scales as (availability / availability "
                          "after lymphodepletion)^this; 0 = no effect",
           .source = "calibrate: the fitted doubling time holds after lymphodepletion (Stein "
                     "et al., CPT:PSP 2019); expansion is weaker without it (Kimmel et al. "
                     "2021)"});
    r.add(CARTSIM_FIELD(car_t.product_fitness),
          {.unit = "factor",
           .min = 0.1,
           .max = 10.0,
           .description = "Patient-level fitness of the manufactured product: multiplies the "
                          "CAR-T division rate and divides the exhaustion per engaged hour "
                          "(1 = the product parameter set as given)",
           .source = "calibrate: T-cell fitness of the apheresis material predicts expansion "
                     "and response (Fraietta et al., Nat Med 2018; Finney et al., J Clin Invest "
                     "2019); cohorts vary it"});
}

/// One product parameter set; `cd28` selects the sources of values that differ between the two.
template <class Product>
void add_product(Registry& r, const std::string& prefix, Product product, bool cd28) {
    const auto pick = [cd28](std::string four_1bb, std::string cd28_source) {
        return cd28 ? cd28_source : four_1bb;
    };
    r.add(CARTSIM_PRODUCT_FIELD(cd19_threshold_molecules),
          {.unit = "molecules/cell",
           .min = 1.0,
           .max = 1e6,
           .description = "CD19 density at half-maximal binding (Hill threshold)",
           .source = pick("Majzner et al., Cancer Discov 2020 (~2,000 CD19 molecules/cell)",
                          "calibrate: half the 4-1BB value; CD28 products respond better at low "
                          "antigen density (Majzner et al., Cancer Discov 2020)")});
    r.add(CARTSIM_PRODUCT_FIELD(cd22_threshold_molecules),
          {.unit = "molecules/cell",
           .min = 1.0,
           .max = 1e6,
           .description = "CD22 density at half-maximal binding of a dual product",
           .source = "calibrate: as the CD19 threshold; no CD22 measurement cited "
                     "(docs/MODEL.md#antigen-binding)"});
    r.add(CARTSIM_PRODUCT_FIELD(hill_coefficient),
          {.unit = "dimensionless",
           .min = 0.5,
           .max = 10.0,
           .description = "Hill coefficient of binding vs antigen density",
           .source = "calibrate: ~200 molecules still trigger a response (Majzner et al., "
                     "Cancer Discov 2020): 1% of maximum at 2 and threshold 2,000"});
    r.add(CARTSIM_PRODUCT_FIELD(bind_probability_max),
          {.unit = "1/probe",
           .min = 0.0,
           .max = 1.0,
           .description = "Chance that one probe of a fully antigen-positive cell binds (scaled "
                          "by CAR level and the Hill response)",
           .source = "calibrate: contacts form within a few probes"});
    r.add(CARTSIM_PRODUCT_FIELD(kill_probability),
          {.unit = "1/synapse",
           .min = 0.0,
           .max = 1.0,
           .description = "Chance that a completed synapse kills the target",
           .source = "Cazaux et al., J Exp Med 2019 (not every contact kills); value calibrate"});
    r.add(CARTSIM_PRODUCT_FIELD(synapse_min),
          {.unit = "min",
           .min = 1.0,
           .max = 1440.0,
           .description = "Mean contact (synapse) duration, exponential",
           .source = "Cazaux et al., J Exp Med 2019 (engage, kill, detach in ~25 min in "
                     "marrow)"});
    r.add(CARTSIM_PRODUCT_FIELD(doubling_time_days),
          {.unit = "d",
           .min = 0.1,
           .max = 30.0,
           .description = "Doubling time of antigen-driven division while activated",
           .source = pick("Stein et al., CPT:PSP 2019 (0.78 d in the expansion phase)",
                          "calibrate: faster early expansion than 4-1BB; no direct "
                          "measurement cited (docs/MODEL.md#car-t-cells)")});
    r.add(CARTSIM_PRODUCT_FIELD(activation_hours),
          {.unit = "h",
           .min = 0.0,
           .max = 240.0,
           .description = "Duration of the proliferative program after one stimulation (binding)",
           .source = "calibrate: with doubling_time_days sets the expansion per contact"});
    r.add(CARTSIM_PRODUCT_FIELD(effector_death_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = 10.0,
           .description = "Contraction rate of resting and effector cells that are not activated",
           .source = pick("Stein et al., CPT:PSP 2019 (0.16/d, half-life ~4.3 d)",
                          "calibrate: faster than 4-1BB, persistence of weeks (Wang et al., "
                          "Blood 2016)")});
    r.add(CARTSIM_PRODUCT_FIELD(memory_fraction),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "Share of contracting effector cells that become long-lived memory",
           .source = pick("Stein et al., CPT:PSP 2019 (~0.8%)",
                          "calibrate: less memory than 4-1BB, persistence of weeks (Wang et "
                          "al., Blood 2016)")});
    r.add(CARTSIM_PRODUCT_FIELD(memory_loss_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = 10.0,
           .description = "Loss rate of memory CAR-T cells",
           .source = pick("Stein et al., CPT:PSP 2019 (0.0032/d; 4-1BB persists months to "
                          "years, Wang et al., Blood 2016)",
                          "calibrate: CD28 products persist for weeks (Wang et al., Blood "
                          "2016)")});
    r.add(CARTSIM_PRODUCT_FIELD(memory_self_renewal_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = 10.0,
           .description = "Homeostatic (antigen-independent) division of memory cells at normal "
                          "lymphocyte counts, scaled by IL-7/IL-15 availability",
           .source = pick("calibrate: 4-1BB memory persists for months to years (Wang et al., "
                          "Blood 2016; Kawalekar et al., Immunity 2016); below memory loss",
                          "calibrate: none; CD28 products persist for weeks (Wang et al., "
                          "Blood 2016)")});
    r.add(CARTSIM_PRODUCT_FIELD(memory_stemness),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "Chance that a memory cell that binds stays memory (its daughters "
                          "become effectors); otherwise it becomes an effector",
           .source = pick("calibrate: 4-1BB favours central memory (Kawalekar et al., Immunity "
                          "2016)",
                          "calibrate: CD28 favours effector differentiation (Kawalekar et al., "
                          "Immunity 2016)")});
    r.add(CARTSIM_PRODUCT_FIELD(exhaustion_per_engaged_hour),
          {.unit = "1/h",
           .min = 0.0,
           .max = 10.0,
           .description = "Exhaustion score gained per hour engaged; killing, division and "
                          "IFN-g fall with the score, and at 1 the cell is terminally exhausted",
           .source = pick("Good et al., Cell 2021 (continuous stimulation exhausts); rate "
                          "calibrate",
                          "Long et al., Nat Med 2015 (CD28 exhausts faster than 4-1BB); rate "
                          "calibrate")});
    r.add(CARTSIM_PRODUCT_FIELD(exhaustion_fixed_fraction),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "Share of the exhaustion gained while engaged that rest cannot heal "
                          "(cumulative load)",
           .source = pick("calibrate: rest restores exhausted CAR-T cells only partly (Good et "
                          "al., Cell 2021; Weber et al., Science 2021)",
                          "calibrate: CD28 drives terminal differentiation (Kawalekar et al., "
                          "Immunity 2016; Long et al., Nat Med 2015)")});
    r.add(CARTSIM_PRODUCT_FIELD(exhaustion_per_division),
          {.unit = "1/division",
           .min = 0.0,
           .max = 1.0,
           .description = "Exhaustion score (all of it fixed) that each antigen-driven division "
                          "adds to the daughter and to a mother that is not memory "
                          "(differentiation toward terminal effectors)",
           .source = pick("calibrate: 4-1BB products persist for months to years (Wang et al., "
                          "Blood 2016; Kawalekar et al., Immunity 2016); 0.006 gives the "
                          "cohort's CR, relapse and persistence half-life (validation/)",
                          "calibrate: CD28 products persist for weeks (Wang et al., Blood "
                          "2016; Park et al., NEJM 2018)")});
    r.add(CARTSIM_PRODUCT_FIELD(division_stop_fixed_exhaustion),
          {.unit = "score",
           .min = 1e-3,
           .max = 1.0,
           .description = "Fixed exhaustion (cumulative stimulation: divisions and the engaged "
                          "scar) at which antigen-driven division stops; division slows as 1 - "
                          "F / this, so a lineage's burst is bounded whatever antigen remains "
                          "and the peak follows the dose. Killing is not limited by it. 1 "
                          "sets no limit",
           .source = "calibrate: 1 (off) until the cohort is recalibrated with it. 0.3 (~25-40 "
                     "divisions of a fit lineage, fewer under long engagement) makes severe CRS "
                     "and peak IL-6 rise over the dose-finding range (Hay et al., Blood 2017; "
                     "Turtle et al., J Clin Invest 2016) but leaves a fifth of responders "
                     "MRD-positive at day 28 (docs/MODEL.md). Effector expansion is a program "
                     "of a limited number of divisions (Kaech & Ahmed, Nat Immunol 2001); CAR-T "
                     "expansion ends at Tmax (Stein et al., CPT:PSP 2019)"});
    r.add(CARTSIM_PRODUCT_FIELD(exhaustion_recovery_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = 10.0,
           .description = "Decay rate of the healable part of the exhaustion score while not "
                          "engaged; terminally exhausted cells (score 1) do not recover",
           .source = "calibrate: partial recovery without antigen (Good et al., Cell 2021)"});
    r.add(CARTSIM_PRODUCT_FIELD(exhausted_kill_factor),
          {.unit = "factor",
           .min = 0.0,
           .max = 1.0,
           .description = "Kill probability (and IFN-g output) of an exhausted cell relative to "
                          "a fresh one; falls linearly with the exhaustion score",
           .source = "calibrate: exhausted cells kill less (Good et al., Cell 2021)"});
    r.add(CARTSIM_PRODUCT_FIELD(exhausted_death_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = 10.0,
           .description = "Death rate of exhausted cells (they do not divide)",
           .source = "calibrate: exhausted cells die faster (Good et al., Cell 2021)"});
    r.add(CARTSIM_PRODUCT_FIELD(car_downregulation_hours),
          {.unit = "h",
           .min = 0.1,
           .max = 1000.0,
           .description = "Engaged time that takes the CAR surface level from 1 to 0 (linear); "
                          "binding scales with the level",
           .source = "Davenport et al. 2015 (killing stops after ~20 h of stimulation)"});
    r.add(CARTSIM_PRODUCT_FIELD(car_recovery_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = kMaxRatePerDay,
           .description = "Re-expression of the CAR while not engaged (level per day, up to 1)",
           .source = "calibrate: full re-expression within ~1 d without antigen"});
}

void add_cytokines(Registry& r) {
    r.add(CARTSIM_FIELD(cytokines.field_coarsening),
          {.unit = "sites",
           .min = 1,
           .max = 16,
           .description = "Edge of a cytokine field cell in sites (x and y; z too in 3-D)",
           .source = "numerical: field cells well below the ~170-um decay length sqrt(D / decay), "
                     "so gradients are resolved at a fraction of the cost of one cell per site"});
    r.add(CARTSIM_FIELD(cytokines.ifng_diffusion_um2_per_min),
          {.unit = "um^2/min",
           .min = 0.0,
           .max = 1e5,
           .description = "IFN-g diffusion coefficient in marrow",
           .source = "calibrate: a small protein in dense tissue (~10 um^2/s)"});
    r.add(CARTSIM_FIELD(cytokines.ifng_decay_per_min),
          {.unit = "1/min",
           .min = 0.0,
           .max = 10.0,
           .description = "IFN-g local clearance and drainage to blood (drained amount feeds "
                          "serum)",
           .source = "calibrate: residence of ~50 min in marrow"});
    r.add(CARTSIM_FIELD(cytokines.ifng_secretion_pg_per_hour),
          {.unit = "pg/h per cell",
           .min = 0.0,
           .max = 1.0,
           .description = "IFN-g secretion of one engaged CAR-T cell",
           .source = "calibrate: to serum IFN-g peaks in CRS (Teachey et al., Cancer Discov "
                     "2016)"});
    r.add(CARTSIM_FIELD(cytokines.il6_diffusion_um2_per_min),
          {.unit = "um^2/min",
           .min = 0.0,
           .max = 1e5,
           .description = "IL-6 diffusion coefficient in marrow",
           .source = "calibrate: a small protein in dense tissue (~10 um^2/s)"});
    r.add(CARTSIM_FIELD(cytokines.il6_decay_per_min),
          {.unit = "1/min",
           .min = 0.0,
           .max = 10.0,
           .description = "IL-6 local clearance and drainage to blood (drained amount feeds "
                          "serum)",
           .source = "calibrate: residence of ~50 min in marrow"});
    r.add(CARTSIM_FIELD(cytokines.il6_per_ifng_pg_per_hour),
          {.unit = "pg/h per cell per pg/mL",
           .min = 0.0,
           .max = 1.0,
           .description = "IL-6 production of one marrow cell (the monocyte lineage among them) "
                          "per pg/mL of local IFN-g",
           .source = "calibrate: to serum IL-6 peaks in CRS (Teachey et al., Cancer Discov "
                     "2016): the 3-D baseline (40% blasts) peaks at ~1,200 pg/mL (grade 3), "
                     "high burden reaches grade 4"});
    r.add(CARTSIM_FIELD(cytokines.il6_per_lysis_pg),
          {.unit = "pg",
           .min = 0.0,
           .max = 1.0,
           .description = "IL-6 released around each killed target",
           .source = "calibrate: to serum IL-6 peaks in CRS (Teachey et al., Cancer Discov "
                     "2016): the 3-D baseline (40% blasts) peaks at ~1,200 pg/mL (grade 3), "
                     "high burden reaches grade 4"});
    r.add(CARTSIM_FIELD(cytokines.plasma_volume_ml),
          {.unit = "mL",
           .min = 30.0,
           .max = 6000.0,
           .description = "Plasma volume into which marrow cytokines drain (at most "
                          "space.blood_volume_ml)",
           .source = "standard adult physiology (~3 L)"});
    r.add(CARTSIM_FIELD(cytokines.ifng_systemic_clearance_per_day),
          {.unit = "1/day",
           .min = 0.01,
           .max = 1000.0,
           .description = "First-order clearance of serum IFN-g",
           .source = "calibrate: serum half-life of ~2 h"});
    r.add(CARTSIM_FIELD(cytokines.il6_systemic_clearance_per_day),
          {.unit = "1/day",
           .min = 0.01,
           .max = 1000.0,
           .description = "First-order clearance of serum IL-6",
           .source = "calibrate: serum half-life of ~4 h"});
}

void add_toxicity(Registry& r) {
    r.add(CARTSIM_FIELD(toxicity.macrophage_activation_per_day),
          {.unit = "1/day",
           .min = 0.01,
           .max = 100.0,
           .description = "Activation rate of the body's monocytes/macrophages at full drive "
                          "(CAR-T contact, lysis, IFN-g)",
           .source = "calibrate: CRS starts within 1-3 days of expansion (Giavridis et al., Nat "
                     "Med 2018; Norelli et al., Nat Med 2018)"});
    r.add(CARTSIM_FIELD(toxicity.macrophage_deactivation_per_day),
          {.unit = "1/day",
           .min = 0.01,
           .max = 100.0,
           .description = "Return of activated monocytes/macrophages to rest without drive",
           .source = "calibrate: CRS resolves within days of the drive's end"});
    r.add(CARTSIM_FIELD(toxicity.contact_half_saturation_cells),
          {.unit = "cells",
           .min = 1.0,
           .max = 10000000000000.0,
           .description =
               "Engaged CAR-T cells (whole patient) at which contact gives half of its drive",
           .source = "calibrate: myeloid activation by CAR-T contact (CD40L; Giavridis et al., Nat "
                     "Med 2018); set against the cohort's expansion"});
    r.add(
        CARTSIM_FIELD(toxicity.lysis_half_saturation_per_day),
        {.unit = "cells/day",
         .min = 1.0,
         .max = 100000000000000.0,
         .description = "Target cells lysed per day at which lysis gives half of its drive",
         .source = "calibrate: DAMPs of lysed blasts activate macrophages (Liu et al., Sci Immunol "
                   "2020); severity rises with burden (Teachey et al., Cancer Discov 2016)"});
    r.add(
        CARTSIM_FIELD(toxicity.ifng_half_saturation_pg_per_ml),
        {.unit = "pg/mL",
         .min = 0.001,
         .max = 1000000.0,
         .description = "Serum IFN-g at which it gives half of its drive to monocytes/macrophages",
         .source = "calibrate: IFN-g primes monocytes (Teachey et al., Cancer Discov 2016)"});
    r.add(CARTSIM_FIELD(toxicity.contact_weight),
          {.unit = "1",
           .min = 0.0,
           .max = 10.0,
           .description = "Weight of CAR-T contact in the myeloid drive",
           .source = "calibrate: Giavridis et al., Nat Med 2018; Norelli et al., Nat Med 2018"});
    r.add(CARTSIM_FIELD(toxicity.lysis_weight),
          {.unit = "1",
           .min = 0.0,
           .max = 10.0,
           .description = "Weight of target lysis in the myeloid drive",
           .source = "calibrate: Liu et al., Sci Immunol 2020"});
    r.add(CARTSIM_FIELD(toxicity.ifng_weight),
          {.unit = "1",
           .min = 0.0,
           .max = 10.0,
           .description = "Weight of serum IFN-g in the myeloid drive",
           .source = "calibrate: Teachey et al., Cancer Discov 2016"});
    r.add(CARTSIM_FIELD(toxicity.activation_burst_days),
          {.unit = "d",
           .min = 0.01,
           .max = 100.0,
           .description = "Time over which a CAR-T cell's cytokine burst after activation fades",
           .source = "calibrate: activated T cells' cytokine output peaks within hours of "
                     "stimulation; short enough that a dose given in daily fractions never has "
                     "more than one fraction in its burst"});
    r.add(CARTSIM_FIELD(toxicity.activation_burst_half_saturation_cells),
          {.unit = "cells",
           .min = 1.0,
           .max = 100000000000000.0,
           .description = "CAR-T cells in their activation burst (whole patient) at which the "
                          "burst gives half of its drive",
           .source = "calibrate: no dose effect over the label's range (Mueller et al., Clin "
                     "Cancer Res 2018), one above it (Frey 2020; Turtle 2016)"});
    r.add(CARTSIM_FIELD(toxicity.activation_burst_hill),
          {.unit = "1",
           .min = 1.0,
           .max = 16.0,
           .description = "Hill coefficient of the activation burst's switch",
           .source = "calibrate: as the half-saturation"});
    r.add(CARTSIM_FIELD(toxicity.monocyte_recruitment_per_day),
          {.unit = "1/d",
           .min = 0.0,
           .max = 100.0,
           .description = "Multiple of the myeloid IL-6 and IL-1 output added per day by monocytes "
                          "recruited at full activation burst (0: off)",
           .source = "calibrate: early serum MCP-1 predicts severe CRS (Hay et al., Blood 2017); "
                     "set against the fractionation and dose checks"});
    r.add(CARTSIM_FIELD(toxicity.monocyte_recruitment_decay_days),
          {.unit = "d",
           .min = 0.01,
           .max = 1000.0,
           .description = "Time constant over which recruited monocytes' added output fades",
           .source = "calibrate: monocytes and their macrophage progeny live days in tissue"});
    r.add(CARTSIM_FIELD(toxicity.plasma_volume_ml),
          {.unit = "mL",
           .min = 100.0,
           .max = 10000.0,
           .description = "Plasma volume into which the body's cytokines are released",
           .source = "standard physiology (~3 L adult; ~40 mL/kg)"});
    r.add(CARTSIM_FIELD(toxicity.macrophage_il6_pg_per_day),
          {.unit = "pg/day",
           .min = 0.0,
           .max = 100000000000000.0,
           .description = "IL-6 made by the body's monocytes/macrophages when all are activated",
           .source = "calibrate: peak serum IL-6 of 10^3-10^4 pg/mL in severe CRS (Teachey et al., "
                     "Cancer Discov 2016)"});
    r.add(CARTSIM_FIELD(toxicity.endothelial_il6_pg_per_day),
          {.unit = "pg/day",
           .min = 0.0,
           .max = 100000000000000.0,
           .description = "IL-6 made by a fully activated endothelium (amplification loop)",
           .source = "calibrate: Obstfeld et al., Blood 2017"});
    r.add(CARTSIM_FIELD(toxicity.il6_baseline_pg_per_ml),
          {.unit = "pg/mL",
           .min = 0.0,
           .max = 1000.0,
           .description = "Serum IL-6 of a patient without CRS",
           .source = "standard: healthy serum IL-6 < 7 pg/mL"});
    r.add(CARTSIM_FIELD(toxicity.il6_clearance_per_day),
          {.unit = "1/day",
           .min = 0.01,
           .max = 1000.0,
           .description = "Clearance of serum IL-6 not mediated by IL-6R (renal, other)",
           .source = "calibrate: with the receptor share: serum half-life ~2-3 h; free IL-6 rises "
                     "several-fold under tocilizumab (Nishimoto et al., Blood 2008)"});
    r.add(
        CARTSIM_FIELD(toxicity.il6_receptor_clearance_per_day),
        {.unit = "1/day",
         .min = 0.0,
         .max = 1000.0,
         .description =
             "Clearance of serum IL-6 through IL-6 receptors (stops where tocilizumab holds them)",
         .source =
             "calibrate: receptor-mediated clearance dominates: Nishimoto et al., Blood 2008"});
    r.add(CARTSIM_FIELD(toxicity.il6_signalling_half_saturation_pg_per_ml),
          {.unit = "pg/mL",
           .min = 0.001,
           .max = 1000000.0,
           .description = "Serum IL-6 at which signalling (membrane and trans via soluble IL-6R) "
                          "is half-maximal",
           .source = "calibrate: against the share of a cohort without CRS (23% in ELIANA, Maude "
                     "et al., NEJM 2018); fever needs ~K/2 with IL-1 at rest"});
    r.add(CARTSIM_FIELD(toxicity.endothelial_il6_half_saturation_pg_per_ml),
          {.unit = "pg/mL",
           .min = 0.001,
           .max = 1e6,
           .description = "Serum IL-6 at which endothelial trans-signalling (IL-6 with soluble "
                          "IL-6R) is half-maximal",
           .source = "calibrate: endothelial cells lack membrane IL-6R and answer IL-6/sIL-6R "
                     "complexes (Obstfeld et al., Blood 2017); above the fever threshold; set "
                     "against the severe-CRS share of a cohort without treatment"});
    r.add(CARTSIM_FIELD(toxicity.macrophage_il1_pg_per_day),
          {.unit = "pg/day",
           .min = 0.0,
           .max = 100000000000000.0,
           .description = "IL-1 made by the body's monocytes/macrophages when all are activated",
           .source =
               "calibrate: Norelli et al., Nat Med 2018; serum IL-1 stays in the tens of pg/mL"});
    r.add(CARTSIM_FIELD(toxicity.lymphodepletion_myeloid_priming),
          {.unit = "1",
           .min = 0.0,
           .max = 100.0,
           .description = "Extra myeloid IL-6 and IL-1 output at infusion after lymphodepletion "
                          "(output x 1 + this x exp(-t / decay); none without lymphodepletion)",
           .source = "calibrate: Cy/Flu lymphodepletion and early serum MCP-1 predict severe "
                     "CRS (Hay et al., Blood 2017), read as monocytes primed by the "
                     "chemotherapy; set so that CRS rises over the dose-finding trials' "
                     "100-fold range (Hay 2017) and not over the label's 10-fold range (Mueller "
                     "et al., Clin Cancer Res 2018)"});
    r.add(CARTSIM_FIELD(toxicity.lymphodepletion_priming_decay_days),
          {.unit = "d",
           .min = 0.01,
           .max = 1000.0,
           .description = "Time constant over which the myeloid priming of lymphodepletion fades",
           .source = "calibrate: a priming that fades within days of infusion (a hypothesis; "
                     "Cy/Flu's cytokine surge: Kochenderfer et al., J Clin Oncol 2017); set "
                     "with the priming against the dose checks"});
    r.add(CARTSIM_FIELD(toxicity.il1_clearance_per_day),
          {.unit = "1/day",
           .min = 0.01,
           .max = 1000.0,
           .description = "Clearance of serum IL-1",
           .source = "calibrate: serum half-life of a few hours"});
    r.add(CARTSIM_FIELD(toxicity.il1_half_saturation_pg_per_ml),
          {.unit = "pg/mL",
           .min = 0.001,
           .max = 1000000.0,
           .description =
               "Serum IL-1 at which its signalling (fever, endothelium, CNS) is half-maximal",
           .source = "calibrate: Norelli et al., Nat Med 2018"});
    r.add(CARTSIM_FIELD(toxicity.ifng_pg_per_engaged_cell_per_hour),
          {.unit = "pg/h",
           .min = 0.0,
           .max = 1.0,
           .description = "IFN-g secreted into serum per engaged CAR-T cell",
           .source =
               "calibrate: the marrow field's rate (cytokines.ifng_secretion_pg_per_hour); serum "
               "IFN-g of 10^2-10^3 pg/mL in severe CRS (Teachey et al., Cancer Discov 2016)"});
    r.add(CARTSIM_FIELD(toxicity.ifng_clearance_per_day),
          {.unit = "1/day",
           .min = 0.01,
           .max = 1000.0,
           .description = "Clearance of serum IFN-g",
           .source = "calibrate: serum half-life of ~2 h"});
    r.add(CARTSIM_FIELD(toxicity.ifng_endothelial_half_saturation_pg_per_ml),
          {.unit = "pg/mL",
           .min = 0.001,
           .max = 1000000.0,
           .description = "Serum IFN-g at which it gives half of its drive to the endothelium",
           .source = "calibrate: Obstfeld et al., Blood 2017"});
    r.add(CARTSIM_FIELD(toxicity.endothelial_activation_per_day),
          {.unit = "1/day",
           .min = 0.0,
           .max = 100.0,
           .description =
               "Activation rate of the endothelium at full drive (IL-6 signalling, IL-1, IFN-g)",
           .source = "calibrate: angiopoietin-2 rises within days of CRS onset (Gust et al., "
                     "Cancer Discov 2017)"});
    r.add(CARTSIM_FIELD(toxicity.endothelial_recovery_per_day),
          {.unit = "1/day",
           .min = 0.01,
           .max = 100.0,
           .description = "Recovery of the activated endothelium",
           .source =
               "calibrate: vascular leak resolves over days (Gust et al., Cancer Discov 2017)"});
    r.add(CARTSIM_FIELD(toxicity.endothelial_il1_weight),
          {.unit = "1",
           .min = 0.0,
           .max = 10.0,
           .description = "Weight of IL-1 next to IL-6 signalling in endothelial and CNS drive",
           .source = "calibrate: Norelli et al., Nat Med 2018"});
    r.add(CARTSIM_FIELD(toxicity.endothelial_ifng_weight),
          {.unit = "1",
           .min = 0.0,
           .max = 10.0,
           .description = "Weight of IFN-g next to IL-6 signalling in endothelial drive",
           .source = "calibrate: Obstfeld et al., Blood 2017"});
    r.add(CARTSIM_FIELD(toxicity.capillary_leak_susceptibility),
          {.unit = "1",
           .min = 0.0,
           .max = 10.0,
           .description =
               "Patient-specific: capillary leak = this x endothelial activation (cohorts vary it)",
           .source = "calibrate: patients differ in vascular reserve; severity varies at equal "
                     "cytokines (Hay et al., Blood 2017)"});
    r.add(CARTSIM_FIELD(toxicity.lung_water_per_day),
          {.unit = "1/day",
           .min = 0.01,
           .max = 100.0,
           .description = "Rate at which lung water (hypoxia) follows the capillary leak",
           .source =
               "calibrate: hypoxia follows hypotension by about a day (Lee et al., BBMT 2019)"});
    r.add(CARTSIM_FIELD(toxicity.fever_max_rise_celsius),
          {.unit = "C",
           .min = 0.0,
           .max = 6.0,
           .description = "Temperature rise at full pyrogen signalling (IL-6, IL-1): 37 C + this",
           .source = "calibrate: CRS fevers reach 40-41 C"});
    r.add(CARTSIM_FIELD(toxicity.hypotension_fluids_leak),
          {.unit = "1",
           .min = 0.0,
           .max = 1.0,
           .description = "Capillary leak at which hypotension needs fluids (ASTCT grade 2)",
           .source = "calibrate: Lee et al., BBMT 2019 (the signs graded); thresholds set against "
                     "published grade shares"});
    r.add(CARTSIM_FIELD(toxicity.hypotension_one_vasopressor_leak),
          {.unit = "1",
           .min = 0.0,
           .max = 1.0,
           .description = "Capillary leak at which hypotension needs one vasopressor (grade 3)",
           .source = "calibrate: Lee et al., BBMT 2019"});
    r.add(
        CARTSIM_FIELD(toxicity.hypotension_vasopressors_leak),
        {.unit = "1",
         .min = 0.0,
         .max = 1.0,
         .description = "Capillary leak at which hypotension needs several vasopressors (grade 4)",
         .source = "calibrate: Lee et al., BBMT 2019"});
    r.add(CARTSIM_FIELD(toxicity.hypoxia_low_flow_lung_water),
          {.unit = "1",
           .min = 0.0,
           .max = 1.0,
           .description = "Lung water at which hypoxia needs low-flow oxygen (grade 2)",
           .source = "calibrate: Lee et al., BBMT 2019"});
    r.add(CARTSIM_FIELD(toxicity.hypoxia_high_flow_lung_water),
          {.unit = "1",
           .min = 0.0,
           .max = 1.0,
           .description = "Lung water at which hypoxia needs high-flow oxygen (grade 3)",
           .source = "calibrate: Lee et al., BBMT 2019"});
    r.add(CARTSIM_FIELD(toxicity.hypoxia_positive_pressure_lung_water),
          {.unit = "1",
           .min = 0.0,
           .max = 1.0,
           .description = "Lung water at which hypoxia needs positive pressure (grade 4)",
           .source = "calibrate: Lee et al., BBMT 2019"});
    r.add(
        CARTSIM_FIELD(toxicity.cns_inflammation_per_day),
        {.unit = "1/day",
         .min = 0.0,
         .max = 100.0,
         .description =
             "Rate of CNS inflammation at full drive (activated endothelium letting IL-6, IL-1 in)",
         .source = "calibrate: Gust et al., Cancer Discov 2017: endothelial activation and "
                   "blood-brain barrier disruption in severe neurotoxicity"});
    r.add(CARTSIM_FIELD(toxicity.cns_recovery_per_day),
          {.unit = "1/day",
           .min = 0.01,
           .max = 100.0,
           .description = "Recovery of CNS inflammation",
           .source = "calibrate: ICANS lasts days (Gust et al., Cancer Discov 2017)"});
    r.add(CARTSIM_FIELD(toxicity.cns_il6_half_saturation_pg_per_ml),
          {.unit = "pg/mL",
           .min = 0.001,
           .max = 1000000.0,
           .description = "Free serum IL-6 at which it gives half of its CNS drive (tocilizumab "
                          "does not enter the CNS)",
           .source = "calibrate: Gust et al., Cancer Discov 2017; CSF IL-6 tracks serum IL-6"});
    r.add(CARTSIM_FIELD(toxicity.neuro_susceptibility),
          {.unit = "1",
           .min = 0.0,
           .max = 10.0,
           .description =
               "Patient-specific: encephalopathy = this x CNS inflammation (cohorts vary it)",
           .source =
               "calibrate: patients differ at equal cytokines (Gust et al., Cancer Discov 2017)"});
    r.add(CARTSIM_FIELD(toxicity.icans_onset_encephalopathy),
          {.unit = "1",
           .min = 0.0,
           .max = 1.0,
           .description = "Encephalopathy up to which the ICE score stays 10 (no ICANS)",
           .source = "ICE score (Lee et al., BBMT 2019); the scale of the latent signal is "
                     "calibrate"});
    r.add(CARTSIM_FIELD(toxicity.ice_score_zero_encephalopathy),
          {.unit = "1",
           .min = 0.01,
           .max = 1.0,
           .description = "Encephalopathy at which the ICE score reaches 0 (falling linearly from "
                          "10 at toxicity.icans_onset_encephalopathy)",
           .source =
               "ICE score (Lee et al., BBMT 2019); the scale of the latent signal is calibrate"});
    r.add(CARTSIM_FIELD(toxicity.icans_grade4_encephalopathy),
          {.unit = "1",
           .min = 0.01,
           .max = 10.0,
           .description = "Encephalopathy at which the patient is unarousable (ICANS grade 4)",
           .source = "Lee et al., BBMT 2019; the scale of the latent signal is calibrate"});
}

void add_interventions(Registry& r) {
    r.add(CARTSIM_FIELD(interventions.tocilizumab_at_crs_grade),
          {.unit = "grade",
           .min = 0.0,
           .max = 4.0,
           .description = "Rule: tocilizumab when CRS reaches this ASTCT grade, repeated while it "
                          "holds (0 = never)",
           .source = "management algorithms give tocilizumab from grade 2 (Neelapu et al., Nat Rev "
                     "Clin Oncol 2018)"});
    r.add(CARTSIM_FIELD(interventions.tocilizumab_dose_mg_per_kg),
          {.unit = "mg/kg",
           .min = 0.1,
           .max = 12.0,
           .description = "Tocilizumab dose (rule and schedule default)",
           .source = "label dose for CRS: 8 mg/kg (12 mg/kg below 30 kg)"});
    r.add(CARTSIM_FIELD(interventions.tocilizumab_repeat_hours),
          {.unit = "h",
           .min = 1.0,
           .max = 168.0,
           .description = "Least time between tocilizumab doses by rule",
           .source = "label: repeat after 8 h if no improvement"});
    r.add(CARTSIM_FIELD(interventions.tocilizumab_max_doses),
          {.unit = "doses",
           .min = 0.0,
           .max = 20.0,
           .description = "Most tocilizumab doses by rule",
           .source = "label: at most 4 doses for CRS"});
    r.add(CARTSIM_FIELD(interventions.tocilizumab_distribution_ml_per_kg),
          {.unit = "mL/kg",
           .min = 10.0,
           .max = 1000.0,
           .description = "Volume of distribution: serum tocilizumab = dose / this",
           .source = "tocilizumab label (Vd ~ 6.4 L in adults, ~ 90 mL/kg); rounded"});
    r.add(CARTSIM_FIELD(interventions.tocilizumab_elimination_per_day),
          {.unit = "1/day",
           .min = 0.001,
           .max = 10.0,
           .description = "Elimination of tocilizumab (first order)",
           .source = "tocilizumab label: half-life of ~4-6 days after a single dose"});
    r.add(CARTSIM_FIELD(interventions.tocilizumab_kd_ug_per_ml),
          {.unit = "ug/mL",
           .min = 0.001,
           .max = 100.0,
           .description = "Serum tocilizumab at which half of the IL-6 receptors are held",
           .source =
               "~2.5 nM affinity for IL-6R (Mihara et al., Int Immunopharmacol 2005), 148 kDa"});
    r.add(CARTSIM_FIELD(interventions.dexamethasone_at_crs_grade),
          {.unit = "grade",
           .min = 0.0,
           .max = 4.0,
           .description = "Rule: dexamethasone while CRS is at this grade or above (0 = never)",
           .source = "Neelapu et al., Nat Rev Clin Oncol 2018 (steroids from grade 3 CRS)"});
    r.add(CARTSIM_FIELD(interventions.dexamethasone_at_icans_grade),
          {.unit = "grade",
           .min = 0.0,
           .max = 4.0,
           .description = "Rule: dexamethasone while ICANS is at this grade or above (0 = never)",
           .source = "Neelapu et al., Nat Rev Clin Oncol 2018 (steroids from grade 2 ICANS)"});
    r.add(CARTSIM_FIELD(interventions.dexamethasone_dose_mg),
          {.unit = "mg",
           .min = 0.1,
           .max = 100.0,
           .description = "Dexamethasone dose (rule and schedule default)",
           .source = "Neelapu et al., Nat Rev Clin Oncol 2018: 10 mg every 6 h"});
    r.add(CARTSIM_FIELD(interventions.dexamethasone_every_hours),
          {.unit = "h",
           .min = 1.0,
           .max = 168.0,
           .description = "Interval of dexamethasone doses while a trigger holds",
           .source = "Neelapu et al., Nat Rev Clin Oncol 2018: every 6 h"});
    r.add(CARTSIM_FIELD(interventions.steroid_elimination_per_day),
          {.unit = "1/day",
           .min = 0.01,
           .max = 100.0,
           .description = "Decline of the steroid effect (dexamethasone-equivalent mg)",
           .source = "dexamethasone's biological half-life of 36-54 h"});
    r.add(CARTSIM_FIELD(interventions.steroid_half_effect_mg),
          {.unit = "mg",
           .min = 0.01,
           .max = 1000.0,
           .description = "Steroid amount (dexamethasone-equivalent) at half of its maximum effect",
           .source =
               "calibrate: one 10 mg dose gives about half the maximal lymphocyte suppression"});
    r.add(CARTSIM_FIELD(interventions.steroid_proliferation_effect),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "Maximal share of CAR-T division removed by steroids",
           .source = "calibrate: glucocorticoids block T-cell proliferation; early steroids blunt "
                     "expansion little (Liu et al., Leukemia 2020)"});
    r.add(CARTSIM_FIELD(interventions.steroid_killing_effect),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "Maximal share of CAR-T killing removed by steroids",
           .source = "calibrate: cytotoxicity is less steroid-sensitive than cytokine output"});
    r.add(CARTSIM_FIELD(interventions.steroid_cytokine_effect),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "Maximal share of cytokine output (IFN-g, myeloid IL-6/IL-1, CNS "
                          "inflammation) removed by steroids",
           .source = "calibrate: steroids reverse CRS and ICANS (Neelapu et al., Nat Rev Clin "
                     "Oncol 2018); 0.4 so that severe ICANS under dexamethasone from grade 2 "
                     "meets the registry's 7.5% (Pasquini et al., Blood Adv 2020; 0.8 left "
                     "none, 0.3 lowers MRD-negativity below ELIANA's)"});
    r.add(CARTSIM_FIELD(interventions.schedule),
          {.description = "Scheduled drug doses: 'DRUG@DAY[:AMOUNT]' or a course "
                          "'DRUG@FIRST..LAST/EVERYh[:AMOUNT]', comma-separated (drugs: tocilizumab "
                          "in mg/kg, dexamethasone in mg); empty = none",
           .source = "scenario choice; docs/MODEL.md#interventions"});
}

void add_readouts(Registry& r) {
    r.add(CARTSIM_FIELD(readouts.cr_blast_fraction),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "Marrow blast fraction below which the run is in complete remission "
                          "(relapse: back above it after readouts.response_assessment_day)",
           .source = "standard definition of complete remission (< 5% marrow blasts)"});
    r.add(CARTSIM_FIELD(readouts.mrd_blast_fraction),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "Blast fraction of nucleated marrow cells below which the run is "
                          "MRD-negative (below readouts.cr_blast_fraction)",
           .source = "standard MRD-negativity threshold (< 1e-4)"});
    r.add(CARTSIM_FIELD(readouts.response_assessment_day),
          {.unit = "day",
           .min = 0.0,
           .max = 3650.0,
           .description = "Day of the response assessment: until then a remission is "
                          "provisional (blasts back above readouts.cr_blast_fraction undo it); "
                          "after it, a return above is relapse",
           .source = "ELIANA's day-28 marrow assessment; its remissions had to last >= 28 "
                     "days (Maude et al., NEJM 2018)"});
    r.add(CARTSIM_FIELD(readouts.b_cell_aplasia_fraction),
          {.unit = "fraction",
           .min = 0.0,
           .max = 1.0,
           .description = "B-cell aplasia while normal B cells stay below this share of their "
                          "day-0 count",
           .source = "calibrate: B-cell aplasia marks functional CAR-T persistence "
                     "(docs/MODEL.md#clinical-readouts)"});
    r.add(CARTSIM_FIELD(readouts.cd19_dim_molecules),
          {.unit = "molecules/cell",
           .min = 0.0,
           .max = 1e6,
           .description = "Blasts with CD19 above 0 and below this density count as CD19-dim "
                          "(relapse typing)",
           .source = "Majzner et al., Cancer Discov 2020 (~2,000 molecules/cell for a full "
                     "CAR-T response)"});
    r.add(CARTSIM_FIELD(readouts.cart_detection_limit_per_ul),
          {.unit = "cells/uL",
           .min = 0.0,
           .max = 1e6,
           .description = "Blood CAR-T level below which the product counts as not detectable "
                          "(last detectable day)",
           .source = "calibrate: flow cytometry detects ~0.1 cells/uL; qPCR is more sensitive "
                     "(Mueller et al., Clin Cancer Res 2018)"});
    r.add(CARTSIM_FIELD(readouts.contraction_window_days),
          {.unit = "d",
           .min = 0.5,
           .max = 365.0,
           .description = "Contraction half-life: log-linear fit of the blood CAR-T level from "
                          "Tmax over this many days",
           .source = "Stein et al., CPT:PSP 2019: the fast (alpha) decline dominates for ~3 "
                     "weeks after Tmax"});
    r.add(CARTSIM_FIELD(readouts.persistence_from_day),
          {.unit = "d",
           .min = 0.0,
           .max = 3650.0,
           .description = "Persistence half-life: log-linear fit of the detectable blood CAR-T "
                          "level from this day on",
           .source = "Stein et al., CPT:PSP 2019: the slow (beta, memory-like) decline; day 84 "
                     "is the AUC0-84 horizon (Mueller et al., Clin Cancer Res 2018)"});
}

#undef CARTSIM_FIELD
#undef CARTSIM_PRODUCT_FIELD

const Registry& registry() {
    static const Registry instance = [] {
        Registry r;
        add_run(r);
        add_space(r);
        add_time(r);
        add_output(r);
        add_initial(r);
        add_blasts(r);
        add_b_cells(r);
        add_marrow_cells(r);
        add_car_t(r);
        add_product(
            r, "car_t.product_41bb", [](auto& p) -> auto& { return p.car_t.product_41bb; }, false);
        add_product(
            r, "car_t.product_cd28", [](auto& p) -> auto& { return p.car_t.product_cd28; }, true);
        add_cytokines(r);
        add_toxicity(r);
        add_interventions(r);
        add_readouts(r);
        return r;
    }();
    return instance;
}

// ---------------------------------------------------------------------------------------------
// Checks between parameters

/// "key = value (set in FILE)" / "(set by --set)" / "(default)".
std::string described(const ParameterSet& values, std::string_view key) {
    const ParameterEntry& entry = values.entry(key);
    std::string where;
    switch (entry.source) {
        case ValueSource::table_default:
            where = "default";
            break;
        case ValueSource::scenario_file:
            where = "set in " + entry.set_by;
            break;
        case ValueSource::set_option:
            where = "set by " + entry.set_by;
            break;
    }
    return fmt::format("{} = {} ({})", key, format_value(entry.value), where);
}

class Checker {
  public:
    explicit Checker(const Scenario& scenario)
        : values_(scenario.values),
          origin_(scenario.path.empty() ? std::string("<scenario>") : scenario.path) {}

    /// Throws when `ok` is false; `keys` are described in the message, the first one is the key
    /// of the error.
    void require(bool ok, std::initializer_list<std::string_view> keys,
                 std::string_view problem) const {
        if (ok) return;
        std::string detail;
        for (const std::string_view key : keys) {
            if (!detail.empty()) detail += ", ";
            detail += described(values_, key);
        }
        detail += ": ";
        detail += problem;
        throw ScenarioError(origin_, std::string(*keys.begin()), detail);
    }

  private:
    const ParameterSet& values_;
    std::string origin_;
};

void check_space(const Checker& check, const Parameters& p) {
    const agents::SpaceParameters& s = p.space;
    const std::uint64_t sites = static_cast<std::uint64_t>(s.nx) *
                                static_cast<std::uint64_t>(s.ny) * static_cast<std::uint64_t>(s.nz);
    check.require(sites <= kMaxSites, {"space.nx", "space.ny", "space.nz"},
                  fmt::format("the lattice has {} sites; at most {} fit a 32-bit site index", sites,
                              kMaxSites));

    const std::int32_t c = p.cytokines.field_coarsening;
    const bool three_d = s.nz > 1;
    if (s.periodic) {
        for (const auto& [key, extent, applies] :
             {std::tuple{"space.nx", s.nx, true}, std::tuple{"space.ny", s.ny, true},
              std::tuple{"space.nz", s.nz, three_d}}) {
            check.require(
                !applies || extent % c == 0, {key, "cytokines.field_coarsening", "space.periodic"},
                "a periodic space needs every extent (nz only in 3-D) to be a multiple of the "
                "field coarsening so the cytokine field wraps with the lattice");
        }
    }
    const auto cells_along = [c](std::int32_t n, bool coarsened) {
        return static_cast<std::uint64_t>(coarsened ? (n + c - 1) / c : n);
    };
    const std::uint64_t field_cells =
        cells_along(s.nx, true) * cells_along(s.ny, true) * cells_along(s.nz, three_d);
    check.require(field_cells <= kMaxFieldCells,
                  {"cytokines.field_coarsening", "space.nx", "space.ny", "space.nz"},
                  fmt::format("the cytokine field would have {} cells, above the solver's limit "
                              "of {}; increase the coarsening",
                              field_cells, kMaxFieldCells));

    const double simulated_ml =
        static_cast<double>(sites) * std::pow(s.site_edge_um, 3) / kUm3PerMl;
    check.require(
        simulated_ml <= s.total_marrow_volume_ml,
        {"space.total_marrow_volume_ml", "space.nx", "space.ny", "space.nz", "space.site_edge_um"},
        fmt::format("the lattice ({:g} mL) is larger than the whole marrow it stands "
                    "for",
                    simulated_ml));
    check.require(p.cytokines.plasma_volume_ml <= s.blood_volume_ml,
                  {"cytokines.plasma_volume_ml", "space.blood_volume_ml"},
                  "plasma is part of blood, so its volume cannot exceed the blood volume");

    if (p.car_t.dose_cells > 0.0) {
        check.require(s.vessel_fraction > 0.0, {"space.vessel_fraction", "car_t.dose_cells"},
                      "without vessel sites the infused CAR-T cells can never enter the marrow");
    }
}

void check_time(const Checker& check, const Parameters& p) {
    const agents::TimeParameters& t = p.time;
    // A relative tolerance, so 1/1440 d with a 1-min step passes.
    check.require(t.record_every_days * kMinutesPerDay >= t.fine_step_min * (1.0 - 1e-9),
                  {"time.record_every_days", "time.fine_step_min"},
                  "records cannot come more often than once per fine step");
    for (const auto& [interval, key] :
         {std::pair{p.output.snapshot_every_days, "output.snapshot_every_days"},
          std::pair{p.output.checkpoint_every_days, "output.checkpoint_every_days"}}) {
        check.require(
            interval == 0.0 || interval * kMinutesPerDay >= t.fine_step_min * (1.0 - 1e-9),
            {key, "time.fine_step_min"}, "must be 0 (off) or at least one fine step");
    }
    const double tissue_min = t.tissue_period_steps * t.fine_step_min;
    check.require(tissue_min <= kMinutesPerDay, {"time.tissue_period_steps", "time.fine_step_min"},
                  fmt::format("the tissue clock ticks every {:g} min; it must tick at least once a "
                              "day",
                              tissue_min));
    const double field_min = t.field_period_steps * t.fine_step_min;
    check.require(field_min <= kMinutesPerDay, {"time.field_period_steps", "time.fine_step_min"},
                  fmt::format("the cytokine clock ticks every {:g} min; it must tick at least "
                              "once a day",
                              field_min));
    for (const auto& [key, decay] :
         {std::pair{"cytokines.ifng_decay_per_min", p.cytokines.ifng_decay_per_min},
          std::pair{"cytokines.il6_decay_per_min", p.cytokines.il6_decay_per_min}}) {
        check.require(field_min * decay <= 1.0,
                      {"time.field_period_steps", "time.fine_step_min", key},
                      fmt::format("the cytokine clock ({:g} min) is longer than the field's decay "
                                  "time ({:g} min), so one implicit step misses most of the decay "
                                  "and secretion dynamics; shorten the period",
                                  field_min, 1.0 / decay));
    }
}

void check_biology(const Checker& check, const Parameters& p) {
    check.require(p.initial.blast_fraction + p.initial.b_cell_fraction <= 1.0 + 1e-12,
                  {"initial.blast_fraction", "initial.b_cell_fraction"},
                  "both are shares of the same tissue cells, so their sum must be at most 1");

    check.require(p.readouts.mrd_blast_fraction < p.readouts.cr_blast_fraction,
                  {"readouts.mrd_blast_fraction", "readouts.cr_blast_fraction"},
                  "MRD negativity is deeper than complete remission, so its threshold must be "
                  "below the remission threshold");

    const agents::ToxicityParameters& t = p.toxicity;
    for (const auto& [low, high, low_key, high_key] :
         {std::tuple{t.hypotension_fluids_leak, t.hypotension_one_vasopressor_leak,
                     "toxicity.hypotension_fluids_leak",
                     "toxicity.hypotension_one_vasopressor_leak"},
          std::tuple{t.hypotension_one_vasopressor_leak, t.hypotension_vasopressors_leak,
                     "toxicity.hypotension_one_vasopressor_leak",
                     "toxicity.hypotension_vasopressors_leak"},
          std::tuple{t.hypoxia_low_flow_lung_water, t.hypoxia_high_flow_lung_water,
                     "toxicity.hypoxia_low_flow_lung_water",
                     "toxicity.hypoxia_high_flow_lung_water"},
          std::tuple{t.hypoxia_high_flow_lung_water, t.hypoxia_positive_pressure_lung_water,
                     "toxicity.hypoxia_high_flow_lung_water",
                     "toxicity.hypoxia_positive_pressure_lung_water"}}) {
        check.require(high > low, {high_key, low_key},
                      "the signs of a higher CRS grade need a higher threshold");
    }
    check.require(t.contact_weight + t.lysis_weight + t.ifng_weight > 0.0,
                  {"toxicity.contact_weight", "toxicity.lysis_weight", "toxicity.ifng_weight"},
                  "the myeloid drive is their weighted mean, so at least one weight must be "
                  "above 0");
    check.require(t.ice_score_zero_encephalopathy > t.icans_onset_encephalopathy,
                  {"toxicity.ice_score_zero_encephalopathy", "toxicity.icans_onset_encephalopathy"},
                  "the ICE score falls from 10 at the onset to 0 here, so this must lie above the "
                  "onset");
    // Schedules: parsed here so that a bad one is refused naming the file and key.
    try {
        (void)agents::parse_infusion_schedule(p.car_t.infusion_schedule, p.time.days);
    } catch (const agents::ScheduleError& error) {
        check.require(false, {"car_t.infusion_schedule", "time.days"}, error.what());
    }
    try {
        (void)agents::parse_drug_schedule(
            p.interventions.schedule, p.time.days,
            {p.interventions.tocilizumab_dose_mg_per_kg, p.interventions.dexamethasone_dose_mg});
    } catch (const agents::ScheduleError& error) {
        check.require(false, {"interventions.schedule", "time.days"}, error.what());
    }
}

}  // namespace

const ParameterTable& model_parameter_table() {
    return registry().table();
}

agents::Parameters to_model_parameters(const Scenario& scenario) {
    Parameters parameters;
    for (const auto& write : registry().writers()) write(parameters, scenario.values);
    const Checker check(scenario);
    check_space(check, parameters);
    check_time(check, parameters);
    check_biology(check, parameters);
    return parameters;
}

std::string parameter_reference_markdown() {
    std::string out;
    out += "# cartsim model parameters\n\n";
    out +=
        "<!-- Generated by cartsim-gen-param-docs from scenarios/model_parameters.cpp; do not "
        "edit. -->\n\n";
    out +=
        "Every parameter of the CAR-T / B-ALL model, as a scenario key. Keys mirror the C++ "
        "struct `agents::Parameters` (agents/parameters.hpp), where the defaults live; the "
        "table with ranges, descriptions and sources is scenarios/model_parameters.cpp. What "
        "each parameter does (the mechanisms, their equations and rationale) is in "
        "[MODEL.md](MODEL.md).\n\n";
    out +=
        "- **Units** are part of the name (`rate_per_day`, `speed_um_per_min`) and are "
        "listed in the unit column: `1/day` is a rate per day, `d` days, `min` minutes, `h` "
        "hours, `um` micrometres, `mL` millilitres, `pg/mL` serum or marrow concentration. "
        "`fraction`, `factor` and `dimensionless` are pure numbers; `1/division`, `1/probe`, "
        "`1/move` and `1/synapse` are chances per event.\n";
    out +=
        "- **Setting values**: in a scenario file, under the key's section (`[blasts]` "
        "`birth_rate_per_day = 0.12`; `inherits = \"base.toml\"` takes another file's values "
        "first), or on the command line with `cartsim run SCENARIO.toml --set "
        "blasts.birth_rate_per_day=0.12` (repeatable; applied after the file). Every value "
        "must lie in its allowed range; `cartsim validate` also checks settings that "
        "contradict each other (e.g. `initial.blast_fraction + initial.b_cell_fraction` "
        "above 1, CRS thresholds not increasing, a periodic space whose extents are not "
        "multiples of `cytokines.field_coarsening`).\n";
    out +=
        "- **Sources** cite the publications listed in the model specification, "
        "[MODEL.md](MODEL.md) (References), and name a section of it where it explains the "
        "value (\"docs/MODEL.md#blasts\"). "
        "\"calibrate: ...\" marks a value without a direct measurement and says why the "
        "default was chosen; \"numerical: ...\" marks a resolution or engine setting; "
        "\"standard ...\" marks textbook physiology or clinical definitions.\n";
    out +=
        "- Two product parameter sets exist, `car_t.product_41bb` and `car_t.product_cd28`; "
        "`car_t.costimulation` picks which one a run uses.\n\n";
    out += render_markdown_reference(model_parameter_table());
    return out;
}

}  // namespace cartsim::scenarios
