#include "scenarios/cohort.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "engine/random.hpp"
#include "scenarios/cohort_toml.hpp"
#include "scenarios/scenario_error.hpp"
#include "scenarios/scenario_loader.hpp"

namespace cartsim::scenarios {
namespace {

constexpr std::int64_t kMaxPatients = 1000000;
/// Draws of a truncated normal or log-normal before giving up and taking the nearest bound.
constexpr int kMaxRejections = 10000;

struct KindName {
    DistributionKind kind;
    std::string_view name;
};
constexpr KindName kKindNames[] = {
    {DistributionKind::uniform, "uniform"},     {DistributionKind::loguniform, "loguniform"},
    {DistributionKind::normal, "normal"},       {DistributionKind::lognormal, "lognormal"},
    {DistributionKind::bernoulli, "bernoulli"}, {DistributionKind::choice, "choice"},
};

/// A stable counter for a key (FNV-1a): samples do not move when parameters are added.
std::uint64_t key_counter(std::string_view key) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : key) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

double truncated(engine::RandomStream& random, double lower, double upper, double fallback,
                 const auto& draw) {
    for (int attempt = 0; attempt < kMaxRejections; ++attempt) {
        const double x = draw(random);
        if (x >= lower && x <= upper) return x;
    }
    return std::clamp(fallback, lower, upper);
}

ParameterValue as_parameter_value(const ParameterSpec& spec, double x) {
    x = std::clamp(x, spec.min, spec.max);
    if (spec.type == ParameterType::integer) {
        return ParameterValue(static_cast<std::int64_t>(std::llround(x)));
    }
    return ParameterValue(x);
}

// ---------------------------------------------------------------------------------------------
// Reading [cohort]

class CohortReader {
  public:
    CohortReader(const std::string& origin, const ParameterTable& table)
        : origin_(origin), table_(table) {}

    CohortSpec read(const toml::node& node) {
        const toml::table* section = node.as_table();
        if (section == nullptr) fail("cohort", "cohort must be a table ([cohort])");
        CohortSpec spec;
        spec.origin = origin_;
        bool has_patients = false;
        for (auto&& [component, value] : *section) {
            const std::string name(component.str());
            check_component(name);
            if (name == "patients") {
                const auto* patients = value.as_integer();
                if (patients == nullptr || patients->get() < 1 || patients->get() > kMaxPatients) {
                    fail("cohort.patients",
                         fmt::format("cohort.patients must be a whole number in [1, {}]",
                                     kMaxPatients));
                }
                spec.patients = patients->get();
                has_patients = true;
            } else {
                read_entry(value, name, spec);
            }
        }
        if (!has_patients) fail("cohort.patients", "[cohort] needs patients = N");
        return spec;
    }

  private:
    [[noreturn]] void fail(const std::string& key, const std::string& detail) const {
        throw ScenarioError(origin_, key, detail);
    }

    // A quoted TOML key (one holding a dot, or control characters) is never a parameter.
    void check_component(std::string_view component) const {
        const bool bare =
            !component.empty() && std::all_of(component.begin(), component.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
            });
        if (!bare) {
            fail("cohort", fmt::format("[cohort] holds parameter keys like car_t.dose_cells, got "
                                       "the quoted key {}",
                                       format_value(ParameterValue(std::string(component)))));
        }
    }

    // A table is either a distribution (it has `distribution`) or a section of keys.
    void read_entry(const toml::node& node, const std::string& key, CohortSpec& spec) {
        check_key_length(key, origin_);  // before any suggestion search on it
        const toml::table* table = node.as_table();
        if (table == nullptr) {
            fail("cohort." + key,
                 fmt::format("cohort.{} must be a distribution table, e.g. [cohort.{}] with "
                             "distribution = \"uniform\", min = ..., max = ...",
                             key, key));
        }
        if (table->contains("distribution")) {
            spec.distributions.push_back(read_distribution(*table, key));
            for (std::size_t i = 0; i + 1 < spec.distributions.size(); ++i) {
                if (spec.distributions[i].key == key) fail("cohort." + key, "given twice");
            }
            return;
        }
        if (!table_.is_section(key) && !table_.contains(key)) {
            fail("cohort." + key, "cohort: " + unknown_key_message(key, table_));
        }
        for (auto&& [component, value] : *table) {
            check_component(component.str());
            read_entry(value, key + "." + std::string(component.str()), spec);
        }
    }

