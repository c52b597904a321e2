// libFuzzer target: arbitrary bytes as `--set key=value` arguments, one per line, applied in
// order to a scenario holding the defaults, as `cartsim run ... --set a=1 --set b=2` does.
//
// Checks, for every input:
//   - apply_override succeeds or throws a well-formed ScenarioError whose origin is "--set";
//   - a successful override records its value as set by --set; a failed one changes nothing
//     (the command line stops at the first error, but the API promises no partial update, and
//     going on lets later lines reach the checks below);
//   - to_model_parameters after all lines succeeds or throws a well-formed ScenarioError naming
//     the scenario's path (combinations of overrides reach the cross-parameter checks).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scenario_contract.hpp"
#include "scenarios/model_parameters.hpp"
#include "scenarios/scenario_loader.hpp"

namespace {

using cartsim::fuzz::report_violation;
using cartsim::fuzz::same_entries;
using cartsim::fuzz::succeeds_or_throws_scenario_error;
namespace scenarios = cartsim::scenarios;

constexpr std::string_view kSetOrigin = "--set";
constexpr std::string_view kScenarioPath = "fuzz-defaults.toml";

/// The key part of an assignment as apply_override reads it (spaces and tabs trimmed).
std::string_view key_of(std::string_view assignment) {
    std::string_view key = assignment.substr(0, assignment.find('='));
    const std::size_t first = key.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const std::size_t last = key.find_last_not_of(" \t");
    return key.substr(first, last - first + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const scenarios::ParameterTable& table = scenarios::model_parameter_table();
    scenarios::Scenario scenario{
        scenarios::ParameterSet(table), std::string(kScenarioPath), "fuzz-defaults", "", {}, {}};

    std::size_t line_start = 0;
    while (line_start <= input.size()) {
        const std::size_t line_end = std::min(input.find('\n', line_start), input.size());
        const std::string_view assignment = input.substr(line_start, line_end - line_start);
        line_start = line_end + 1;
        const std::vector<scenarios::ParameterEntry> before = scenario.values.entries();
        if (!succeeds_or_throws_scenario_error("apply_override", kSetOrigin, [&] {
                scenarios::apply_override(scenario, assignment, table);
            })) {
            if (!same_entries(scenario.values.entries(), before)) {
                report_violation("apply_override", "a failed override changed values", assignment);
            }
            continue;
        }
        const scenarios::ParameterEntry& entry = scenario.values.entry(key_of(assignment));
        if (entry.source != scenarios::ValueSource::set_option || entry.set_by != kSetOrigin) {
            report_violation("apply_override", "the value is not recorded as set by --set",
                             assignment);
        }
    }
    succeeds_or_throws_scenario_error("to_model_parameters", kScenarioPath,
                                      [&] { (void)scenarios::to_model_parameters(scenario); });
    return 0;
}
