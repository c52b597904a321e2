#include "scenarios/scenario_loader.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>
#include <utility>

#include "scenarios/cohort_toml.hpp"
#include "scenarios/renamed_keys.hpp"

namespace cartsim::scenarios {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view set_option_origin = "--set";

// ---------------------------------------------------------------------------------------------
// Describing what the user wrote

std::string expected_phrase(const ParameterSpec& spec) {
    switch (spec.type) {
        case ParameterType::real:
            return "a real number";
        case ParameterType::integer:
            return "an integer";
        case ParameterType::boolean:
            return "true or false";
        case ParameterType::choice:
            return "one of " + format_allowed(spec);
        case ParameterType::text:
            return "a string";
    }
    return "?";
}

std::string describe_node(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::string:
            return "the string " + format_value(std::string(node.as_string()->get()));
        case toml::node_type::integer:
            return fmt::format("the integer {}", node.as_integer()->get());
        case toml::node_type::floating_point:
            return "the floating-point number " + toml_literal(node.as_floating_point()->get());
        case toml::node_type::boolean:
            return node.as_boolean()->get() ? "the boolean true" : "the boolean false";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::table:
            return "a table";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

/// The node's value as the spec's type, or nullopt when the TOML type does not fit. An integer
/// literal fits a real; a float never fits an integer (3.0 may be a typo for 3.5 or a unit slip).
std::optional<ParameterValue> value_of_node(const ParameterSpec& spec, const toml::node& node) {
    switch (spec.type) {
        case ParameterType::real:
            if (const auto* real = node.as_floating_point()) return ParameterValue(real->get());
            if (const auto* integer = node.as_integer()) {
                return ParameterValue(static_cast<double>(integer->get()));
            }
            return std::nullopt;
        case ParameterType::integer:
            if (const auto* integer = node.as_integer()) return ParameterValue(integer->get());
            return std::nullopt;
        case ParameterType::boolean:
            if (const auto* boolean = node.as_boolean()) return ParameterValue(boolean->get());
            return std::nullopt;
        case ParameterType::choice:
        case ParameterType::text:
            if (const auto* text = node.as_string()) return ParameterValue(text->get());
            return std::nullopt;
    }
    return std::nullopt;
}

/// A key the user wrote, for messages and ScenarioError::key(): quoted with escapes when it holds
/// control characters (possible in quoted TOML keys), which would cut what() short (NUL) or
/// break the one-problem-per-line format.
std::string too_long_key_detail(std::string_view key) {
    return fmt::format("a key of {} characters ({}...) is longer than the limit of {} characters",
                       key.size(), format_value(std::string(key.substr(0, 40))), kMaxKeyLength);
}

std::string shown_key(std::string_view key) {
    const bool has_control = std::any_of(key.begin(), key.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    return has_control ? format_value(std::string(key)) : std::string(key);
}

// ---------------------------------------------------------------------------------------------
// Reading one document

/// One problem of a document, kept with its position so all of them are reported in file order.
struct Problem {
    toml::source_position position;
    std::string key;
    std::string detail;
};

[[noreturn]] void throw_problems(std::vector<Problem> problems, const std::string& origin) {
    std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
        return std::make_pair(a.position.line, a.position.column) <
               std::make_pair(b.position.line, b.position.column);
    });
    std::string detail = problems.front().detail;
    for (std::size_t i = 1; i < problems.size(); ++i) {
        detail += '\n';
        detail += ScenarioError(origin, problems[i].key, problems[i].detail).what();
    }
    throw ScenarioError(origin, problems.front().key, std::move(detail));
}

/// Applies the parameters of one parsed document to a ParameterSet, collecting problems.
class DocumentReader {
  public:
    DocumentReader(const ParameterTable& table, ParameterSet& values, std::string origin)
        : table_(table), values_(values), origin_(std::move(origin)) {}

    void read_parameters(const toml::table& document) { read_table(document, ""); }

