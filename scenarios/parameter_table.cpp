#include "scenarios/parameter_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "scenarios/scenario_error.hpp"

namespace cartsim::scenarios {

namespace {

bool is_bare_key_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

std::vector<std::string_view> split_key(std::string_view key) {
    std::vector<std::string_view> components;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = key.find('.', start);
        components.push_back(key.substr(start, dot == std::string_view::npos ? dot : dot - start));
        if (dot == std::string_view::npos) return components;
        start = dot + 1;
    }
}

std::string_view last_component(std::string_view key) {
    const std::size_t dot = key.rfind('.');
    return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

std::string_view section_of(std::string_view key) {
    const std::size_t dot = key.rfind('.');
    return dot == std::string_view::npos ? std::string_view{} : key.substr(0, dot);
}

bool has_line_break(std::string_view text) {
    return text.find_first_of("\r\n") != std::string_view::npos;
}

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions),
/// case-insensitive: the usual typos are one edit each.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    const std::size_t rows = a.size() + 1;
    const std::size_t cols = b.size() + 1;
    std::vector<std::size_t> d(rows * cols);
    auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * cols + j]; };
    for (std::size_t i = 0; i < rows; ++i) at(i, 0) = i;
    for (std::size_t j = 0; j < cols; ++j) at(0, j) = j;
    for (std::size_t i = 1; i < rows; ++i) {
        for (std::size_t j = 1; j < cols; ++j) {
            const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
            at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1])) {
                at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
            }
        }
    }
    return at(rows - 1, cols - 1);
}

/// Close enough to suggest: about one edit per three characters; very short names only exactly.
bool is_close(std::size_t distance, std::size_t length) {
    return distance == 0 || (length >= 3 && distance <= std::max<std::size_t>(1, length / 3));
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
    if (prefix.size() > text.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (lower(text[i]) != lower(prefix[i])) return false;
    }
    return true;
}

bool is_number_type(ParameterType type) {
    return type == ParameterType::real || type == ParameterType::integer;
}

std::string format_bound(double bound) {
    if (std::isinf(bound)) return bound > 0 ? "inf" : "-inf";
    return fmt::format("{}", bound);
}

/// Escapes a string as the body of a TOML basic string (also fine for messages).
std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                    out += fmt::format("\\u{:04X}", static_cast<unsigned>(c));
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

/// The variant alternative each parameter type stores.
bool holds_type(const ParameterValue& value, ParameterType type) {
    switch (type) {
        case ParameterType::real:
            return std::holds_alternative<double>(value);
        case ParameterType::integer:
            return std::holds_alternative<std::int64_t>(value);
        case ParameterType::boolean:
            return std::holds_alternative<bool>(value);
        case ParameterType::choice:
        case ParameterType::text:
            return std::holds_alternative<std::string>(value);
    }
    return false;
}

[[noreturn]] void throw_bad_spec(std::string_view key, std::string_view problem) {
    throw std::invalid_argument(fmt::format("parameter spec '{}': {}", key, problem));
}

void check_key_shape(std::string_view key) {
    const std::vector<std::string_view> components = split_key(key);
    if (components.size() < 2) {
        throw_bad_spec(key, "the key needs a section, e.g. \"section.name\"");
    }
    for (const std::string_view component : components) {
        if (component.empty() || !std::all_of(component.begin(), component.end(),
                                              [](char c) { return is_bare_key_char(c); })) {
            throw_bad_spec(key,
                           "each dotted component must be a non-empty bare key "
                           "[A-Za-z0-9_-]");
        }
    }
    // [scenario] holds the scenario's name and description, not parameters.
    if (components.front() == "scenario") throw_bad_spec(key, "the section 'scenario' is reserved");
}

}  // namespace

std::string_view type_name(ParameterType type) {
    switch (type) {
        case ParameterType::real:
            return "real";
        case ParameterType::integer:
            return "integer";
        case ParameterType::boolean:
            return "boolean";
        case ParameterType::choice:
            return "choice";
        case ParameterType::text:
            return "text";
    }
    return "?";
}

