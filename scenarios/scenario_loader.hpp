#pragma once
// Scenario files (TOML) -> validated ParameterSet; `--set key=value` overrides; the resolved
// scenario rendered back to TOML; the parameter reference rendered as Markdown.
//
// A scenario file holds parameters under their sections, plus two optional top-level entries
// that are not parameters:
//     inherits = "base.toml"   # loaded first, this file's values applied over it; the path is
//                              # relative to this file; chains allowed, cycles are an error
//     [scenario]
//     name = "short-name"      # default: the file's stem
//     description = "one line"
//     [cohort]                 # a virtual patient cohort for `cartsim ensemble`
//                              # (scenarios/cohort.hpp); validated on load, inherited unless a
//                              # file has its own; `cartsim run` ignores it
// Every problem the user can fix is a ScenarioError naming the file (or "--set"), the key and,
// for numbers, the allowed range and unit.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/cohort.hpp"
#include "scenarios/parameter_table.hpp"
#include "scenarios/scenario_error.hpp"

namespace cartsim::scenarios {

struct Scenario {
    /// Every parameter of the table: the default unless a file or --set gave a value.
    ParameterSet values;
    /// The path of the loaded file as the user gave it (the origin name for loaded text).
    std::string path;
    /// [scenario].name of this file, else the file's stem. Not inherited.
    std::string name;
    /// [scenario].description of this file, else "". Not inherited.
    std::string description;
    /// Every file read, the most basic inherited file first and `path` last.
    std::vector<std::string> files;
    /// [cohort] of the most derived file that has one (scenarios/cohort.hpp).
    std::optional<CohortSpec> cohort;
};

/// Limits on what a scenario may ask of the loader (a hostile or broken file must fail fast with
/// a clear error, not exhaust the stack or spend minutes suggesting keys).
inline constexpr std::size_t kMaxKeyLength = 256;     ///< characters of a dotted key
inline constexpr std::size_t kMaxInheritsDepth = 64;  ///< files in an `inherits` chain

/// "unknown key <key>; did you mean <closest>?" (the suggestion only when one is close; none for
/// a key longer than kMaxKeyLength, whose message says so), or "unknown key <key>; it was
/// renamed: did you mean <new key>?" for a key of scenarios/renamed_keys.cpp whose new name is
/// in `table`.
std::string unknown_key_message(std::string_view key, const ParameterTable& table);

/// Throws ScenarioError(origin, "", ...) naming the limit when `key` is longer than
/// kMaxKeyLength (the message shows only its start).
void check_key_length(std::string_view key, const std::string& origin);

/// `text` without leading and trailing blanks (spaces and tabs).
std::string_view trim_blanks(std::string_view text);

/// The key a `--set key=value` assignment names, without blanks (all of it when there is no '=').
std::string override_key(std::string_view assignment);

/// Reads, parses and validates a scenario file and the files it inherits. Throws ScenarioError.
Scenario load_scenario_file(const std::filesystem::path& path, const ParameterTable& table);

/// Like load_scenario_file for text already in memory; `origin_name` stands for its path in
/// messages, and `inherits` is resolved relative to its directory (the working directory when
/// it has none, e.g. "<stdin>").
Scenario load_scenario_text(std::string_view text, std::string_view origin_name,
                            const ParameterTable& table);

/// Applies one `--set key=value` (spaces around '=' allowed). The value is read by the key's
/// type: a number (an integer is accepted for a real, a fraction is not an integer), true or
/// false, or a string with or without surrounding quotes (quotes are stripped, nothing is
/// unescaped). Validated like file values; errors are ScenarioError with origin "--set".
void apply_override(Scenario& scenario, std::string_view assignment, const ParameterTable& table);

/// A complete TOML document with [scenario] and every parameter in [section] tables, each value
/// preceded by "# <description> [<unit>] range [min, max]; default <d>; source: <source>" and
/// followed by "# set in file <path>" / "# set by --set" when not the default. Loading it gives
/// the same values bit for bit (reals are written in shortest round-trip form).
std::string render_resolved_toml(const Scenario& scenario, const ParameterTable& table);

/// One Markdown table per section ("## `section`" headings, sections in registration order) with
/// key, type, unit, default, allowed values, description and source. No title: the caller adds
/// its own.
std::string render_markdown_reference(const ParameterTable& table);

}  // namespace cartsim::scenarios