    /// [scenario] name and description: fills only what the file gives.
    void read_scenario_table(const toml::node& node, std::string& name, std::string& description) {
        const toml::table* scenario = node.as_table();
        if (scenario == nullptr) {
            add_problem(node, "scenario",
                        fmt::format("scenario must be a table with name and description, got {}",
                                    describe_node(node)));
            return;
        }
        for (auto&& [component, value] : *scenario) {
            const std::string key = shown_key(fmt::format("scenario.{}", component.str()));
            std::string* target = component.str() == "name"          ? &name
                                  : component.str() == "description" ? &description
                                                                     : nullptr;
            if (target == nullptr) {
                add_problem(value, key,
                            fmt::format("unknown key {}; [scenario] holds only name and "
                                        "description",
                                        key));
            } else if (const auto* text = value.as_string()) {
                // The name goes into the run file, whose strings end at the first NUL.
                if (text->get().find('\0') != std::string::npos) {
                    add_problem(value, key,
                                fmt::format("{} must not contain a NUL character (\\u0000)", key));
                } else {
                    *target = text->get();
                }
            } else {
                add_problem(value, key,
                            fmt::format("{} must be a string, got {}", key, describe_node(value)));
            }
        }
    }

    /// Throws every collected problem as one ScenarioError.
    void throw_if_problems() {
        if (!problems_.empty()) throw_problems(std::move(problems_), origin_);
    }

  private:
    void read_table(const toml::table& table, const std::string& prefix) {
        for (auto&& [component, node] : table) {
            const std::string_view name = component.str();
            // Top-level entries that are not parameters.
            if (prefix.empty() && (name == "inherits" || name == "scenario" || name == "cohort")) {
                continue;
            }
            const std::string key =
                prefix.empty() ? std::string(name) : prefix + "." + std::string(name);
            if (key.size() > kMaxKeyLength) {
                add_problem(node, "", too_long_key_detail(key));
                continue;
            }
            // A quoted key holding a dot ("a.b" = 1) is one TOML key, never a dotted parameter.
            if (name.find('.') != std::string_view::npos) {
                add_problem(node, shown_key(key), unknown_key_message(key, table_));
            } else if (const ParameterSpec* spec = table_.find(key)) {
                read_value(*spec, node);
            } else if (table_.is_section(key)) {
                if (const toml::table* section = node.as_table()) {
                    read_table(*section, key);
                } else {
                    add_problem(node, key,
                                fmt::format("{} is a section of parameters, not a value; got {}",
                                            key, describe_node(node)));
                }
            } else if (const toml::table* unknown = node.as_table(); unknown && !unknown->empty()) {
                read_table(*unknown, key);  // name each unknown key inside, with suggestions
            } else {
                add_problem(node, shown_key(key), unknown_key_message(key, table_));
            }
        }
    }

    void read_value(const ParameterSpec& spec, const toml::node& node) {
        const std::optional<ParameterValue> value = value_of_node(spec, node);
        if (!value) {
            std::string detail = fmt::format("{} must be {}, got {}", spec.key,
                                             expected_phrase(spec), describe_node(node));
            const auto* real = node.as_floating_point();
            if (spec.type == ParameterType::integer && real != nullptr &&
                std::isfinite(real->get()) && std::trunc(real->get()) == real->get()) {
                detail += fmt::format(" (write {} without a decimal point)", real->get());
            }
            add_problem(node, spec.key, std::move(detail));
            return;
        }
        try {
            values_.assign(spec, *value, ValueSource::scenario_file, origin_);
        } catch (const ScenarioError& error) {
            add_problem(node, spec.key, error.detail());
        }
    }

    void add_problem(const toml::node& node, std::string key, std::string detail) {
        problems_.push_back({node.source().begin, std::move(key), std::move(detail)});
    }

