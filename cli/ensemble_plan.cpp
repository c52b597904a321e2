#include "cli/ensemble_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "cli/run_simulation.hpp"
#include "engine/random.hpp"
#include "scenarios/model_parameters.hpp"
#include "scenarios/scenario_error.hpp"
#include "scenarios/scenario_loader.hpp"

namespace cartsim::cli {
namespace {

constexpr std::int64_t kMaxRuns = 1000000;
constexpr std::int64_t kDefaultGridSamples = 3;
constexpr std::int64_t kDefaultLhsSamples = 10;

/// A value as `--set` takes it (strings without quotes).
std::string set_text(const scenarios::ParameterValue& value) {
    if (const auto* text = std::get_if<std::string>(&value)) return *text;
    return scenarios::format_value(value);
}

std::string toml_string(const std::string& text) {
    return scenarios::format_value(scenarios::ParameterValue(text));
}

/// Lines that define something: no comments, no blank lines, no `command = ...`.
std::vector<std::string> defining_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);) {
        const std::size_t first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#') continue;
        if (line.rfind("command = ", first) == first) continue;
        lines.push_back(line.substr(first));
    }
    return lines;
}

}  // namespace

std::uint64_t derive_run_seed(std::uint64_t base_seed, std::uint64_t index) {
    engine::RandomStream random(base_seed, StreamId::ensemble_run_seed, 0, index);
    return random.bits() >> 1;
}

std::string run_file_name(std::size_t index) {
    return fmt::format("run_{:04d}.h5", index);
}