    double number(const toml::table& table, const std::string& key, std::string_view field) const {
        const toml::node* node = table.get(field);
        std::optional<double> value;
        if (node != nullptr) {
            if (const auto* real = node->as_floating_point()) value = real->get();
            if (const auto* integer = node->as_integer()) {
                value = static_cast<double>(integer->get());
            }
        }
        if (!value || !std::isfinite(*value)) {
            fail("cohort." + key, fmt::format("cohort.{}: {} needs a finite number {}", key,
                                              distribution_of(table), field));
        }
        return *value;
    }

    std::string distribution_of(const toml::table& table) const {
        const auto* name = table.get("distribution")->as_string();
        return name == nullptr ? std::string("?") : std::string(name->get());
    }

    CohortDistribution read_distribution(const toml::table& table, const std::string& key) {
        const std::string where = "cohort." + key;
        const ParameterSpec* spec = table_.find(key);
        if (spec == nullptr) fail(where, "cohort: " + unknown_key_message(key, table_));
        if (key == "run.seed") {
            fail(where, "cohort.run.seed: run seeds are derived by the ensemble, not sampled");
        }
        const auto* name = table.get("distribution")->as_string();
        std::optional<DistributionKind> kind;
        for (const auto& [k, n] : kKindNames) {
            if (name != nullptr && name->get() == n) kind = k;
        }
        if (!kind) {
            fail(where, fmt::format("cohort.{}: distribution must be one of \"uniform\", "
                                    "\"loguniform\", \"normal\", \"lognormal\", \"bernoulli\", "
                                    "\"choice\"",
                                    key));
        }
        CohortDistribution d;
        d.key = key;
        d.kind = *kind;
        const bool numeric =
            spec->type == ParameterType::real || spec->type == ParameterType::integer;
        std::set<std::string> fields{"distribution"};
        const std::string range =
            fmt::format("{}{}", format_allowed(*spec), spec->unit.empty() ? "" : " " + spec->unit);
        const auto check_inside = [&](double value, std::string_view field) {
            if (value < spec->min || value > spec->max) {
                fail(where, fmt::format("cohort.{}: {} = {} is outside the allowed range {}", key,
                                        field, format_value(value), range));
            }
        };
        if (*kind != DistributionKind::bernoulli && *kind != DistributionKind::choice && !numeric) {
            fail(where, fmt::format("cohort.{}: a {} distribution needs a real or integer "
                                    "parameter; {} is {} (use bernoulli or choice)",
                                    key, distribution_name(*kind), key, type_name(spec->type)));
        }
        switch (*kind) {
            case DistributionKind::uniform:
            case DistributionKind::loguniform: {
                d.a = number(table, key, "min");
                d.b = number(table, key, "max");
                fields.insert({"min", "max"});
                if (d.a > d.b) {
                    fail(where, fmt::format("cohort.{}: min = {} is above max = {}", key,
                                            format_value(d.a), format_value(d.b)));
                }
                if (*kind == DistributionKind::loguniform && !(d.a > 0.0)) {
                    fail(where, fmt::format("cohort.{}: loguniform needs min > 0, got {}", key,
                                            format_value(d.a)));
                }
                check_inside(d.a, "min");
                check_inside(d.b, "max");
                d.lower = d.a;
                d.upper = d.b;
                break;
            }
            case DistributionKind::normal:
            case DistributionKind::lognormal: {
                const bool log = *kind == DistributionKind::lognormal;
                d.a = number(table, key, log ? "median" : "mean");
                d.b = number(table, key, log ? "log_sd" : "sd");
                fields.insert({log ? "median" : "mean", log ? "log_sd" : "sd"});
                if (!(d.b > 0.0)) {
                    fail(where, fmt::format("cohort.{}: {} must be > 0, got {}", key,
                                            log ? "log_sd" : "sd", format_value(d.b)));
                }
                if (log && !(d.a > 0.0)) {
                    fail(where, fmt::format("cohort.{}: lognormal needs median > 0, got {}", key,
                                            format_value(d.a)));
                }
                d.lower = spec->min;
                d.upper = spec->max;
                if (table.contains("min")) {
                    d.lower = number(table, key, "min");
                    check_inside(d.lower, "min");
                }
                if (table.contains("max")) {
                    d.upper = number(table, key, "max");
                    check_inside(d.upper, "max");
                }
                fields.insert({"min", "max"});
                if (!(d.lower <= d.a && d.a <= d.upper)) {
                    fail(where, fmt::format("cohort.{}: {} = {} must lie inside the truncation "
                                            "range [{}, {}]",
                                            key, log ? "median" : "mean", format_value(d.a),
                                            format_value(d.lower), format_value(d.upper)));
                }
                break;
            }
            case DistributionKind::bernoulli:
                if (spec->type != ParameterType::boolean) {
                    fail(where, fmt::format("cohort.{}: bernoulli needs a boolean parameter; {} is "
                                            "{}",
                                            key, key, type_name(spec->type)));
                }
                d.a = number(table, key, "p");
                fields.insert("p");
                if (d.a < 0.0 || d.a > 1.0) {
                    fail(where, fmt::format("cohort.{}: p = {} must be in [0, 1]", key,
                                            format_value(d.a)));
                }
                break;
            case DistributionKind::choice:
                read_choice(table, *spec, d);
                fields.insert({"values", "weights"});
                break;
        }
        for (auto&& [component, value] : table) {
            if (!fields.contains(std::string(component.str()))) {
                fail(where, fmt::format("cohort.{}: unknown field {} of a {} distribution", key,
                                        component.str(), distribution_name(*kind)));
            }
        }
        return d;
    }