    const ParameterTable& table_;
    ParameterSet& values_;
    std::string origin_;
    std::vector<Problem> problems_;
};

toml::table parse_document(std::string_view text, const std::string& origin) {
    try {
        return toml::parse(text, std::string_view(origin));
    } catch (const toml::parse_error& error) {
        throw ScenarioError(
            origin, "",
            fmt::format("line {}, column {}: TOML syntax error: {}", error.source().begin.line,
                        error.source().begin.column, error.description()));
    }
}

/// Reads a whole file; on failure returns why ("does not exist", ...) and leaves `text` alone.
std::optional<std::string> read_text_file(const fs::path& path, std::string& text) {
    std::error_code error;
    if (!fs::exists(path, error)) return "does not exist";
    if (fs::is_directory(path, error)) return "is a directory, not a file";
    std::ifstream stream(path, std::ios::binary);
    if (!stream) return "cannot be read";
    // An empty file is an empty scenario (all defaults), but `content << rdbuf()` sets failbit
    // when it inserts nothing, so only copy a file that has something in it.
    const bool empty = stream.peek() == std::ifstream::traits_type::eof();
    std::ostringstream content;
    if ((!empty && !(content << stream.rdbuf())) || stream.bad()) return "cannot be read";
    text = std::move(content).str();
    return std::nullopt;
}

/// An identity for cycle detection that does not depend on how the path was spelled.
fs::path identity_of(const fs::path& path) {
    std::error_code error;
    fs::path canonical = fs::weakly_canonical(path, error);
    if (error) return fs::absolute(path, error).lexically_normal();
    return canonical;
}

// ---------------------------------------------------------------------------------------------
// Loading with inheritance

struct LoadState {
    const ParameterTable& table;
    Scenario& scenario;
    std::vector<fs::path> chain;           // identities of the files being loaded, outermost first
    std::vector<std::string> chain_names;  // the same, as shown to the user
};

void apply_document(std::string_view text, const std::string& origin, LoadState& state,
                    bool is_top_file);

void apply_inherited_file(const toml::node& inherits, const std::string& origin, LoadState& state) {
    const auto* base_name = inherits.as_string();
    if (base_name == nullptr) {
        throw ScenarioError(origin, "inherits",
                            fmt::format("inherits must be a string (a path relative to this "
                                        "file), got {}",
                                        describe_node(inherits)));
    }
    const std::string shown_name = format_value(std::string(base_name->get()));
    if (state.chain.size() > kMaxInheritsDepth) {
        throw ScenarioError(origin, "inherits",
                            fmt::format("inherits = {}: the chain of inherited files is deeper "
                                        "than the limit of {} files (starting at {})",
                                        shown_name, kMaxInheritsDepth, state.chain_names.front()));
    }
    const fs::path base_path =
        (fs::path(origin).parent_path() / base_name->get()).lexically_normal();
    const std::string base_origin = base_path.string();
    const fs::path identity = identity_of(base_path);
    if (std::find(state.chain.begin(), state.chain.end(), identity) != state.chain.end()) {
        std::string cycle;
        for (const std::string& name : state.chain_names) cycle += name + " -> ";
        throw ScenarioError(
            origin, "inherits",
            fmt::format("inherits = {} makes a cycle: {}{}", shown_name, cycle, base_origin));
    }
    std::string text;
    if (const auto failure = read_text_file(base_path, text)) {
        throw ScenarioError(
            origin, "inherits",
            fmt::format("inherits = {}: the file {} {}", shown_name, base_origin, *failure));
    }
    state.chain.push_back(identity);
    state.chain_names.push_back(base_origin);
    apply_document(text, base_origin, state, false);
    state.chain.pop_back();
    state.chain_names.pop_back();
}

void apply_document(std::string_view text, const std::string& origin, LoadState& state,
                    bool is_top_file) {
    const toml::table document = parse_document(text, origin);
    // The base goes first so this file's values land over it.
    if (const toml::node* inherits = document.get("inherits")) {
        apply_inherited_file(*inherits, origin, state);
    }
    DocumentReader reader(state.table, state.scenario.values, origin);
    reader.read_parameters(document);
    std::string name;
    std::string description;
    if (const toml::node* scenario_table = document.get("scenario")) {
        reader.read_scenario_table(*scenario_table, name, description);
    }
    reader.throw_if_problems();
    if (const toml::node* cohort = document.get("cohort")) {
        state.scenario.cohort = read_cohort_section(*cohort, origin, state.table);
    }
    if (is_top_file) {
        state.scenario.name = name.empty() ? fs::path(origin).stem().string() : name;
        if (state.scenario.name.empty()) state.scenario.name = origin;
        state.scenario.description = description;
    }
    state.scenario.files.push_back(origin);
}

Scenario load_top_document(std::string_view text, const std::string& origin,
                           const ParameterTable& table) {
    Scenario scenario{ParameterSet(table), origin, "", "", {}, std::nullopt};
    LoadState state{table, scenario, {identity_of(origin)}, {origin}};
    apply_document(text, origin, state, true);
    return scenario;
}

// ---------------------------------------------------------------------------------------------
// --set values

template <typename Number>
std::optional<Number> parse_number(std::string_view text) {
    // from_chars takes '-' but not '+'; allow "+5" like TOML does, but not "+-5".
    if (!text.empty() && text.front() == '+') {
        text.remove_prefix(1);
        if (!text.empty() && text.front() == '-') return std::nullopt;
    }
    if (text.empty()) return std::nullopt;
    Number number{};
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, number);
    if (error != std::errc() || stop != end) return std::nullopt;
    return number;
}