EnsemblePlan make_plan(const EnsembleDefinition& definition) {
    const scenarios::ParameterTable& table = scenarios::model_parameter_table();
    if (definition.replicates < 1 || definition.replicates > kMaxRuns) {
        throw UsageError(fmt::format("--replicates must be in [1, {}], got {}", kMaxRuns,
                                     definition.replicates));
    }
    if (definition.samples && (*definition.samples < 1 || *definition.samples > kMaxRuns)) {
        throw UsageError(
            fmt::format("--samples must be in [1, {}], got {}", kMaxRuns, *definition.samples));
    }
    if (definition.design_file) {
        if (!definition.vary.empty()) {
            throw UsageError(
                "--design-file and --vary exclude each other: the design file's columns are the "
                "varied keys");
        }
        if (definition.samples) {
            throw UsageError(
                "--samples does not apply to --design-file: each row of the file is one point");
        }
        if (definition.design != scenarios::DesignKind::grid) {
            throw UsageError("--design and --design-file exclude each other");
        }
    }
    std::vector<scenarios::VariedRange> ranges;
    for (const std::string& text : definition.vary) {
        ranges.push_back(scenarios::parse_varied_range(text, table));
        for (std::size_t k = 0; k + 1 < ranges.size(); ++k) {
            if (ranges[k].key == ranges.back().key) {
                throw scenarios::ScenarioError("--vary", ranges.back().key,
                                               fmt::format("{} is varied twice", ranges[k].key));
            }
        }
    }
    if (ranges.empty() && definition.samples) {
        throw UsageError("--samples needs at least one --vary KEY=LO:HI");
    }
    if (ranges.empty() && definition.design == scenarios::DesignKind::lhs) {
        throw UsageError("--design lhs needs at least one --vary KEY=LO:HI");
    }

    const scenarios::Scenario base = load_resolved_scenario(
        definition.scenario_path, definition.sets, std::nullopt, definition.days);
    scenarios::to_model_parameters(base);  // the base itself must be valid
    EnsemblePlan plan;
    plan.scenario_name = base.name;
    plan.base_toml = scenarios::render_resolved_toml(base, table);
    plan.base_seed = static_cast<std::uint64_t>(base.values.integer("run.seed"));
    plan.replicates = definition.replicates;
    for (const auto& range : ranges) plan.input_keys.push_back(range.key);
    std::optional<scenarios::DesignFile> design;
    if (definition.design_file) {
        design = scenarios::read_design_file(*definition.design_file, table);
        plan.input_keys = design->keys;
        plan.design_lines = design->lines;
    }
    // A --set on a key the cohort samples fixes it for every patient ("the same patients with a
    // short vein-to-vein interval"); without this the sampled value would silently win.
    std::vector<std::string> set_keys;
    for (const std::string& assignment : definition.sets) {
        set_keys.push_back(scenarios::override_key(assignment));
    }
    const auto is_set = [&](const std::string& key) {
        return std::find(set_keys.begin(), set_keys.end(), key) != set_keys.end();
    };
    if (design) {
        const std::string file = definition.design_file->string();
        for (std::size_t column = 0; column < design->keys.size(); ++column) {
            const std::string& key = design->keys[column];
            if (is_set(key)) {
                throw scenarios::ScenarioError(
                    file + " header", key,
                    fmt::format("column {} ({}) is also given by --set {}=...: a design column "
                                "sets the key in every run; drop one of them",
                                column + 1, key, key));
            }
            if (definition.days && key == "time.days") {
                throw scenarios::ScenarioError(
                    file + " header", key,
                    fmt::format("column {} (time.days) is also given by --days; drop one of them",
                                column + 1));
            }
            if (base.cohort) {
                for (const auto& d : base.cohort->distributions) {
                    if (d.key == key) {
                        throw scenarios::ScenarioError(
                            file + " header", key,
                            fmt::format("column {} ({}) is also sampled by [cohort] of {}; "
                                        "remove the column or the [cohort.{}] section",
                                        column + 1, key, base.cohort->origin, key));
                    }
                }
            }
        }
    }
    if (base.cohort) {
        plan.patients = base.cohort->patients;
        for (const auto& d : base.cohort->distributions) {
            if (is_set(d.key)) {
                plan.fixed_cohort_keys.push_back(d.key);
                continue;
            }
            if (std::find(plan.input_keys.begin(), plan.input_keys.end(), d.key) !=
                plan.input_keys.end()) {
                throw scenarios::ScenarioError(
                    "--vary", d.key,
                    fmt::format("{} is both varied and sampled by [cohort] of {}", d.key,
                                base.cohort->origin));
            }
            plan.input_keys.push_back(d.key);
        }
    }

    const std::int64_t samples = definition.samples.value_or(
        definition.design == scenarios::DesignKind::lhs ? kDefaultLhsSamples : kDefaultGridSamples);
    double grid_points = 1.0;
    for (std::size_t k = 0; k < ranges.size(); ++k) grid_points *= static_cast<double>(samples);
    const double design_points = design ? static_cast<double>(design->points.size())
                                 : definition.design == scenarios::DesignKind::grid
                                     ? grid_points
                                     : static_cast<double>(ranges.empty() ? 1 : samples);
    const double total = design_points *
                         static_cast<double>(std::max<std::int64_t>(plan.patients, 1)) *
                         static_cast<double>(definition.replicates);
    if (total > static_cast<double>(kMaxRuns)) {
        throw UsageError(
            fmt::format("the ensemble would have {:g} runs, more than {}", total, kMaxRuns));
    }
    const std::vector<std::vector<double>> points =
        design ? std::vector<std::vector<double>>()
        : definition.design == scenarios::DesignKind::grid
            ? scenarios::grid_design(ranges, samples)
            : scenarios::lhs_design(ranges, samples, plan.base_seed);
    plan.points = static_cast<std::int64_t>(design ? design->points.size() : points.size());

    const std::int64_t patients = std::max<std::int64_t>(plan.patients, 1);
    std::vector<std::vector<scenarios::SampledValue>> patient_values(
        static_cast<std::size_t>(patients));
    if (base.cohort) {
        for (std::int64_t p = 0; p < patients; ++p) {
            patient_values[static_cast<std::size_t>(p)] = scenarios::sample_patient(
                *base.cohort, table, plan.base_seed, static_cast<std::uint64_t>(p));
        }
    }
    for (std::int64_t point = 0; point < plan.points; ++point) {
        for (std::int64_t patient = 0; patient < patients; ++patient) {
            for (std::int64_t replicate = 0; replicate < plan.replicates; ++replicate) {
                PlannedRun run;
                run.index = plan.runs.size();
                run.seed = derive_run_seed(plan.base_seed, run.index);
                run.point = point;
                run.patient = base.cohort ? patient : -1;
                run.replicate = replicate;
                if (design) run.inputs = design->points[static_cast<std::size_t>(point)];
                for (std::size_t k = 0; k < ranges.size(); ++k) {
                    run.inputs.push_back(scenarios::design_value(
                        table.at(ranges[k].key), points[static_cast<std::size_t>(point)][k]));
                }
                for (const auto& sampled : patient_values[static_cast<std::size_t>(patient)]) {
                    if (!is_set(sampled.key)) run.inputs.push_back(sampled.value);
                }
                plan.runs.push_back(std::move(run));
            }
        }
    }

    // Every run's parameters, checked as `cartsim run` would (e.g. a sampled blast fraction
    // that with the B-cell fraction exceeds 1).
    for (const PlannedRun& run : plan.runs) {
        scenarios::Scenario scenario = base;
        try {
            for (const std::string& assignment : run_set_arguments(plan, run)) {
                scenarios::apply_override(scenario, assignment, table);
            }
            scenarios::to_model_parameters(scenario);
        } catch (const scenarios::ScenarioError& error) {
            if (design) {
                // Name the row: the point's values contradict the scenario (or each other).
                throw scenarios::ScenarioError(
                    fmt::format("{} row {} (line {})", definition.design_file->string(),
                                run.point + 1,
                                plan.design_lines[static_cast<std::size_t>(run.point)]),
                    error.key(),
                    fmt::format("run {} of the ensemble: {}", run.index, error.detail()));
            }
            throw scenarios::ScenarioError(
                error.origin(), error.key(),
                fmt::format("run {} of the ensemble: {}", run.index, error.detail()));
        }
    }
    return plan;
}

