#include "scenarios/sweep_design.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <numeric>
#include <optional>
#include <sstream>
#include <variant>

#include "engine/random.hpp"
#include "scenarios/scenario_error.hpp"
#include "scenarios/scenario_loader.hpp"

namespace cartsim::scenarios {
namespace {

constexpr const char* kOrigin = "--vary";

std::optional<double> parse_double(std::string_view text) {
    double value = 0.0;
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (text.empty() || error != std::errc() || stop != end || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

/// A position t in [0, 1] of the range.
double at(const VariedRange& range, double t) {
    if (t <= 0.0) return range.lo;
    if (t >= 1.0) return range.hi;
    if (range.log) {
        return std::exp(std::log(range.lo) + t * (std::log(range.hi) - std::log(range.lo)));
    }
    return range.lo + t * (range.hi - range.lo);
}

/// The fields of one CSV line (RFC 4180 quoting within the line); nullopt for a quote that is not
/// closed or text after a closing quote.
std::optional<std::vector<std::string>> csv_fields(std::string_view line) {
    std::vector<std::string> fields;
    std::size_t i = 0;
    while (true) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        std::string field;
        if (i < line.size() && line[i] == '"') {
            ++i;
            bool closed = false;
            while (i < line.size()) {
                if (line[i] == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    closed = true;
                    break;
                }
                field += line[i++];
            }
            if (!closed) return std::nullopt;
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
            if (i < line.size() && line[i] != ',') return std::nullopt;
        } else {
            const std::size_t comma = line.find(',', i);
            const std::size_t end = comma == std::string_view::npos ? line.size() : comma;
            field = std::string(trim_blanks(line.substr(i, end - i)));
            i = end;
        }
        fields.push_back(std::move(field));
        if (i >= line.size()) return fields;
        ++i;  // the comma
        if (i == line.size()) {
            fields.emplace_back();  // a trailing comma: one more (empty) field
            return fields;
        }
    }
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

/// A design-file field as a value of `spec`, or the reason it is not one.
std::variant<ParameterValue, std::string> design_field_value(const ParameterSpec& spec,
                                                             const std::string& field) {
    switch (spec.type) {
        case ParameterType::real: {
            const std::optional<double> value = parse_double(field);
            if (!value) return fmt::format("'{}' is not a (finite) number", field);
            return ParameterValue(*value);
        }
        case ParameterType::integer: {
            std::int64_t whole = 0;
            const char* end = field.data() + field.size();
            const auto [stop, error] = std::from_chars(field.data(), end, whole);
            if (error == std::errc() && stop == end) return ParameterValue(whole);
            // 12.0 or 1e3 as numeric tools write them; not 12.5.
            const std::optional<double> value = parse_double(field);
            if (value && std::trunc(*value) == *value && std::abs(*value) < 0x1p62) {
                return ParameterValue(static_cast<std::int64_t>(*value));
            }
            return fmt::format("'{}' is not a whole number", field);
        }
        case ParameterType::boolean: {
            const std::string lower = lowercase(field);
            if (lower == "true" || lower == "1") return ParameterValue(true);
            if (lower == "false" || lower == "0") return ParameterValue(false);
            return fmt::format("'{}' is not a boolean (true, false, 1 or 0)", field);
        }
        case ParameterType::choice:
        case ParameterType::text:
            return ParameterValue(field);
    }
    return std::string("unknown parameter type");
}

}  // namespace

DesignFile read_design_file(const std::filesystem::path& path, const ParameterTable& table) {
    const std::string name = path.string();
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
        throw ScenarioError(name, "", fmt::format("the design file {} is a directory", name));
    }
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        throw ScenarioError(name, "", fmt::format("cannot read the design file {}", name));
    }
    const auto where = [&](std::size_t point, std::size_t line) {
        return point == 0 ? fmt::format("{} header (line {})", name, line)
                          : fmt::format("{} row {} (line {})", name, point, line);
    };
    DesignFile design;
    std::vector<const ParameterSpec*> specs;
    bool have_header = false;
    std::size_t line_number = 0;
    for (std::string line; std::getline(file, line);) {
        ++line_number;
        if (line_number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const std::string_view content = trim_blanks(line);
        if (content.empty() || content.front() == '#') continue;
        const std::size_t point = have_header ? design.points.size() + 1 : 0;
        const std::optional<std::vector<std::string>> fields = csv_fields(line);
        if (!fields) {
            throw ScenarioError(where(point, line_number), "",
                                "a quoted field is not closed, or text follows its closing quote");
        }
        if (!have_header) {
            for (std::size_t column = 0; column < fields->size(); ++column) {
                const std::string& key = (*fields)[column];
                check_key_length(key, where(0, line_number));
                if (key.empty()) {
                    throw ScenarioError(where(0, line_number), "",
                                        fmt::format("column {} has no key (the header row names "
                                                    "a parameter key in every column)",
                                                    column + 1));
                }
                const ParameterSpec* spec = table.find(key);
                if (spec == nullptr) {
                    throw ScenarioError(
                        where(0, line_number), key,
                        fmt::format("column {}: {}", column + 1, unknown_key_message(key, table)));
                }
                if (key == "run.seed") {
                    throw ScenarioError(where(0, line_number), key,
                                        fmt::format("column {}: run.seed cannot be a design "
                                                    "column: each run's seed is derived from the "
                                                    "base seed and its index (use --replicates)",
                                                    column + 1));
                }
                for (std::size_t k = 0; k < column; ++k) {
                    if (design.keys[k] == key) {
                        throw ScenarioError(
                            where(0, line_number), key,
                            fmt::format("columns {} and {} are both {}", k + 1, column + 1, key));
                    }
                }
                design.keys.push_back(key);
                specs.push_back(spec);
            }
            have_header = true;
            continue;
        }
        if (fields->size() != design.keys.size()) {
            throw ScenarioError(where(point, line_number), "",
                                fmt::format("{} field(s), but the header has {} column(s)",
                                            fields->size(), design.keys.size()));
        }
        std::vector<ParameterValue> values;
        for (std::size_t column = 0; column < fields->size(); ++column) {
            const ParameterSpec& spec = *specs[column];
            const std::string& field = (*fields)[column];
            const std::string label = fmt::format("column {} ({})", column + 1, spec.key);
            if (field.empty()) {
                throw ScenarioError(where(point, line_number), spec.key,
                                    fmt::format("{}: the value is empty", label));
            }
            auto converted = design_field_value(spec, field);
            if (const auto* problem = std::get_if<std::string>(&converted)) {
                const std::string allowed = format_allowed(spec);
                throw ScenarioError(
                    where(point, line_number), spec.key,
                    fmt::format(
                        "{}: {}; {} is a{} {} parameter{}", label, *problem, spec.key,
                        spec.type == ParameterType::integer ? "n" : "", type_name(spec.type),
                        allowed.empty()
                            ? std::string()
                            : fmt::format(" in {}{}", allowed,
                                          spec.unit.empty() ? std::string() : " " + spec.unit)));
            }
            ParameterValue value = std::get<ParameterValue>(std::move(converted));
            if (const std::optional<std::string> problem = value_problem(spec, value)) {
                throw ScenarioError(where(point, line_number), spec.key,
                                    fmt::format("{}: {}", label, *problem));
            }
            values.push_back(std::move(value));
        }
        design.points.push_back(std::move(values));
        design.lines.push_back(line_number);
    }
    if (file.bad()) {
        throw ScenarioError(name, "", fmt::format("cannot read the design file {}", name));
    }
    if (!have_header) {
        throw ScenarioError(name, "",
                            "the design file is empty: it needs a header row of parameter keys "
                            "and one row per design point");
    }
    if (design.points.empty()) {
        throw ScenarioError(name, "",
                            "the design file has a header row but no design points (rows)");
    }
    return design;
}

VariedRange parse_varied_range(std::string_view text, const ParameterTable& table) {
    const std::size_t equals = text.find('=');
    if (equals == std::string_view::npos) {
        throw ScenarioError(kOrigin, "",
                            fmt::format("--vary '{}' must be KEY=LO:HI or KEY=LO:HI:log", text));
    }
    VariedRange range;
    range.key = std::string(text.substr(0, equals));
    check_key_length(range.key, kOrigin);
    const ParameterSpec* spec = table.find(range.key);
    if (spec == nullptr) {
        throw ScenarioError(kOrigin, range.key, unknown_key_message(range.key, table));
    }
    if (spec->type != ParameterType::real && spec->type != ParameterType::integer) {
        throw ScenarioError(kOrigin, range.key,
                            fmt::format("{} is a {} parameter; only real and integer parameters "
                                        "can be varied (use --set for one value)",
                                        range.key, type_name(spec->type)));
    }
    if (range.key == "run.seed") {
        throw ScenarioError(kOrigin, range.key,
                            "run.seed cannot be varied: each run's seed is derived from the base "
                            "seed and its index (use --replicates)");
    }
    std::vector<std::string_view> parts;
    std::string_view rest = text.substr(equals + 1);
    for (std::size_t colon; (colon = rest.find(':')) != std::string_view::npos;) {
        parts.push_back(rest.substr(0, colon));
        rest.remove_prefix(colon + 1);
    }
    parts.push_back(rest);
    const std::optional<double> lo = parts.size() >= 2 ? parse_double(parts[0]) : std::nullopt;
    const std::optional<double> hi = parts.size() >= 2 ? parse_double(parts[1]) : std::nullopt;
    const bool log = parts.size() == 3 && parts[2] == "log";
    if (!lo || !hi || parts.size() > 3 || (parts.size() == 3 && !log)) {
        throw ScenarioError(kOrigin, range.key,
                            fmt::format("--vary {}: '{}' must be LO:HI or LO:HI:log with numbers",
                                        range.key, text.substr(equals + 1)));
    }
    range.lo = *lo;
    range.hi = *hi;
    range.log = log;
    const std::string allowed =
        format_allowed(*spec) + (spec->unit.empty() ? std::string() : " " + spec->unit);
    if (range.lo > range.hi) {
        throw ScenarioError(kOrigin, range.key,
                            fmt::format("--vary {}: lo = {} is above hi = {}", range.key,
                                        format_value(range.lo), format_value(range.hi)));
    }
    if (range.lo < spec->min || range.hi > spec->max) {
        throw ScenarioError(
            kOrigin, range.key,
            fmt::format("--vary {} = {}:{} is outside the allowed range {}", range.key,
                        format_value(range.lo), format_value(range.hi), allowed));
    }
    if (range.log && !(range.lo > 0.0)) {
        throw ScenarioError(kOrigin, range.key,
                            fmt::format("--vary {}: a log range needs lo > 0, got {}", range.key,
                                        format_value(range.lo)));
    }
    return range;
}

std::vector<std::vector<double>> grid_design(const std::vector<VariedRange>& ranges,
                                             std::int64_t samples) {
    const auto n = static_cast<std::size_t>(std::max<std::int64_t>(samples, 1));
    std::size_t total = 1;
    for (std::size_t k = 0; k < ranges.size(); ++k) total *= n;
    std::vector<std::vector<double>> points(total, std::vector<double>(ranges.size()));
    for (std::size_t i = 0; i < total; ++i) {
        std::size_t rest = i;
        for (std::size_t k = ranges.size(); k-- > 0;) {
            const std::size_t level = rest % n;
            rest /= n;
            const double t = n == 1 ? 0.5 : static_cast<double>(level) / static_cast<double>(n - 1);
            points[i][k] = at(ranges[k], t);
        }
    }
    return points;
}

std::vector<std::vector<double>> lhs_design(const std::vector<VariedRange>& ranges,
                                            std::int64_t samples, std::uint64_t seed) {
    const auto n = static_cast<std::size_t>(std::max<std::int64_t>(samples, 1));
    std::vector<std::vector<double>> points(n, std::vector<double>(ranges.size()));
    for (std::size_t k = 0; k < ranges.size(); ++k) {
        // Counter (range k, 0): the permutation of strata (Fisher-Yates); (k, 1 + j): point j's
        // jitter inside its stratum.
        std::vector<std::size_t> stratum(n);
        std::iota(stratum.begin(), stratum.end(), std::size_t{0});
        engine::RandomStream shuffle(seed, StreamId::ensemble_lhs, k, 0);
        for (std::size_t i = n; i > 1; --i) {
            std::swap(stratum[i - 1], stratum[shuffle.below(i)]);
        }
        for (std::size_t j = 0; j < n; ++j) {
            engine::RandomStream jitter(seed, StreamId::ensemble_lhs, k, 1 + j);
            const double u = 1.0 - jitter.uniform();  // [0, 1)
            const double t = (static_cast<double>(stratum[j]) + u) / static_cast<double>(n);
            points[j][k] = std::clamp(at(ranges[k], t), ranges[k].lo, ranges[k].hi);
        }
    }
    return points;
}

ParameterValue design_value(const ParameterSpec& spec, double x) {
    if (spec.type == ParameterType::integer) {
        return ParameterValue(static_cast<std::int64_t>(std::llround(x)));
    }
    return ParameterValue(x);
}

}  // namespace cartsim::scenarios