    void read_choice(const toml::table& table, const ParameterSpec& spec, CohortDistribution& d) {
        const std::string where = "cohort." + spec.key;
        const toml::array* values = table.get_as<toml::array>("values");
        if (values == nullptr || values->empty()) {
            fail(where, fmt::format("cohort.{}: choice needs a non-empty array values", spec.key));
        }
        for (const toml::node& node : *values) {
            std::optional<ParameterValue> value;
            if (const auto* real = node.as_floating_point()) value = real->get();
            if (const auto* integer = node.as_integer()) {
                value = spec.type == ParameterType::real
                            ? ParameterValue(static_cast<double>(integer->get()))
                            : ParameterValue(integer->get());
            }
            if (const auto* flag = node.as_boolean()) value = flag->get();
            if (const auto* text = node.as_string()) value = std::string(text->get());
            std::optional<std::string> problem =
                value ? value_problem(spec, *value)
                      : std::optional<std::string>("values must be numbers, booleans or strings");
            if (problem) fail(where, fmt::format("cohort.{}: {}", spec.key, *problem));
            d.values.push_back(*value);
        }
        d.weights.assign(d.values.size(), 1.0);
        if (const toml::array* weights = table.get_as<toml::array>("weights")) {
            if (weights->size() != d.values.size()) {
                fail(where, fmt::format("cohort.{}: weights needs one number per value ({})",
                                        spec.key, d.values.size()));
            }
            double sum = 0.0;
            for (std::size_t i = 0; i < weights->size(); ++i) {
                const toml::node& node = *weights->get(i);
                const std::optional<double> w = node.value<double>();
                if (!w || !(*w >= 0.0) || !std::isfinite(*w)) {
                    fail(where, fmt::format("cohort.{}: weights must be numbers >= 0", spec.key));
                }
                d.weights[i] = *w;
                sum += *w;
            }
            if (!(sum > 0.0)) {
                fail(where, fmt::format("cohort.{}: weights must not all be 0", spec.key));
            }
        }
    }

