#pragma once
// Reading the [cohort] section of a parsed scenario document (scenarios/cohort.hpp). Internal to
// scenarios/: the only header of the layer that exposes toml++.

#include <toml++/toml.h>

#include <string>

#include "scenarios/cohort.hpp"
#include "scenarios/parameter_table.hpp"

namespace cartsim::scenarios {

/// Validates and converts [cohort]. Throws ScenarioError(origin, "cohort.<key>", ...) naming the
/// key, the distribution and the allowed range: an unknown key (with a suggestion), a
/// distribution that does not fit the key's type, a range outside the key's allowed range,
/// min > max, loguniform or lognormal with values <= 0, a missing or unknown field.
CohortSpec read_cohort_section(const toml::node& node, const std::string& origin,
                               const ParameterTable& table);

}  // namespace cartsim::scenarios