std::optional<ParameterValue> value_of_text(const ParameterSpec& spec, std::string_view text) {
    switch (spec.type) {
        case ParameterType::real:
            if (const auto real = parse_number<double>(text)) return ParameterValue(*real);
            return std::nullopt;
        case ParameterType::integer:
            if (const auto integer = parse_number<std::int64_t>(text)) {
                return ParameterValue(*integer);
            }
            return std::nullopt;
        case ParameterType::boolean:
            if (text == "true") return ParameterValue(true);
            if (text == "false") return ParameterValue(false);
            return std::nullopt;
        case ParameterType::choice:
        case ParameterType::text:
            if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') &&
                text.back() == text.front()) {
                text = text.substr(1, text.size() - 2);
            }
            return ParameterValue(std::string(text));
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Rendering

std::string_view section_of(std::string_view key) {
    return key.substr(0, key.rfind('.'));
}
std::string_view name_of(std::string_view key) {
    return key.substr(key.rfind('.') + 1);
}

/// Specs grouped by section, sections in order of their first parameter.
std::vector<std::pair<std::string, std::vector<const ParameterSpec*>>> specs_by_section(
    const ParameterTable& table) {
    std::vector<std::pair<std::string, std::vector<const ParameterSpec*>>> sections;
    std::map<std::string, std::size_t, std::less<>> index_of_section;
    for (const ParameterSpec& spec : table.specs()) {
        const std::string_view section = section_of(spec.key);
        auto found = index_of_section.find(section);
        if (found == index_of_section.end()) {
            found = index_of_section.emplace(std::string(section), sections.size()).first;
            sections.emplace_back(std::string(section), std::vector<const ParameterSpec*>{});
        }
        sections[found->second].second.push_back(&spec);
    }
    return sections;
}

std::string unit_label(const ParameterSpec& spec) {
    if (!spec.unit.empty()) return spec.unit;
    return spec.type == ParameterType::real || spec.type == ParameterType::integer ? "dimensionless"
                                                                                   : "";
}

std::string spec_comment(const ParameterSpec& spec) {
    std::string comment = "# " + spec.description;
    if (const std::string unit = unit_label(spec); !unit.empty()) comment += " [" + unit + "]";
    if (spec.type == ParameterType::real || spec.type == ParameterType::integer) {
        comment += " range " + format_allowed(spec);
    } else if (spec.type == ParameterType::choice) {
        comment += "; one of " + format_allowed(spec);
    }
    comment += "; default " + toml_literal(spec.default_value);
    comment += "; source: " + spec.source;
    return comment;
}

/// A comment stays on its line: line breaks in a path would end it early.
std::string one_line(std::string text) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    std::replace(text.begin(), text.end(), '\r', ' ');
    return text;
}

std::string markdown_cell(std::string_view text) {
    std::string cell;
    for (const char c : text) {
        if (c == '|') cell += '\\';
        cell += c;
    }
    return cell;
}

}  // namespace

Scenario load_scenario_file(const fs::path& path, const ParameterTable& table) {
    const std::string origin = path.string();
    std::string text;
    if (const auto failure = read_text_file(path, text)) {
        throw ScenarioError(origin, "", fmt::format("the scenario file {}", *failure));
    }
    return load_top_document(text, origin, table);
}

Scenario load_scenario_text(std::string_view text, std::string_view origin_name,
                            const ParameterTable& table) {
    return load_top_document(text, std::string(origin_name), table);
}

