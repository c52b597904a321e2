#pragma once
// The model's parameters as scenario keys: the table (key, type, unit, default, allowed range,
// description, source) and the conversion of a loaded scenario into agents::Parameters.
//
// Keys mirror agents::Parameters: "blasts.birth_rate_per_day" is Parameters::blasts.
// birth_rate_per_day; the two top-level members live in [run] (run.seed, run.well_mixed). Every
// default is read from a default-constructed agents::Parameters, so defaults live in one place
// (agents/parameters.hpp). A new member of agents::Parameters needs one entry in
// model_parameters.cpp; tests/scenarios/test_model_parameters.cpp fails until it has one.

#include <string>

#include "agents/parameters.hpp"
#include "scenarios/parameter_table.hpp"
#include "scenarios/scenario_loader.hpp"

namespace cartsim::scenarios {

/// Every model parameter: key, type, unit, default (taken from a default-constructed
/// agents::Parameters, so defaults live in one place), allowed range, one-line description,
/// source. Built once; immutable.
const ParameterTable& model_parameter_table();

/// Typed parameters from a loaded scenario (after --set overrides). Each value is already inside
/// its own range (the loader checked it); this adds the checks between parameters and throws
/// ScenarioError(scenario.path, key, detail) for contradictory settings, e.g.
/// initial.blast_fraction + initial.b_cell_fraction > 1, time.record_every_days shorter than one
/// fine step, a periodic space whose extents are not multiples of cytokines.field_coarsening,
/// coarse clocks longer than a day, CRS grade thresholds not increasing, a lattice of 2^32 - 1
/// sites or more. The detail names every key involved and where each value was set.
/// `scenario.values` must come from model_parameter_table() (else std::logic_error).
agents::Parameters to_model_parameters(const Scenario& scenario);

/// The text of docs/PARAMETERS.md: a short preface (units, how to override with --set, where
/// the sources come from) followed by render_markdown_reference(model_parameter_table()).
std::string parameter_reference_markdown();

}  // namespace cartsim::scenarios