std::string format_value(const ParameterValue& value) {
    return std::visit(
        [](const auto& v) -> std::string {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::string>) {
                return quoted(v);
            } else if constexpr (std::is_same_v<V, bool>) {
                return v ? "true" : "false";
            } else if constexpr (std::is_same_v<V, double>) {
                return format_bound(v);  // also spells infinities the TOML way
            } else {
                return fmt::format("{}", v);
            }
        },
        value);
}

std::string toml_literal(const ParameterValue& value) {
    std::string text = format_value(value);
    if (const double* real = std::get_if<double>(&value)) {
        if (std::isnan(*real)) return "nan";
        // fmt's "{}" is the shortest text that reads back to the same double; only make sure
        // TOML sees a float, not an integer.
        if (std::isfinite(*real) && text.find_first_of(".eE") == std::string::npos) text += ".0";
    }
    return text;
}

std::string format_allowed(const ParameterSpec& spec) {
    if (is_number_type(spec.type)) {
        return fmt::format("{}{}, {}{}", std::isinf(spec.min) ? "(" : "[", format_bound(spec.min),
                           format_bound(spec.max), std::isinf(spec.max) ? ")" : "]");
    }
    if (spec.type == ParameterType::choice) {
        std::string out;
        for (const std::string& choice : spec.choices) {
            if (!out.empty()) out += ", ";
            out += quoted(choice);
        }
        return out;
    }
    return "";
}

