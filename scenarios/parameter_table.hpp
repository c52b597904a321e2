#pragma once
// Scenario parameters as data: each has a dotted key, a type, a unit, a default, an allowed range
// (or choices), a one-line description and a source. This layer knows no biology: the model
// registers its parameters in a ParameterTable, and a ParameterSet holds validated values for it.
// Read values once into typed model structs; never look them up by string in hot loops.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cartsim::scenarios {

enum class ParameterType {
    real,     // double; an integer literal is accepted in files
    integer,  // int64; a floating-point literal is an error even when integral
    boolean,  // true / false
    choice,   // a string from ParameterSpec::choices
    text,     // a free string, e.g. a path
};

/// "real", "integer", "boolean", "choice", "text".
std::string_view type_name(ParameterType type);

/// A value of any parameter type: real -> double, integer -> int64, boolean -> bool, choice and
/// text -> string.
using ParameterValue = std::variant<double, std::int64_t, bool, std::string>;

/// Use for an open end of a range: min = -unbounded or max = unbounded.
inline constexpr double unbounded = std::numeric_limits<double>::infinity();

/// One parameter. Meant for designated initializers, fields in this order:
///     table.add({.key = "walker.speed_um_per_min", .type = ParameterType::real,
///                .unit = "um/min", .default_value = 10.0, .min = 0.0, .max = 30.0,
///                .description = "...", .source = "calibrate: ..."});
struct ParameterSpec {
    /// "section.name"; sections nest ("a.b.c"). Components are TOML bare keys
    /// ([A-Za-z0-9_-]); at least one section; the section "scenario" is reserved.
    std::string key{};
    ParameterType type = ParameterType::real;
    /// "um/min", "1/day", "molecules/cell", ...; "" for dimensionless or non-numeric.
    std::string unit{};
    /// An integer literal given for a real parameter is converted by ParameterTable::add.
    ParameterValue default_value{};
    /// Inclusive allowed range of real and integer parameters; leave unset for other types.
    double min = -unbounded;
    double max = unbounded;
    /// The allowed strings of a choice parameter; empty for other types.
    std::vector<std::string> choices{};
    /// One line, no trailing period needed.
    std::string description{};
    /// A citation, or "calibrate: <why this default>".
    std::string source{};
};

/// The specs in registration order (which is also the order of rendering and docs).
class ParameterTable {
  public:
    /// Validates and appends a spec. Throws std::invalid_argument (a programming error) for a
    /// malformed or duplicate key, a key that collides with a section ("a.b" and "a.b.c"), a
    /// default of the wrong type or outside the range or choices, a range on a non-number, an
    /// empty description or source, or a line break in unit, description or source.
    void add(ParameterSpec spec);

    /// nullptr when no parameter has this key.
    const ParameterSpec* find(std::string_view key) const;
    /// Throws std::logic_error when no parameter has this key.
    const ParameterSpec& at(std::string_view key) const;
    bool contains(std::string_view key) const { return find(key) != nullptr; }
    /// True when `prefix` names a section, i.e. some key starts with "<prefix>.".
    bool is_section(std::string_view prefix) const;

    const std::vector<ParameterSpec>& specs() const { return specs_; }
    std::vector<std::string> keys() const;
    std::size_t size() const { return specs_.size(); }

    /// The registered key closest to a misspelled one, for "did you mean ...?": compares the
    /// full dotted key and the last component (Damerau-Levenshtein, case-insensitive), and
    /// takes a key whose last component starts with the given one ("speed" for
    /// "speed_um_per_min"). nullopt when nothing is close enough.
    std::optional<std::string> closest_key(std::string_view unknown_key) const;

  private:
    std::vector<ParameterSpec> specs_;
    std::map<std::string, std::size_t, std::less<>> index_of_key_;
    std::set<std::string, std::less<>> sections_;
};

/// Checks a value against its spec: type, finiteness, range, choices. Returns nullopt when it
/// is allowed, otherwise the problem naming key, value, allowed range and unit, e.g.
/// "a.speed = 90 is outside the allowed range [0, 30] um/min".
std::optional<std::string> value_problem(const ParameterSpec& spec, const ParameterValue& value);

/// A value for messages: reals shortest round-trip ("90", "0.1"), strings quoted.
std::string format_value(const ParameterValue& value);
/// A value as a TOML literal: like format_value but reals always look like floats ("90.0").
std::string toml_literal(const ParameterValue& value);
/// The allowed values of a spec for messages and docs: "[0, 30]", "[0, inf)", or
/// "\"a\", \"b\"" for a choice; "" for booleans and text.
std::string format_allowed(const ParameterSpec& spec);

/// Where a value came from.
enum class ValueSource {
    table_default,  // not set anywhere: the spec's default
    scenario_file,  // a scenario file (possibly an inherited one)
    set_option,     // `--set key=value`
};

struct ParameterEntry {
    std::string key;
    ParameterType type = ParameterType::real;
    ParameterValue value;
    ValueSource source = ValueSource::table_default;
    /// The file that set the value, "--set", or "" for defaults.
    std::string set_by;
};

/// Validated values of every parameter of a table, in registration order. Self-contained (it
/// keeps no reference to the table), so it can be copied and outlive the table.
class ParameterSet {
  public:
    ParameterSet() = default;
    /// Every parameter at its default.
    explicit ParameterSet(const ParameterTable& table);

    // Typed getters. Throw std::logic_error for an unknown key or the wrong type: those are
    // programming errors, not user errors. text() serves choice and text parameters.
    double real(std::string_view key) const;
    std::int64_t integer(std::string_view key) const;
    bool boolean(std::string_view key) const;
    const std::string& text(std::string_view key) const;

    /// Throws std::logic_error for an unknown key.
    const ParameterEntry& entry(std::string_view key) const;
    bool contains(std::string_view key) const;
    const std::vector<ParameterEntry>& entries() const { return entries_; }

    /// Validates `value` against `spec` (an integer for a real is converted) and stores it.
    /// Throws ScenarioError(set_by, key, ...) when it is not allowed, std::logic_error when
    /// the spec's key or type does not match this set.
    void assign(const ParameterSpec& spec, ParameterValue value, ValueSource source,
                std::string set_by);

  private:
    ParameterEntry& mutable_entry(std::string_view key);

    std::vector<ParameterEntry> entries_;
    std::map<std::string, std::size_t, std::less<>> index_of_key_;
};

}  // namespace cartsim::scenarios