std::vector<std::string> run_set_arguments(const EnsemblePlan& plan, const PlannedRun& run) {
    std::vector<std::string> sets;
    for (std::size_t k = 0; k < plan.input_keys.size(); ++k) {
        sets.push_back(plan.input_keys[k] + "=" + set_text(run.inputs[k]));
    }
    return sets;
}

std::string plan_text(const EnsemblePlan& plan, const EnsembleDefinition& definition,
                      const std::string& command) {
    std::string text =
        "# cartsim ensemble plan, written by the first invocation of `command`. A rerun with\n"
        "# arguments that give another plan is refused; scenario.toml beside this file is the\n"
        "# resolved base scenario every run loads. One run per line of `runs`:\n"
        "# \"<file> --seed <seed> [--set key=value]...\".\n";
    text += fmt::format("command = {}\n\n[plan]\n", toml_string(command));
    text += fmt::format("# scenario = {}\n", toml_string(definition.scenario_path.string()));
    text += fmt::format("scenario_name = {}\n", toml_string(plan.scenario_name));
    text += fmt::format("base_seed = {}\n", plan.base_seed);
    if (definition.design_file) {
        // The rows themselves are in `runs`: another file with other rows is another plan.
        text += fmt::format("# design_file = {}\n", toml_string(definition.design_file->string()));
        text += "design = \"file\"\n";
    } else {
        text += fmt::format("design = \"{}\"\n",
                            definition.design == scenarios::DesignKind::grid ? "grid" : "lhs");
    }
    text += fmt::format("points = {}\npatients = {}\nreplicates = {}\n", plan.points, plan.patients,
                        plan.replicates);
    text += "vary = [";
    for (std::size_t i = 0; i < definition.vary.size(); ++i) {
        text += (i > 0 ? ", " : "") + toml_string(definition.vary[i]);
    }
    text += "]\ninput_keys = [";
    for (std::size_t i = 0; i < plan.input_keys.size(); ++i) {
        text += (i > 0 ? ", " : "") + toml_string(plan.input_keys[i]);
    }
    text += "]\nruns = [\n";
    for (const PlannedRun& run : plan.runs) {
        std::string line = fmt::format("{} --seed {}", run_file_name(run.index), run.seed);
        for (const std::string& set : run_set_arguments(plan, run)) line += " --set " + set;
        text += "    " + toml_string(line) + ",\n";
    }
    text += "]\n";
    return text;
}

std::optional<std::string> plan_difference(const std::string& stored, const std::string& fresh) {
    const std::vector<std::string> a = defining_lines(stored);
    const std::vector<std::string> b = defining_lines(fresh);
    for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
        const std::string old_line = i < a.size() ? a[i] : std::string("(nothing)");
        const std::string new_line = i < b.size() ? b[i] : std::string("(nothing)");
        if (old_line != new_line) return fmt::format("'{}' is now '{}'", old_line, new_line);
    }
    return std::nullopt;
}

}  // namespace cartsim::cli
