#pragma once
// A small generic parameter table (walkers on a grid) shared by the scenarios tests; no biology.

#include "scenarios/parameter_table.hpp"

namespace cartsim::scenarios::testing {

inline ParameterTable walker_grid_table() {
    ParameterTable table;
    table.add({.key = "walker.speed_um_per_min",
               .type = ParameterType::real,
               .unit = "um/min",
               .default_value = 10.0,
               .min = 0.0,
               .max = 30.0,
               .description = "Walking speed",
               .source = "calibrate: test value"});
    table.add({.key = "walker.count",
               .type = ParameterType::integer,
               .unit = "agents",
               .default_value = 100,
               .min = 1,
               .description = "Initial number of walkers",
               .source = "calibrate: test value"});
    table.add({.key = "walker.enabled",
               .type = ParameterType::boolean,
               .default_value = true,
               .description = "Whether walkers move",
               .source = "calibrate: test value"});
    table.add({.key = "walker.mode",
               .type = ParameterType::choice,
               .default_value = "crawl",
               .choices = {"crawl", "jump"},
               .description = "How walkers move",
               .source = "calibrate: test value"});
    table.add({.key = "grid.spacing.x_um",
               .type = ParameterType::real,
               .unit = "um",
               .default_value = 2.5,
               .min = 0.5,
               .max = 10.0,
               .description = "Site spacing along x",
               .source = "calibrate: test value"});
    table.add({.key = "output.path",
               .type = ParameterType::text,
               .default_value = "out.h5",
               .description = "Output file",
               .source = "calibrate: test value"});
    return table;
}

}  // namespace cartsim::scenarios::testing