std::optional<std::string> value_problem(const ParameterSpec& spec, const ParameterValue& value) {
    if (!holds_type(value, spec.type)) {
        return fmt::format("{} must be a {} value, got {}", spec.key, type_name(spec.type),
                           format_value(value));
    }
    const auto outside_range = [&](const std::string& shown) {
        std::string message = fmt::format("{} = {} is outside the allowed range {}", spec.key,
                                          shown, format_allowed(spec));
        if (!spec.unit.empty()) message += " " + spec.unit;
        return message;
    };
    switch (spec.type) {
        case ParameterType::real: {
            const double real = std::get<double>(value);
            if (!std::isfinite(real)) {
                return fmt::format("{} = {} is not a finite number", spec.key, format_value(value));
            }
            if (real < spec.min || real > spec.max) return outside_range(format_value(value));
            return std::nullopt;
        }
        case ParameterType::integer: {
            // Exact for |value| < 2^53, far beyond any count a scenario sets.
            const auto as_real = static_cast<double>(std::get<std::int64_t>(value));
            if (as_real < spec.min || as_real > spec.max) return outside_range(format_value(value));
            return std::nullopt;
        }
        case ParameterType::choice: {
            const std::string& text = std::get<std::string>(value);
            if (std::find(spec.choices.begin(), spec.choices.end(), text) == spec.choices.end()) {
                return fmt::format("{} = {} is not one of the allowed choices: {}", spec.key,
                                   quoted(text), format_allowed(spec));
            }
            return std::nullopt;
        }
        case ParameterType::boolean:
        case ParameterType::text:
            return std::nullopt;
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// ParameterTable

void ParameterTable::add(ParameterSpec spec) {
    const std::string& key = spec.key;
    check_key_shape(key);
    if (index_of_key_.contains(key)) throw_bad_spec(key, "registered twice");
    if (sections_.contains(key)) {
        throw_bad_spec(key, "the key is already a section of other parameters");
    }
    for (std::size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', dot + 1)) {
        const std::string_view enclosing = std::string_view(key).substr(0, dot);
        if (index_of_key_.contains(enclosing)) {
            throw_bad_spec(
                key, fmt::format("'{}' is a parameter, so it cannot be a section", enclosing));
        }
    }
    // Unit, description and source go into one-line TOML comments and Markdown table cells.
    if (has_line_break(spec.unit) || has_line_break(spec.description) ||
        has_line_break(spec.source)) {
        throw_bad_spec(key, "unit, description and source must be single lines");
    }
    if (spec.description.empty()) throw_bad_spec(key, "the description is empty");
    if (spec.source.empty()) {
        throw_bad_spec(key, "the source is empty (cite one, or write \"calibrate: <why>\")");
    }

    if (spec.type == ParameterType::real &&
        std::holds_alternative<std::int64_t>(spec.default_value)) {
        spec.default_value = static_cast<double>(std::get<std::int64_t>(spec.default_value));
    }
    if (!holds_type(spec.default_value, spec.type)) {
        throw_bad_spec(key, fmt::format("the default {} is not a {} value",
                                        format_value(spec.default_value), type_name(spec.type)));
    }
    if (is_number_type(spec.type)) {
        if (std::isnan(spec.min) || std::isnan(spec.max) || spec.min > spec.max) {
            throw_bad_spec(key, fmt::format("bad range [{}, {}]", spec.min, spec.max));
        }
    } else if (spec.min != -unbounded || spec.max != unbounded) {
        throw_bad_spec(key, "a range applies only to real and integer parameters");
    }
    if (spec.type == ParameterType::choice) {
        if (spec.choices.empty()) throw_bad_spec(key, "a choice parameter needs choices");
        std::vector<std::string> sorted = spec.choices;
        std::sort(sorted.begin(), sorted.end());
        if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
            throw_bad_spec(key, "the choices repeat a value");
        }
    } else if (!spec.choices.empty()) {
        throw_bad_spec(key, "choices apply only to choice parameters");
    }
    if (const auto problem = value_problem(spec, spec.default_value)) {
        throw_bad_spec(key, "bad default: " + *problem);
    }

    for (std::size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', dot + 1)) {
        sections_.insert(key.substr(0, dot));
    }
    index_of_key_.emplace(key, specs_.size());
    specs_.push_back(std::move(spec));
}

const ParameterSpec* ParameterTable::find(std::string_view key) const {
    const auto found = index_of_key_.find(key);
    return found == index_of_key_.end() ? nullptr : &specs_[found->second];
}

const ParameterSpec& ParameterTable::at(std::string_view key) const {
    if (const ParameterSpec* spec = find(key)) return *spec;
    throw std::logic_error(fmt::format("no scenario parameter '{}' is registered", key));
}

bool ParameterTable::is_section(std::string_view prefix) const {
    return sections_.find(prefix) != sections_.end();
}

std::vector<std::string> ParameterTable::keys() const {
    std::vector<std::string> keys;
    keys.reserve(specs_.size());
    for (const ParameterSpec& spec : specs_) keys.push_back(spec.key);
    return keys;
}

std::optional<std::string> ParameterTable::closest_key(std::string_view unknown_key) const {
    const std::string_view unknown_last = last_component(unknown_key);
    const std::string_view unknown_section = section_of(unknown_key);
    // Ranked by (score, full-key distance, registration order); lower is better.
    std::optional<std::tuple<std::size_t, std::size_t, std::size_t>> best;
    for (std::size_t index = 0; index < specs_.size(); ++index) {
        const std::string_view key = specs_[index].key;
        const std::string_view last = last_component(key);
        const std::size_t section_penalty =
            edit_distance(section_of(key), unknown_section) == 0 ? 0 : 1;
        const std::size_t full_distance = edit_distance(unknown_key, key);
        std::optional<std::size_t> score;
        const auto consider = [&score](std::size_t candidate) {
            if (!score || candidate < *score) score = candidate;
        };
        // Slips across the dot ("walker_count" for "walker.count"): at most two edits, since
        // a long section would otherwise let a different name look close.
        if (full_distance <= 2 && is_close(full_distance, unknown_key.size())) {
            consider(full_distance);
        }
        // The right name in the wrong section: one edit's worth for the section.
        const std::size_t last_distance = edit_distance(unknown_last, last);
        if (is_close(last_distance, unknown_last.size())) {
            consider(last_distance + section_penalty);
        }
        // The name without its unit suffix: "speed" for "speed_um_per_min", "x" for "x_um".
        if (starts_with_ignoring_case(last, unknown_last) && last.size() > unknown_last.size() &&
            (unknown_last.size() >= 3 || last[unknown_last.size()] == '_')) {
            consider(1 + section_penalty);
        }
        if (!score) continue;
        const auto rank = std::make_tuple(*score, full_distance, index);
        if (!best || rank < *best) best = rank;
    }
    if (!best) return std::nullopt;
    return specs_[std::get<2>(*best)].key;
}

// ---------------------------------------------------------------------------------------------
// ParameterSet

ParameterSet::ParameterSet(const ParameterTable& table) {
    entries_.reserve(table.size());
    for (const ParameterSpec& spec : table.specs()) {
        index_of_key_.emplace(spec.key, entries_.size());
        entries_.push_back(
            {spec.key, spec.type, spec.default_value, ValueSource::table_default, ""});
    }
}

const ParameterEntry& ParameterSet::entry(std::string_view key) const {
    const auto found = index_of_key_.find(key);
    if (found == index_of_key_.end()) {
        throw std::logic_error(fmt::format("no scenario parameter '{}' in this set", key));
    }
    return entries_[found->second];
}

ParameterEntry& ParameterSet::mutable_entry(std::string_view key) {
    return const_cast<ParameterEntry&>(std::as_const(*this).entry(key));
}

bool ParameterSet::contains(std::string_view key) const {
    return index_of_key_.find(key) != index_of_key_.end();
}

namespace {

template <typename T>
const T& typed_value(const ParameterEntry& entry, ParameterType wanted) {
    const T* value = std::get_if<T>(&entry.value);
    // choice and text share std::string, so text() serves both.
    const bool type_fits = entry.type == wanted ||
                           (wanted == ParameterType::text && entry.type == ParameterType::choice);
    if (value == nullptr || !type_fits) {
        throw std::logic_error(fmt::format("scenario parameter '{}' is {}, not {}", entry.key,
                                           type_name(entry.type), type_name(wanted)));
    }
    return *value;
}

}  // namespace

double ParameterSet::real(std::string_view key) const {
    return typed_value<double>(entry(key), ParameterType::real);
}

std::int64_t ParameterSet::integer(std::string_view key) const {
    return typed_value<std::int64_t>(entry(key), ParameterType::integer);
}

bool ParameterSet::boolean(std::string_view key) const {
    return typed_value<bool>(entry(key), ParameterType::boolean);
}

const std::string& ParameterSet::text(std::string_view key) const {
    return typed_value<std::string>(entry(key), ParameterType::text);
}

void ParameterSet::assign(const ParameterSpec& spec, ParameterValue value, ValueSource source,
                          std::string set_by) {
    ParameterEntry& target = mutable_entry(spec.key);
    if (target.type != spec.type) {
        throw std::logic_error(
            fmt::format("scenario parameter '{}' is {} in this set but {} in "
                        "the spec",
                        spec.key, type_name(target.type), type_name(spec.type)));
    }
    if (spec.type == ParameterType::real && std::holds_alternative<std::int64_t>(value)) {
        value = static_cast<double>(std::get<std::int64_t>(value));
    }
    if (!holds_type(value, spec.type)) {
        throw std::logic_error(fmt::format("scenario parameter '{}' is {}; got the value {}",
                                           spec.key, type_name(spec.type), format_value(value)));
    }
    if (const auto problem = value_problem(spec, value)) {
        throw ScenarioError(std::move(set_by), spec.key, *problem);
    }
    target.value = std::move(value);
    target.source = source;
    target.set_by = std::move(set_by);
}

}  // namespace cartsim::scenarios
