// The model's parameter table: every field of agents::Parameters has a key wired to exactly that
// field, defaults come from the struct, every spec is documented, the checks between parameters
// name file and key, resolved TOML round-trips, every scenario file converts, and
// docs/PARAMETERS.md is up to date.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "agents/parameters.hpp"
#include "scenarios/model_parameters.hpp"
#include "scenarios/parameter_table.hpp"
#include "scenarios/scenario_error.hpp"
#include "scenarios/scenario_loader.hpp"

namespace cartsim::scenarios {
namespace {

namespace fs = std::filesystem;
using agents::Parameters;

// ---------------------------------------------------------------------------------------------
// Counting the members of an aggregate, so a member added to agents::Parameters without a key
// fails here. AnyField converts to any member type; T{AnyField x N} compiles for N <= members.

struct AnyField {
    template <class T>
    operator T() const;  // NOLINT: never defined, only used in unevaluated contexts
};

template <class T, class... Fields>
constexpr std::size_t member_count() {
    if constexpr (requires { T{Fields{}..., AnyField{}}; }) {
        return member_count<T, Fields..., AnyField>();
    } else {
        return sizeof...(Fields);
    }
}

// ---------------------------------------------------------------------------------------------
// An independent map from key to field, written out here (not taken from the implementation):
// FIELD(blasts.birth_rate_per_day) reads Parameters::blasts.birth_rate_per_day.

std::string costimulation_text(agents::Costimulation c) {
    return c == agents::Costimulation::cd28 ? "CD28" : "4-1BB";
}

template <class T>
ParameterValue value_of(const T& field) {
    if constexpr (std::is_same_v<T, double> || std::is_same_v<T, bool> ||
                  std::is_same_v<T, std::string>) {
        return ParameterValue(field);
    } else if constexpr (std::is_same_v<T, agents::Costimulation>) {
        return ParameterValue(costimulation_text(field));
    } else {
        static_assert(std::is_integral_v<T>);
        return ParameterValue(static_cast<std::int64_t>(field));
    }
}

struct Field {
    std::string key;
    std::function<ParameterValue(const Parameters&)> read;
};

// clang-format off
#define FIELD(path) Field{#path, [](const Parameters& p) { return value_of(p.path); }}
#define PRODUCT_FIELDS(product)                                                                    \
    FIELD(car_t.product.cd19_threshold_molecules), FIELD(car_t.product.cd22_threshold_molecules),  \
    FIELD(car_t.product.hill_coefficient), FIELD(car_t.product.bind_probability_max),              \
    FIELD(car_t.product.kill_probability), FIELD(car_t.product.synapse_min),                       \
    FIELD(car_t.product.doubling_time_days), FIELD(car_t.product.activation_hours),                \
    FIELD(car_t.product.effector_death_per_day), FIELD(car_t.product.memory_fraction),             \
    FIELD(car_t.product.memory_loss_per_day), FIELD(car_t.product.memory_self_renewal_per_day),    \
        FIELD(car_t.product.memory_stemness), FIELD(car_t.product.exhaustion_per_engaged_hour),    \
        FIELD(car_t.product.exhaustion_fixed_fraction), FIELD(car_t.product.exhaustion_per_division), \
    FIELD(car_t.product.division_stop_fixed_exhaustion),                                           \
    FIELD(car_t.product.exhaustion_recovery_per_day), FIELD(car_t.product.exhausted_kill_factor),  \
    FIELD(car_t.product.exhausted_death_per_day), FIELD(car_t.product.car_downregulation_hours),   \
    FIELD(car_t.product.car_recovery_per_day)
// clang-format on

const std::vector<Field>& all_fields() {
    static const std::vector<Field> fields = {
        Field{"run.seed", [](const Parameters& p) { return value_of(p.seed); }},
        Field{"run.well_mixed", [](const Parameters& p) { return value_of(p.well_mixed); }},
        FIELD(space.nx),
        FIELD(space.ny),
        FIELD(space.nz),
        FIELD(space.site_edge_um),
        FIELD(space.periodic),
        FIELD(space.vessel_fraction),
        FIELD(space.total_marrow_volume_ml),
        FIELD(space.blood_volume_ml),
        FIELD(space.lymphoid_volume_ml),
        FIELD(space.tile_edge_sites),
        FIELD(time.days),
        FIELD(time.fine_step_min),
        FIELD(time.tissue_period_steps),
        FIELD(time.field_period_steps),
        FIELD(time.record_every_days),
        FIELD(initial.cellularity),
        FIELD(initial.blast_fraction),
        FIELD(initial.b_cell_fraction),
        FIELD(initial.cd19_negative_blast_fraction),
        FIELD(initial.cd22_negative_blast_fraction),
        FIELD(initial.vein_to_vein_days),
        FIELD(initial.sanctuary_blast_share),
        FIELD(initial.lymphoid_blast_share),
        FIELD(blasts.birth_rate_per_day),
        FIELD(blasts.death_rate_per_day),
        FIELD(blasts.cd19_median_molecules),
        FIELD(blasts.cd19_log_sd),
        FIELD(blasts.antigen_inheritance_log_sd),
        FIELD(blasts.cd22_median_molecules),
        FIELD(blasts.cd22_log_sd),
        FIELD(blasts.cd19_loss_per_division),
        FIELD(blasts.lineage_switch_per_division),
        FIELD(blasts.marrow_exchange_per_day),
        FIELD(blasts.sanctuary_to_marrow_per_day),
        FIELD(blasts.sanctuary_capacity_share),
        FIELD(blasts.lymphoid_to_marrow_per_day),
        FIELD(blasts.displace_marrow_cells),
        FIELD(b_cells.lifetime_days),
        FIELD(b_cells.production_per_day),
        FIELD(b_cells.cd19_median_molecules),
        FIELD(b_cells.cd19_log_sd),
        FIELD(marrow_cells.regeneration_per_day),
        FIELD(marrow_cells.death_rate_per_day),
        FIELD(car_t.costimulation),
        FIELD(car_t.targets_cd22),
        FIELD(car_t.dose_cells),
        FIELD(car_t.speed_um_per_min),
        FIELD(car_t.turn_probability),
        FIELD(car_t.blood_to_marrow_per_day),
        FIELD(car_t.marrow_to_blood_per_day),
        FIELD(car_t.blood_to_lymphoid_per_day),
        FIELD(car_t.lymphoid_to_blood_per_day),
        FIELD(car_t.rejection_per_day),
        FIELD(car_t.sanctuary_access),
        FIELD(car_t.lymphodepletion),
        FIELD(car_t.lymphodepletion_depth),
        FIELD(car_t.lymphocyte_recovery_per_day),
        FIELD(car_t.homeostatic_half_saturation),
        FIELD(car_t.homeostatic_sensitivity),
        FIELD(car_t.product_fitness),
        PRODUCT_FIELDS(product_41bb),
        PRODUCT_FIELDS(product_cd28),
        FIELD(cytokines.field_coarsening),
        FIELD(cytokines.ifng_diffusion_um2_per_min),
        FIELD(cytokines.ifng_decay_per_min),
        FIELD(cytokines.ifng_secretion_pg_per_hour),
        FIELD(cytokines.il6_diffusion_um2_per_min),
        FIELD(cytokines.il6_decay_per_min),
        FIELD(cytokines.il6_per_ifng_pg_per_hour),
        FIELD(cytokines.il6_per_lysis_pg),
        FIELD(cytokines.plasma_volume_ml),
        FIELD(cytokines.ifng_systemic_clearance_per_day),
        FIELD(cytokines.il6_systemic_clearance_per_day),
        FIELD(car_t.infusion_schedule),
        FIELD(car_t.hold_at_crs_grade),
        FIELD(car_t.memory_phenotype_fraction),
        FIELD(car_t.cd4_fraction),
        FIELD(car_t.cd4_relative_killing),
        FIELD(car_t.cd8_help_dependence),
        FIELD(car_t.cd4_help_half_saturation),
        FIELD(initial.bridging_blast_kill_fraction),
        FIELD(toxicity.macrophage_activation_per_day),
        FIELD(toxicity.macrophage_deactivation_per_day),
        FIELD(toxicity.contact_half_saturation_cells),
        FIELD(toxicity.lysis_half_saturation_per_day),
        FIELD(toxicity.ifng_half_saturation_pg_per_ml),
        FIELD(toxicity.contact_weight),
        FIELD(toxicity.lysis_weight),
        FIELD(toxicity.ifng_weight),
        FIELD(toxicity.activation_burst_days),
        FIELD(toxicity.activation_burst_half_saturation_cells),
        FIELD(toxicity.activation_burst_hill),
        FIELD(toxicity.monocyte_recruitment_per_day),
        FIELD(toxicity.monocyte_recruitment_decay_days),
        FIELD(toxicity.plasma_volume_ml),
        FIELD(toxicity.macrophage_il6_pg_per_day),
        FIELD(toxicity.endothelial_il6_pg_per_day),
        FIELD(toxicity.il6_baseline_pg_per_ml),
        FIELD(toxicity.il6_clearance_per_day),
        FIELD(toxicity.il6_receptor_clearance_per_day),
        FIELD(toxicity.il6_signalling_half_saturation_pg_per_ml),
        FIELD(toxicity.endothelial_il6_half_saturation_pg_per_ml),
        FIELD(toxicity.macrophage_il1_pg_per_day),
        FIELD(toxicity.lymphodepletion_myeloid_priming),
        FIELD(toxicity.lymphodepletion_priming_decay_days),
        FIELD(toxicity.il1_clearance_per_day),
        FIELD(toxicity.il1_half_saturation_pg_per_ml),
        FIELD(toxicity.ifng_pg_per_engaged_cell_per_hour),
        FIELD(toxicity.ifng_clearance_per_day),
        FIELD(toxicity.ifng_endothelial_half_saturation_pg_per_ml),
        FIELD(toxicity.endothelial_activation_per_day),
        FIELD(toxicity.endothelial_recovery_per_day),
        FIELD(toxicity.endothelial_il1_weight),
        FIELD(toxicity.endothelial_ifng_weight),
        FIELD(toxicity.capillary_leak_susceptibility),
        FIELD(toxicity.lung_water_per_day),
        FIELD(toxicity.fever_max_rise_celsius),
        FIELD(toxicity.hypotension_fluids_leak),
        FIELD(toxicity.hypotension_one_vasopressor_leak),
        FIELD(toxicity.hypotension_vasopressors_leak),
        FIELD(toxicity.hypoxia_low_flow_lung_water),
        FIELD(toxicity.hypoxia_high_flow_lung_water),
        FIELD(toxicity.hypoxia_positive_pressure_lung_water),
        FIELD(toxicity.cns_inflammation_per_day),
        FIELD(toxicity.cns_recovery_per_day),
        FIELD(toxicity.cns_il6_half_saturation_pg_per_ml),
        FIELD(toxicity.neuro_susceptibility),
        FIELD(toxicity.icans_onset_encephalopathy),
        FIELD(toxicity.ice_score_zero_encephalopathy),
        FIELD(toxicity.icans_grade4_encephalopathy),
        FIELD(interventions.tocilizumab_at_crs_grade),
        FIELD(interventions.tocilizumab_dose_mg_per_kg),
        FIELD(interventions.tocilizumab_repeat_hours),
        FIELD(interventions.tocilizumab_max_doses),
        FIELD(interventions.tocilizumab_distribution_ml_per_kg),
        FIELD(interventions.tocilizumab_elimination_per_day),
        FIELD(interventions.tocilizumab_kd_ug_per_ml),
        FIELD(interventions.dexamethasone_at_crs_grade),
        FIELD(interventions.dexamethasone_at_icans_grade),
        FIELD(interventions.dexamethasone_dose_mg),
        FIELD(interventions.dexamethasone_every_hours),
        FIELD(interventions.steroid_elimination_per_day),
        FIELD(interventions.steroid_half_effect_mg),
        FIELD(interventions.steroid_proliferation_effect),
        FIELD(interventions.steroid_killing_effect),
        FIELD(interventions.steroid_cytokine_effect),
        FIELD(interventions.schedule),
        FIELD(readouts.cr_blast_fraction),
        FIELD(readouts.mrd_blast_fraction),
        FIELD(readouts.response_assessment_day),
        FIELD(readouts.b_cell_aplasia_fraction),
        FIELD(readouts.cd19_dim_molecules),
        FIELD(readouts.cart_detection_limit_per_ul),
        FIELD(readouts.contraction_window_days),
        FIELD(readouts.persistence_from_day),
        FIELD(output.snapshot_every_days),
        FIELD(output.checkpoint_every_days),
        FIELD(output.snapshot_compression_level),
    };
    return fields;
}

#undef PRODUCT_FIELDS
#undef FIELD

/// Every leaf field of Parameters, counted from the structs themselves.
constexpr std::size_t kLeafFields =
    (member_count<Parameters>() - 12) +  // seed, well_mixed; the 12 sections are counted below
    member_count<agents::SpaceParameters>() + member_count<agents::TimeParameters>() +
    member_count<agents::OutputParameters>() + member_count<agents::InitialParameters>() +
    member_count<agents::BlastParameters>() + member_count<agents::BCellParameters>() +
    member_count<agents::MarrowCellParameters>() +
    (member_count<agents::CarTParameters>() - 2) +  // the two products, counted below
    2 * member_count<agents::ProductParameters>() + member_count<agents::CytokineParameters>() +
    member_count<agents::ToxicityParameters>() + member_count<agents::InterventionParameters>() +
    member_count<agents::ReadoutParameters>();

std::string text_of(const ParameterValue& value) {
    return format_value(value);
}

Scenario default_scenario() {
    Scenario scenario;
    scenario.values = ParameterSet(model_parameter_table());
    scenario.path = "defaults.toml";
    scenario.name = "defaults";
    return scenario;
}

/// A value of the spec's type, inside its range, different from the default, and small enough
/// a change that no check between parameters fires when only this key changes.
ParameterValue non_default_value(const ParameterSpec& spec) {
    switch (spec.type) {
        case ParameterType::real: {
            const double d = std::get<double>(spec.default_value);
            for (const double candidate :
                 {d * 1.1, d * 0.9, spec.min + 0.01 * (spec.max - spec.min),
                  (spec.min + spec.max) / 2}) {
                if (candidate != d && candidate >= spec.min && candidate <= spec.max) {
                    return candidate;
                }
            }
            break;
        }
        case ParameterType::integer: {
            const std::int64_t d = std::get<std::int64_t>(spec.default_value);
            if (static_cast<double>(d + 1) <= spec.max) return d + 1;
            return d - 1;
        }
        case ParameterType::boolean:
            return !std::get<bool>(spec.default_value);
        case ParameterType::choice:
            for (const std::string& choice : spec.choices) {
                if (choice != std::get<std::string>(spec.default_value)) return choice;
            }
            break;
        case ParameterType::text:
            // The schedules: a valid one other than the default.
            if (spec.key == "car_t.infusion_schedule") return std::string("0:0.5, 1:0.5");
            if (spec.key == "interventions.schedule") return std::string("tocilizumab@1");
            break;
    }
    ADD_FAILURE() << "no non-default value for " << spec.key;
    return spec.default_value;
}

// ---------------------------------------------------------------------------------------------
// The table and the struct agree

TEST(ModelParameters, StructMembersAreAllListedHere) {
    // When one of these fails, a member was added to or removed from agents/parameters.hpp:
    // give it a key in scenarios/model_parameters.cpp and a FIELD(...) line in this file.
    EXPECT_EQ(member_count<Parameters>(), 14U);
    EXPECT_EQ(member_count<agents::OutputParameters>(), 3U);
    EXPECT_EQ(member_count<agents::SpaceParameters>(), 10U);
    EXPECT_EQ(member_count<agents::TimeParameters>(), 5U);
    EXPECT_EQ(member_count<agents::InitialParameters>(), 9U);
    EXPECT_EQ(member_count<agents::BlastParameters>(), 14U);
    EXPECT_EQ(member_count<agents::BCellParameters>(), 4U);
    EXPECT_EQ(member_count<agents::MarrowCellParameters>(), 2U);
    EXPECT_EQ(member_count<agents::CarTParameters>(), 26U);
    EXPECT_EQ(member_count<agents::ProductParameters>(), 22U);
    EXPECT_EQ(member_count<agents::CytokineParameters>(), 11U);
    EXPECT_EQ(member_count<agents::ToxicityParameters>(), 49U);
    EXPECT_EQ(member_count<agents::InterventionParameters>(), 17U);
    EXPECT_EQ(member_count<agents::ReadoutParameters>(), 8U);
    EXPECT_EQ(all_fields().size(), kLeafFields);
}

TEST(ModelParameters, TableHasExactlyOneKeyPerField) {
    const ParameterTable& table = model_parameter_table();
    EXPECT_EQ(table.size(), kLeafFields);
    std::set<std::string> field_keys;
    for (const Field& field : all_fields()) {
        EXPECT_TRUE(field_keys.insert(field.key).second) << "listed twice: " << field.key;
        EXPECT_TRUE(table.contains(field.key)) << "no parameter for field " << field.key;
    }
    for (const std::string& key : table.keys()) {
        EXPECT_TRUE(field_keys.count(key) == 1) << "parameter without a field: " << key;
    }
}

TEST(ModelParameters, DefaultsEqualDefaultConstructedParameters) {
    const ParameterTable& table = model_parameter_table();
    const Parameters defaults{};
    for (const Field& field : all_fields()) {
        const ParameterSpec* spec = table.find(field.key);
        ASSERT_NE(spec, nullptr) << field.key;
        EXPECT_EQ(spec->default_value, field.read(defaults))
            << field.key << ": table default " << text_of(spec->default_value) << ", struct "
            << text_of(field.read(defaults));
    }
    const Parameters converted = to_model_parameters(default_scenario());
    for (const Field& field : all_fields()) {
        EXPECT_EQ(field.read(converted), field.read(defaults)) << field.key;
    }
}

TEST(ModelParameters, EveryKeyReachesItsOwnFieldAndNoOther) {
    const ParameterTable& table = model_parameter_table();
    const Parameters defaults{};
    for (const Field& changed : all_fields()) {
        const ParameterSpec& spec = table.at(changed.key);
        const ParameterValue value = non_default_value(spec);
        Scenario scenario = default_scenario();
        apply_override(scenario, changed.key + "=" + toml_literal(value), table);
        Parameters converted;
        try {
            converted = to_model_parameters(scenario);
        } catch (const ScenarioError& error) {
            ADD_FAILURE() << changed.key << " = " << text_of(value) << ": " << error.what();
            continue;
        }
        for (const Field& field : all_fields()) {
            if (field.key == changed.key) {
                EXPECT_EQ(field.read(converted), value)
                    << "--set " << changed.key << " did not reach its field";
            } else {
                EXPECT_EQ(field.read(converted), field.read(defaults))
                    << "--set " << changed.key << " changed " << field.key;
            }
        }
    }
}

TEST(ModelParameters, EverySpecHasUnitDescriptionAndSource) {
    for (const ParameterSpec& spec : model_parameter_table().specs()) {
        EXPECT_FALSE(spec.description.empty()) << spec.key;
        EXPECT_FALSE(spec.source.empty()) << spec.key;
        const bool number = spec.type == ParameterType::real || spec.type == ParameterType::integer;
        if (number && spec.key != "run.seed") {
            EXPECT_FALSE(spec.unit.empty()) << spec.key << " needs a unit";
            EXPECT_TRUE(std::isfinite(spec.min) && std::isfinite(spec.max))
                << spec.key << " needs a finite range";
            EXPECT_LT(spec.min, spec.max) << spec.key;
        }
        if (!number) {
            EXPECT_TRUE(spec.unit.empty()) << spec.key;
        }
        // A source is a citation, or says why the value was chosen.
        EXPECT_GT(spec.source.size(), 10U) << spec.key;
        if (spec.source.rfind("calibrate", 0) == 0) {
            EXPECT_EQ(spec.source.rfind("calibrate: ", 0), 0U) << spec.key;
        }
    }
}

TEST(ModelParameters, KeysMirrorTheStructSections) {
    const std::set<std::string> sections = {"run",
                                            "space",
                                            "time",
                                            "output",
                                            "initial",
                                            "blasts",
                                            "b_cells",
                                            "marrow_cells",
                                            "car_t",
                                            "car_t.product_41bb",
                                            "car_t.product_cd28",
                                            "cytokines",
                                            "toxicity",
                                            "interventions",
                                            "readouts"};
    for (const std::string& key : model_parameter_table().keys()) {
        EXPECT_TRUE(sections.count(key.substr(0, key.rfind('.'))) == 1) << key;
    }
    const ParameterSpec& costimulation = model_parameter_table().at("car_t.costimulation");
    EXPECT_EQ(costimulation.type, ParameterType::choice);
    EXPECT_EQ(costimulation.choices, (std::vector<std::string>{"4-1BB", "CD28"}));
}

TEST(ModelParameters, ProductDefaultsComeFromCarTParameters) {
    const ParameterTable& table = model_parameter_table();
    const agents::ProductParameters cd28 = agents::CarTParameters::cd28_defaults();
    EXPECT_EQ(table.at("car_t.product_cd28.doubling_time_days").default_value,
              ParameterValue(cd28.doubling_time_days));
    EXPECT_EQ(table.at("car_t.product_41bb.doubling_time_days").default_value,
              ParameterValue(agents::ProductParameters{}.doubling_time_days));
    Scenario scenario = default_scenario();
    apply_override(scenario, "car_t.costimulation=CD28", table);
    const Parameters p = to_model_parameters(scenario);
    EXPECT_EQ(p.car_t.costimulation, agents::Costimulation::cd28);
    EXPECT_EQ(p.car_t.product().doubling_time_days, cd28.doubling_time_days);
}

// ---------------------------------------------------------------------------------------------
// Checks between parameters

struct Contradiction {
    std::string name;
    std::string toml;
    std::string key;  // the key the error names
};

// Test names show the case name, not the bytes of the struct.
void PrintTo(const Contradiction& contradiction, std::ostream* out) {
    *out << contradiction.name;
}

class CrossCheck : public ::testing::TestWithParam<Contradiction> {};

TEST_P(CrossCheck, FiresNamingFileAndKey) {
    const Contradiction& c = GetParam();
    const Scenario scenario = load_scenario_text(c.toml, "case.toml", model_parameter_table());
    try {
        (void)to_model_parameters(scenario);
        ADD_FAILURE() << c.name << ": no error";
    } catch (const ScenarioError& error) {
        EXPECT_EQ(error.origin(), "case.toml");
        EXPECT_EQ(error.key(), c.key);
        const std::string what = error.what();
        EXPECT_EQ(what.rfind("case.toml: ", 0), 0U) << what;
        EXPECT_NE(what.find(c.key), std::string::npos) << what;
        EXPECT_NE(what.find("set in case.toml"), std::string::npos) << what;
    }
}

INSTANTIATE_TEST_SUITE_P(
    ModelParameters, CrossCheck,
    ::testing::Values(
        Contradiction{"fractions_above_one",
                      "[initial]\nblast_fraction = 0.8\nb_cell_fraction = 0.3\n",
                      "initial.blast_fraction"},
        Contradiction{"record_shorter_than_step", "[time]\nrecord_every_days = 0.0001\n",
                      "time.record_every_days"},
        Contradiction{"periodic_x_not_multiple",
                      "[space]\nperiodic = true\nnx = 101\n[cytokines]\nfield_coarsening = 2\n",
                      "space.nx"},
        Contradiction{"periodic_z_not_multiple_in_3d",
                      "[space]\nperiodic = true\nnz = 99\n[cytokines]\nfield_coarsening = 2\n",
                      "space.nz"},
        Contradiction{"lattice_too_large", "[space]\nnx = 2048\nny = 2048\nnz = 2048\n",
                      "space.nx"},
        Contradiction{"field_too_large",
                      "[space]\nnx = 1024\nny = 1024\nnz = 1024\n[cytokines]\nfield_coarsening = "
                      "1\n",
                      "cytokines.field_coarsening"},
        Contradiction{"lattice_larger_than_marrow",
                      "[space]\nnx = 1000\nny = 1000\nnz = 1000\nsite_edge_um = 30.0\n"
                      "total_marrow_volume_ml = 10.0\n",
                      "space.total_marrow_volume_ml"},
        Contradiction{"plasma_above_blood",
                      "[space]\nblood_volume_ml = 2000.0\n[cytokines]\nplasma_volume_ml = 3000.0\n",
                      "cytokines.plasma_volume_ml"},
        Contradiction{"dose_without_vessels", "[space]\nvessel_fraction = 0.0\n",
                      "space.vessel_fraction"},
        Contradiction{"tissue_clock_slower_than_daily",
                      "[time]\nfine_step_min = 2.0\ntissue_period_steps = 1000\n",
                      "time.tissue_period_steps"},
        Contradiction{"field_clock_slower_than_daily",
                      "[time]\nfine_step_min = 2.0\nfield_period_steps = 1000\n[cytokines]\n"
                      "ifng_decay_per_min = 0.0\nil6_decay_per_min = 0.0\n",
                      "time.field_period_steps"},
        Contradiction{"field_clock_slower_than_decay", "[time]\nfield_period_steps = 100\n",
                      "time.field_period_steps"},
        Contradiction{"hypotension_thresholds_not_increasing",
                      "[toxicity]\nhypotension_one_vasopressor_leak = 0.2\n",
                      "toxicity.hypotension_one_vasopressor_leak"},
        Contradiction{"hypoxia_thresholds_equal",
                      "[toxicity]\nhypoxia_high_flow_lung_water = 0.7\n",
                      "toxicity.hypoxia_positive_pressure_lung_water"},
        Contradiction{"myeloid_weights_all_zero",
                      "[toxicity]\ncontact_weight = 0.0\nlysis_weight = 0.0\nifng_weight = 0.0\n",
                      "toxicity.contact_weight"},
        Contradiction{"ice_zero_below_onset", "[toxicity]\nice_score_zero_encephalopathy = 0.3\n",
                      "toxicity.ice_score_zero_encephalopathy"},
        Contradiction{"infusions_overlap", "[car_t]\ninfusion_schedule = \"0:0.5, 0:0.5\"\n",
                      "car_t.infusion_schedule"},
        Contradiction{"infusion_negative_day", "[car_t]\ninfusion_schedule = \"-1:0.5, 1:0.5\"\n",
                      "car_t.infusion_schedule"},
        Contradiction{"infusion_past_horizon",
                      "[time]\ndays = 10.0\n[car_t]\ninfusion_schedule = \"0:0.5, 20:0.5\"\n",
                      "car_t.infusion_schedule"},
        Contradiction{"infusion_malformed", "[car_t]\ninfusion_schedule = \"day one\"\n",
                      "car_t.infusion_schedule"},
        Contradiction{"unknown_drug", "[interventions]\nschedule = \"anakinra@2\"\n",
                      "interventions.schedule"},
        Contradiction{"drug_doses_overlap",
                      "[interventions]\nschedule = \"tocilizumab@2, tocilizumab@2.1\"\n",
                      "interventions.schedule"},
        Contradiction{"drug_course_too_dense",
                      "[interventions]\nschedule = \"dexamethasone@2..4/0.5h\"\n",
                      "interventions.schedule"},
        Contradiction{"drug_dose_too_large", "[interventions]\nschedule = \"tocilizumab@2:40\"\n",
                      "interventions.schedule"},
        Contradiction{"drug_past_horizon",
                      "[time]\ndays = 10.0\n[interventions]\nschedule = \"dexamethasone@11\"\n",
                      "interventions.schedule"},
        Contradiction{"mrd_not_below_cr", "[readouts]\nmrd_blast_fraction = 0.05\n",
                      "readouts.mrd_blast_fraction"}),
    [](const ::testing::TestParamInfo<Contradiction>& param) { return param.param.name; });

TEST(ModelParameters, CrossCheckSaysWhereEachValueWasSet) {
    const ParameterTable& table = model_parameter_table();
    Scenario scenario =
        load_scenario_text("[initial]\nblast_fraction = 0.9\n", "burden.toml", table);
    apply_override(scenario, "initial.b_cell_fraction=0.2", table);
    try {
        (void)to_model_parameters(scenario);
        ADD_FAILURE() << "no error";
    } catch (const ScenarioError& error) {
        const std::string what = error.what();
        EXPECT_NE(what.find("burden.toml: "), std::string::npos) << what;
        EXPECT_NE(what.find("initial.blast_fraction = 0.9 (set in burden.toml)"), std::string::npos)
            << what;
        EXPECT_NE(what.find("initial.b_cell_fraction = 0.2 (set by --set)"), std::string::npos)
            << what;
    }
}

TEST(ModelParameters, ConsistentEdgeCasesPass) {
    const ParameterTable& table = model_parameter_table();
    for (const std::string& text : {
             // 2-D periodic: nz = 1 is not coarsened; the lattice gets ~1 CAR-T cell of the dose.
             std::string("[space]\nperiodic = true\nnx = 200\nny = 100\nnz = 1\n"
                         "[cytokines]\nfield_coarsening = 2\n"),
             // Untreated: no dose needs no vessels.
             std::string("[space]\nvessel_fraction = 0.0\n[car_t]\ndose_cells = 0.0\n"),
             // Fractions summing to exactly 1; records every fine step.
             std::string("[initial]\nblast_fraction = 0.97\nb_cell_fraction = 0.03\n[time]\n"
                         "record_every_days = 0.000694444444444444\n"),
             // Slow clocks allowed when exactly one day.
             std::string("[time]\ntissue_period_steps = 1440\n"),
         }) {
        const Scenario scenario = load_scenario_text(text, "ok.toml", table);
        EXPECT_NO_THROW((void)to_model_parameters(scenario)) << text;
    }
}

// ---------------------------------------------------------------------------------------------
// Round trip through resolved TOML

void expect_same_parameters(const Parameters& a, const Parameters& b, const std::string& what) {
    for (const Field& field : all_fields()) {
        EXPECT_EQ(field.read(a), field.read(b)) << what << ": " << field.key;
    }
}

TEST(ModelParameters, ResolvedTomlOfDefaultsRoundTrips) {
    const ParameterTable& table = model_parameter_table();
    const Scenario scenario = default_scenario();
    const std::string text = render_resolved_toml(scenario, table);
    const Scenario reloaded = load_scenario_text(text, "resolved.toml", table);
    expect_same_parameters(to_model_parameters(scenario), to_model_parameters(reloaded),
                           "defaults");
    EXPECT_EQ(render_resolved_toml(reloaded, table).find("# set by --set"), std::string::npos);
}

TEST(ModelParameters, ResolvedTomlWithOverridesRoundTrips) {
    const ParameterTable& table = model_parameter_table();
    Scenario scenario = default_scenario();
    for (const char* assignment :
         {"run.seed=9223372036854775807", "blasts.cd19_loss_per_division=3.3e-5",
          "car_t.costimulation=CD28", "car_t.product_cd28.synapse_min=0.1e2", "space.nz=1",
          "time.days=0.1"}) {
        apply_override(scenario, assignment, table);
    }
    const Parameters before = to_model_parameters(scenario);
    EXPECT_EQ(before.seed, 9223372036854775807ULL);
    const Scenario reloaded =
        load_scenario_text(render_resolved_toml(scenario, table), "resolved.toml", table);
    expect_same_parameters(before, to_model_parameters(reloaded), "with overrides");
}

// ---------------------------------------------------------------------------------------------
// Scenario files and generated docs

/// The shipped scenario files: scenarios/*.toml and the benchmark scenarios
/// benchmarks/scenarios/*.toml (same rules: they load, convert and carry the table's comments).
std::vector<fs::path> scenario_files() {
    std::vector<fs::path> files;
    for (const char* directory : {"scenarios", "benchmarks/scenarios"}) {
        for (const auto& entry : fs::directory_iterator(fs::path(CARTSIM_SOURCE_DIR) / directory)) {
            if (entry.path().extension() == ".toml") files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

TEST(ModelParameters, EveryScenarioFileConverts) {
    const std::vector<fs::path> files = scenario_files();
    EXPECT_GE(files.size(), 10U);
    for (const fs::path& file : files) {
        SCOPED_TRACE(file.string());
        try {
            const Scenario scenario = load_scenario_file(file, model_parameter_table());
            EXPECT_FALSE(scenario.description.empty()) << "needs [scenario] description";
            EXPECT_EQ(scenario.name, file.stem().string()) << "[scenario] name = file stem";
            (void)to_model_parameters(scenario);
        } catch (const ScenarioError& error) {
            ADD_FAILURE() << error.what();
        }
    }
}

/// The comment above a key in a scenario file, copied from the table: render_resolved_toml's
/// comment without the default (which a file need not repeat).
std::string scenario_file_comment(const ParameterSpec& spec) {
    const bool number = spec.type == ParameterType::real || spec.type == ParameterType::integer;
    std::string comment = "# " + spec.description;
    const std::string unit = spec.unit.empty() && number ? "dimensionless" : spec.unit;
    if (!unit.empty()) comment += " [" + unit + "]";
    if (number) {
        comment += " range " + format_allowed(spec);
    } else if (spec.type == ParameterType::choice) {
        comment += "; one of " + format_allowed(spec);
    }
    return comment + "; source: " + spec.source;
}

TEST(ModelParameters, ScenarioFileKeysCarryTheTableComment) {
    // Each `name = value` line under a [section] follows the table's comment for that key (unit,
    // allowed range, source), so a reader of the file sees them without opening the docs.
    // [cohort] sections hold distributions (scenarios/cohort.hpp), checked by the loader.
    const ParameterTable& table = model_parameter_table();
    for (const fs::path& file : scenario_files()) {
        std::ifstream in(file);
        std::string line;
        std::string previous;
        std::string section;
        int line_number = 0;
        while (std::getline(in, line)) {
            ++line_number;
            const std::string where = file.filename().string() + ":" + std::to_string(line_number);
            if (line.rfind('[', 0) == 0) {
                section = line.substr(1, line.find(']') - 1);
            } else if (!section.empty() && section != "scenario" &&
                       section.rfind("cohort", 0) != 0 && !line.empty() && line[0] != '#' &&
                       line.find('=') != std::string::npos) {
                std::string name = line.substr(0, line.find('='));
                name.erase(name.find_last_not_of(' ') + 1);
                const ParameterSpec* spec = table.find(section + "." + name);
                if (spec == nullptr) {
                    ADD_FAILURE() << where << ": unknown key " << section << "." << name;
                    continue;
                }
                EXPECT_EQ(previous, scenario_file_comment(*spec))
                    << where << ": the line above " << spec->key
                    << " must be the table's comment (unit, range, source)";
            }
            previous = line;
        }
    }
}

TEST(ModelParameters, ParametersMarkdownIsUpToDate) {
    const std::string expected = parameter_reference_markdown();
    EXPECT_NE(expected.find(render_markdown_reference(model_parameter_table())), std::string::npos);
    const fs::path path = fs::path(CARTSIM_SOURCE_DIR) / "docs" / "PARAMETERS.md";
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    EXPECT_TRUE(in.is_open() && buffer.str() == expected)
        << path.string() << " is missing or out of date; regenerate with:\n"
        << "  cmake --build --preset release --target cartsim-gen-param-docs && "
        << CARTSIM_GEN_PARAM_DOCS;
}

}  // namespace
}  // namespace cartsim::scenarios
