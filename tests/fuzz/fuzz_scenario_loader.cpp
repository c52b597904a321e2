// libFuzzer target: arbitrary bytes as the text of a scenario file.
//
// Checks, for every input:
//   - load_scenario_text succeeds or throws a well-formed ScenarioError;
//   - a loaded scenario renders (render_resolved_toml) to a document that loads back to the same
//     name, description and values bit for bit, as the header promises;
//   - to_model_parameters on a loaded scenario succeeds or throws a well-formed ScenarioError
//     naming the scenario's path.
// The input stands for a file in scenarios/, so `inherits = "baseline_cd19_41bb.toml"` in a seed
// reaches the real scenario files.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "scenario_contract.hpp"
#include "scenarios/model_parameters.hpp"
#include "scenarios/scenario_loader.hpp"

namespace {

using cartsim::fuzz::report_violation;
using cartsim::fuzz::same_bits;
using cartsim::fuzz::succeeds_or_throws_scenario_error;
namespace scenarios = cartsim::scenarios;

constexpr std::string_view kInputOrigin = CARTSIM_SOURCE_DIR "/scenarios/fuzz-input.toml";
constexpr std::string_view kResolvedOrigin = "<resolved>";

void check_resolved_round_trip(const scenarios::Scenario& loaded,
                               const scenarios::ParameterTable& table) {
    const std::string resolved = scenarios::render_resolved_toml(loaded, table);
    std::optional<scenarios::Scenario> reloaded;
    if (!succeeds_or_throws_scenario_error("reloading the resolved TOML", "", [&] {
            reloaded = scenarios::load_scenario_text(resolved, kResolvedOrigin, table);
        })) {
        report_violation("reloading the resolved TOML", "the resolved document does not load",
                         resolved);
    }
    if (reloaded->name != loaded.name || reloaded->description != loaded.description) {
        report_violation("reloading the resolved TOML", "name or description changed", resolved);
    }
    const auto& before = loaded.values.entries();
    const auto& after = reloaded->values.entries();
    if (before.size() != after.size()) {
        report_violation("reloading the resolved TOML", "parameter count changed", resolved);
    }
    for (std::size_t i = 0; i < before.size(); ++i) {
        if (before[i].key != after[i].key || !same_bits(before[i].value, after[i].value)) {
            report_violation("reloading the resolved TOML",
                             "value of " + before[i].key + " changed", resolved);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const scenarios::ParameterTable& table = scenarios::model_parameter_table();

    std::optional<scenarios::Scenario> scenario;
    if (!succeeds_or_throws_scenario_error("load_scenario_text", "", [&] {
            scenario = scenarios::load_scenario_text(text, kInputOrigin, table);
        })) {
        return 0;
    }
    check_resolved_round_trip(*scenario, table);
    succeeds_or_throws_scenario_error("to_model_parameters", scenario->path,
                                      [&] { (void)scenarios::to_model_parameters(*scenario); });
    return 0;
}
