#pragma once
// The contract the scenario fuzzers check: for any input, scenario code either succeeds or throws
// scenarios::ScenarioError in its documented form ("<origin>: <detail>", naming the key when
// there is one). Anything else is a finding: the harness prints what happened and aborts, so
// libFuzzer saves the input as a crash artifact.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>
#include <variant>
#include <vector>

#include "scenarios/parameter_table.hpp"
#include "scenarios/scenario_error.hpp"

namespace cartsim::fuzz {

[[noreturn]] inline void report_violation(std::string_view stage, std::string_view problem,
                                          std::string_view message) {
    std::fprintf(stderr, "\n*** scenario contract violated in %.*s: %.*s\n*** message: %.*s\n",
                 static_cast<int>(stage.size()), stage.data(), static_cast<int>(problem.size()),
                 problem.data(), static_cast<int>(message.size()), message.data());
    std::abort();
}

/// The documented shape of a ScenarioError (scenarios/scenario_error.hpp). `expected_origin`
/// empty: any non-empty origin (a loader error may come from an inherited file).
inline void check_scenario_error(std::string_view stage, const scenarios::ScenarioError& error,
                                 std::string_view expected_origin) {
    const std::string_view message = error.what();
    if (message.empty()) report_violation(stage, "empty message", message);
    if (error.origin().empty()) report_violation(stage, "no origin (file or --set)", message);
    if (!expected_origin.empty() && error.origin() != expected_origin) {
        report_violation(stage, "origin is not " + std::string(expected_origin), message);
    }
    if (error.detail().empty()) report_violation(stage, "empty detail", message);
    if (!message.starts_with(error.origin() + ": ")) {
        report_violation(stage, "message does not start with \"<origin>: \"", message);
    }
    if (!error.key().empty() && message.find(error.key()) == std::string_view::npos) {
        report_violation(stage, "message does not name the key " + error.key(), message);
    }
}

/// Runs `action`; returns true when it succeeded, false when it threw a well-formed
/// ScenarioError, and aborts on any other outcome.
template <typename Action>
bool succeeds_or_throws_scenario_error(std::string_view stage, std::string_view expected_origin,
                                       Action&& action) {
    try {
        action();
        return true;
    } catch (const scenarios::ScenarioError& error) {
        check_scenario_error(stage, error, expected_origin);
        return false;
    } catch (const std::exception& error) {
        report_violation(stage, std::string("unexpected exception type ") + typeid(error).name(),
                         error.what());
    } catch (...) {
        report_violation(stage, "a non-std::exception was thrown", "");
    }
}

/// Equal values, telling -0.0 from 0.0 ("bit for bit").
inline bool same_bits(const scenarios::ParameterValue& a, const scenarios::ParameterValue& b) {
    if (a.index() != b.index()) return false;
    if (const double* real = std::get_if<double>(&a)) {
        return std::bit_cast<std::uint64_t>(*real) ==
               std::bit_cast<std::uint64_t>(std::get<double>(b));
    }
    return a == b;
}

/// Same keys, values (bit for bit) and provenance.
inline bool same_entries(const std::vector<scenarios::ParameterEntry>& a,
                         const std::vector<scenarios::ParameterEntry>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].key != b[i].key || a[i].type != b[i].type || !same_bits(a[i].value, b[i].value) ||
            a[i].source != b[i].source || a[i].set_by != b[i].set_by) {
            return false;
        }
    }
    return true;
}

}  // namespace cartsim::fuzz