    const std::string& origin_;
    const ParameterTable& table_;
};

}  // namespace

std::string_view distribution_name(DistributionKind kind) {
    for (const auto& [k, name] : kKindNames) {
        if (k == kind) return name;
    }
    return "?";
}

CohortSpec read_cohort_section(const toml::node& node, const std::string& origin,
                               const ParameterTable& table) {
    return CohortReader(origin, table).read(node);
}

ParameterValue sample_value(const CohortDistribution& d, const ParameterSpec& spec,
                            std::uint64_t base_seed, std::uint64_t patient) {
    engine::RandomStream random(base_seed, StreamId::cohort_patient, patient, key_counter(d.key));
    switch (d.kind) {
        case DistributionKind::uniform:
            return as_parameter_value(spec, d.a + (d.b - d.a) * (1.0 - random.uniform()));
        case DistributionKind::loguniform: {
            const double la = std::log(d.a);
            const double lb = std::log(d.b);
            return as_parameter_value(spec, std::exp(la + (lb - la) * (1.0 - random.uniform())));
        }
        case DistributionKind::normal:
            return as_parameter_value(
                spec, truncated(random, d.lower, d.upper, d.a,
                                [&](engine::RandomStream& r) { return r.normal(d.a, d.b); }));
        case DistributionKind::lognormal: {
            const double mu = std::log(d.a);
            return as_parameter_value(
                spec, truncated(random, d.lower, d.upper, d.a,
                                [&](engine::RandomStream& r) { return r.lognormal(mu, d.b); }));
        }
        case DistributionKind::bernoulli:
            return ParameterValue(random.bernoulli(d.a));
        case DistributionKind::choice: {
            double total = 0.0;
            for (const double w : d.weights) total += w;
            const double target = (1.0 - random.uniform()) * total;
            double cumulative = 0.0;
            for (std::size_t i = 0; i < d.values.size(); ++i) {
                cumulative += d.weights[i];
                if (target < cumulative) return d.values[i];
            }
            for (std::size_t i = d.values.size(); i-- > 0;) {
                if (d.weights[i] > 0.0) return d.values[i];
            }
            return d.values.back();
        }
    }
    return ParameterValue(0.0);
}

std::vector<SampledValue> sample_patient(const CohortSpec& spec, const ParameterTable& table,
                                         std::uint64_t base_seed, std::uint64_t patient) {
    std::vector<SampledValue> values;
    values.reserve(spec.distributions.size());
    for (const CohortDistribution& d : spec.distributions) {
        values.push_back({d.key, sample_value(d, table.at(d.key), base_seed, patient)});
    }
    return values;
}

std::string describe_distribution(const CohortDistribution& d) {
    const auto v = [](double x) { return format_value(x); };
    switch (d.kind) {
        case DistributionKind::uniform:
        case DistributionKind::loguniform:
            return fmt::format("{}(min {}, max {})", distribution_name(d.kind), v(d.a), v(d.b));
        case DistributionKind::normal:
            return fmt::format("normal(mean {}, sd {}) in [{}, {}]", v(d.a), v(d.b), v(d.lower),
                               v(d.upper));
        case DistributionKind::lognormal:
            return fmt::format("lognormal(median {}, log_sd {}) in [{}, {}]", v(d.a), v(d.b),
                               v(d.lower), v(d.upper));
        case DistributionKind::bernoulli:
            return fmt::format("bernoulli(p {})", v(d.a));
        case DistributionKind::choice: {
            std::string text = "choice(";
            for (std::size_t i = 0; i < d.values.size(); ++i) {
                text += fmt::format("{}{} w {}", i > 0 ? ", " : "", format_value(d.values[i]),
                                    v(d.weights[i]));
            }
            return text + ")";
        }
    }
    return "?";
}

}  // namespace cartsim::scenarios