std::string_view trim_blanks(std::string_view text) {
    const std::size_t first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const std::size_t last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

std::string override_key(std::string_view assignment) {
    return std::string(trim_blanks(assignment.substr(0, assignment.find('='))));
}

void apply_override(Scenario& scenario, std::string_view assignment, const ParameterTable& table) {
    const std::string origin(set_option_origin);
    const std::size_t equals = assignment.find('=');
    if (equals == std::string_view::npos) {
        throw ScenarioError(
            origin, "",
            fmt::format("expected key=value, got {}", format_value(std::string(assignment))));
    }
    const std::string key = override_key(assignment);
    check_key_length(key, origin);
    const std::string_view text = trim_blanks(assignment.substr(equals + 1));
    if (key.empty()) {
        throw ScenarioError(origin, "",
                            fmt::format("expected key=value, got {} with no key",
                                        format_value(std::string(assignment))));
    }
    const ParameterSpec* spec = table.find(key);
    if (spec == nullptr) {
        if (table.is_section(key)) {
            throw ScenarioError(origin, key,
                                fmt::format("{} is a section of parameters, not a parameter", key));
        }
        throw ScenarioError(origin, shown_key(key), unknown_key_message(key, table));
    }
    const std::optional<ParameterValue> value = value_of_text(*spec, text);
    if (!value) {
        throw ScenarioError(origin, key,
                            fmt::format("{} must be {}, got {}", key, expected_phrase(*spec),
                                        format_value(std::string(text))));
    }
    scenario.values.assign(*spec, *value, ValueSource::set_option, origin);
}

std::string render_resolved_toml(const Scenario& scenario, const ParameterTable& table) {
    std::string out;
    out += fmt::format("# Scenario {}, resolved: every parameter with the value used.\n",
                       format_value(scenario.name));
    out += "# Loading this document gives exactly these values.\n\n";
    out += "[scenario]\n";
    out += "name = " + toml_literal(scenario.name) + "\n";
    out += "description = " + toml_literal(scenario.description) + "\n";
    for (const auto& [section, specs] : specs_by_section(table)) {
        out += "\n[" + section + "]\n";
        bool first = true;
        for (const ParameterSpec* spec : specs) {
            if (!first) out += '\n';
            first = false;
            const ParameterEntry& entry = scenario.values.entry(spec->key);
            out += spec_comment(*spec) + "\n";
            out += std::string(name_of(spec->key)) + " = " + toml_literal(entry.value);
            switch (entry.source) {
                case ValueSource::table_default:
                    break;
                case ValueSource::scenario_file:
                    out += "  # set in file " + one_line(entry.set_by);
                    break;
                case ValueSource::set_option:
                    out += "  # set by --set";
                    break;
            }
            out += '\n';
        }
    }
    return out;
}

std::string render_markdown_reference(const ParameterTable& table) {
    std::string out;
    for (const auto& [section, specs] : specs_by_section(table)) {
        if (!out.empty()) out += '\n';
        out += "## `" + section + "`\n\n";
        out += "| key | type | unit | default | allowed | description | source |\n";
        out += "|---|---|---|---|---|---|---|\n";
        for (const ParameterSpec* spec : specs) {
            out += fmt::format("| `{}` | {} | {} | {} | {} | {} | {} |\n", spec->key,
                               type_name(spec->type), markdown_cell(unit_label(*spec)),
                               markdown_cell(toml_literal(spec->default_value)),
                               markdown_cell(format_allowed(*spec)),
                               markdown_cell(spec->description), markdown_cell(spec->source));
        }
    }
    return out;
}

std::string unknown_key_message(std::string_view key, const ParameterTable& table) {
    // The suggestion search costs key length x table size: never run it on a huge key.
    if (key.size() > kMaxKeyLength) return "unknown key: " + too_long_key_detail(key);
    std::string message = fmt::format("unknown key {}", shown_key(key));
    // A renamed key first: its new name may be too far from the old one for closest_key.
    if (const auto new_key = renamed_key(key); new_key && table.contains(*new_key)) {
        message += fmt::format("; it was renamed: did you mean {}?", *new_key);
    } else if (const auto suggestion = table.closest_key(key)) {
        message += fmt::format("; did you mean {}?", *suggestion);
    }
    return message;
}

void check_key_length(std::string_view key, const std::string& origin) {
    if (key.size() > kMaxKeyLength) throw ScenarioError(origin, "", too_long_key_detail(key));
}

}  // namespace cartsim::scenarios
