#include "cli/info_command.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <exception>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "agents/readouts/clinical_readouts.hpp"
#include "cli/json_text.hpp"
#include "cli/run_simulation.hpp"
#include "io/run_file_reader.hpp"
#include "io/run_file_writer.hpp"

namespace cartsim::cli {
namespace {

constexpr std::string_view kUnknown = "unknown";
// Up to this many snapshot days are listed; beyond, the first and last few with "..." between.
constexpr std::size_t kMaxListedSnapshotDays = 12;
constexpr std::size_t kSnapshotDaysAtEachEnd = 5;

// "label:" padded so the values line up.
void append_line(std::string& text, std::string_view label, std::string_view value) {
    const std::string label_text = fmt::format("{}:", label);
    text += value.empty() ? label_text + "\n" : fmt::format("{:<18}{}\n", label_text, value);
}

std::string days_text(double days) {
    return fmt::format("{:g}", days);
}

// [scenario] name of the resolved scenario text, if it parses and has one.
std::optional<std::string> scenario_name_in_toml(const std::string& scenario_toml) {
    try {
        const toml::table document = toml::parse(scenario_toml);
        if (const std::optional<std::string> name =
                document["scenario"]["name"].value<std::string>()) {
            return name;
        }
    } catch (const toml::parse_error&) {
        // An unreadable scenario text only costs the name here.
    }
    return std::nullopt;
}

// /summary scenario_name (what `cartsim run` writes), else [scenario] name in /config, else
// "unknown".
std::string scenario_name(const io::RunFileReader& reader,
                          const std::optional<io::RunSummary>& summary) {
    if (summary) {
        const auto found = summary->texts.find("scenario_name");
        if (found != summary->texts.end() && !found->second.empty()) return found->second;
    }
    if (reader.has_root_member(io::layout::kConfigGroup)) {
        if (std::optional<std::string> name = scenario_name_in_toml(reader.scenario_toml())) {
            return *name;
        }
    }
    return std::string(kUnknown);
}

// "5 (days 0, 7, 14, 21, 28)"; with many, "40 (days 0, 1, 2, 3, 4, ..., 35, 36, 37, 38, 39)".
std::string snapshots_text(const std::vector<io::SnapshotInfo>& snapshots) {
    if (snapshots.empty()) return "none";
    std::vector<std::string> days;
    const std::size_t count = snapshots.size();
    for (std::size_t i = 0; i < count; ++i) {
        const bool listed = count <= kMaxListedSnapshotDays || i < kSnapshotDaysAtEachEnd ||
                            i >= count - kSnapshotDaysAtEachEnd;
        if (listed) {
            days.push_back(days_text(snapshots[i].time_days));
        } else if (i == kSnapshotDaysAtEachEnd) {
            days.emplace_back("...");
        }
    }
    return fmt::format("{} (day{} {})", count, count == 1 ? "" : "s", fmt::join(days, ", "));
}

std::string checkpoint_text(const std::optional<io::CheckpointInfo>& checkpoint) {
    if (!checkpoint) return "none";
    return fmt::format("step {}, day {}", checkpoint->step, days_text(checkpoint->time_days));
}

struct EndpointRow {
    std::string name;
    std::string unit;
    double value = 0.0;
    /// truncated_horizon_note() for an AUC whose horizon the run did not reach, else "".
    std::string note;
};

// The endpoints in the order of the /summary contract (agents::ClinicalEndpoints), then any
// others by name.
std::vector<EndpointRow> endpoint_rows(const io::RunSummary& summary) {
    std::vector<EndpointRow> rows;
    std::map<std::string, double, std::less<>> remaining = summary.values;
    agents::ClinicalEndpoints{}.for_each([&](std::string_view name, std::string_view unit, double) {
        const auto found = remaining.find(name);
        if (found == remaining.end()) return;
        rows.push_back({std::string(name), std::string(unit), found->second, ""});
        remaining.erase(found);
    });
    for (const auto& [name, value] : remaining) rows.push_back({name, "", value, ""});
    const auto days = summary.values.find("days_simulated");
    if (days != summary.values.end() && std::isfinite(days->second)) {
        for (EndpointRow& row : rows) {
            if (const std::optional<double> horizon = endpoint_horizon_days(row.name)) {
                row.note = truncated_horizon_note(*horizon, days->second);
            }
        }
    }
    return rows;
}

// "  name = value unit" with the "=" aligned.
std::string endpoints_text(const std::vector<EndpointRow>& rows) {
    std::size_t name_width = 0;
    for (const EndpointRow& row : rows) name_width = std::max(name_width, row.name.size());
    std::string text;
    for (const EndpointRow& row : rows) {
        std::string value = std::isnan(row.value) ? "never" : fmt::format("{:g}", row.value);
        // "1" marks a dimensionless quantity; printing it after the number would only confuse.
        if (!std::isnan(row.value) && !row.unit.empty() && row.unit != "1") {
            value += " " + row.unit;
        }
        if (!row.note.empty()) value += " (" + row.note + ")";
        text += fmt::format("  {:<{}} = {}\n", row.name, name_width, value);
    }
    return text;
}

// Everything `cartsim info` reports, read before anything is printed.
struct RunInfo {
    std::string file;
    int format_version = 0;
    io::RunMetadata metadata;
    std::optional<std::string> run_status;
    io::StoredProvenance provenance;
    std::string scenario_name;
    std::optional<std::string> scenario_file;
    std::size_t timeseries_rows = 0;
    bool has_timeseries = false;
    std::optional<double> last_day;  ///< time_days of the last row
    std::vector<io::SnapshotInfo> snapshots;
    std::optional<io::CheckpointInfo> checkpoint;
    std::optional<io::RunSummary> summary;
};

RunInfo read_run_info(const std::filesystem::path& h5_path) {
    const io::RunFileReader reader(h5_path);
    RunInfo info;
    info.file = h5_path.string();
    info.format_version = reader.format_version();
    info.metadata = reader.run_metadata();
    info.run_status = reader.root_text_attribute(io::layout::kRunStatusAttr);
    info.provenance = reader.provenance();
    if (reader.has_root_member(io::layout::kSummaryGroup)) info.summary = reader.summary();
    info.scenario_name = scenario_name(reader, info.summary);
    if (info.summary) {
        const auto file = info.summary->texts.find("scenario_file");
        if (file != info.summary->texts.end() && !file->second.empty()) {
            info.scenario_file = file->second;
        }
    }
    info.has_timeseries = reader.has_root_member(io::layout::kTimeseriesGroup);
    if (info.has_timeseries) {
        info.timeseries_rows = reader.timeseries_rows();
        if (info.timeseries_rows > 0) {
            info.last_day = reader.read_timeseries(io::layout::kTimeColumn).back();
        }
    }
    info.snapshots = reader.snapshots();
    info.checkpoint = reader.checkpoint();
    return info;
}

std::string time_series_text(const RunInfo& info) {
    if (!info.has_timeseries) return "none (no /timeseries)";
    if (!info.last_day) return "none (no time-series rows)";
    return fmt::format("{} ({} time-series rows)", days_text(*info.last_day), info.timeseries_rows);
}

constexpr std::string_view kNotRecorded = "not recorded (a file of an older cartsim)";

std::string text_or_not_recorded(const std::optional<std::string>& value) {
    return value ? *value : std::string(kNotRecorded);
}

std::string run_info_text(const RunInfo& info) {
    std::string text;
    append_line(text, "file", info.file);
    append_line(text, "format_version", std::to_string(info.format_version));
    append_line(text, "cartsim_version", info.metadata.cartsim_version);
    append_line(text, "git_commit", info.metadata.git_commit);
    append_line(text, "created_utc", info.metadata.created_utc);
    append_line(text, "run_status", info.run_status.value_or(std::string(kUnknown)));
    const io::StoredProvenance& p = info.provenance;
    // A resumed run's command_line holds one command a line (the run, then each resume): the
    // later ones are indented under the first.
    std::string commands;
    {
        std::istringstream lines(text_or_not_recorded(p.command_line));
        std::string line;
        for (bool first = true; std::getline(lines, line); first = false) {
            commands += first ? line : "\n" + std::string(18, ' ') + line;
        }
    }
    append_line(text, "command_line", commands);
    append_line(text, "host", text_or_not_recorded(p.host));
    append_line(text, "threads",
                p.threads ? std::to_string(*p.threads) : std::string(kNotRecorded));
    append_line(text, "compiler", text_or_not_recorded(p.compiler));
    append_line(text, "build_type", text_or_not_recorded(p.build_type));
    append_line(text, "hdf5_version", text_or_not_recorded(p.hdf5_version));
    std::string wall_time(kNotRecorded);
    if (p.wall_time_s) {
        wall_time = fmt::format("{:.1f} s", *p.wall_time_s);
    } else if (p.command_line) {
        wall_time = "not yet (written when the run publishes its file)";
    }
    append_line(text, "wall_time", wall_time);
    std::string scenario = info.scenario_name;
    if (info.scenario_file) scenario += fmt::format(" ({})", *info.scenario_file);
    append_line(text, "scenario", scenario);
    append_line(text, "seed", std::to_string(info.metadata.seed));
    append_line(text, "days simulated", time_series_text(info));
    append_line(text, "snapshots", snapshots_text(info.snapshots));
    append_line(text, "checkpoint", checkpoint_text(info.checkpoint));
    if (!info.summary) {
        append_line(text, "endpoints",
                    "none (no /summary yet: the run has not ended or checkpointed)");
    } else if (info.summary->values.empty()) {
        append_line(text, "endpoints", "none");
    } else {
        append_line(text, "endpoints", "");
        text += endpoints_text(endpoint_rows(*info.summary));
    }
    return text;
}

std::string json_text_or_null(const std::optional<std::string>& value) {
    return value ? json::json_string(*value) : std::string("null");
}

// The same as run_info_text as one JSON document; null for what the file lacks (and for an
// endpoint value that never happened or is infinite: its "text" then says "never" or "inf").
std::string run_info_json(const RunInfo& info) {
    using json::json_number;
    using json::json_string;
    std::string text = "{\n";
    const auto field = [&](std::string_view name, const std::string& value, bool last = false) {
        text += fmt::format("  {}: {}{}\n", json_string(name), value, last ? "" : ",");
    };
    field("file", json_string(info.file));
    field("format_version", json_number(static_cast<std::int64_t>(info.format_version)));
    field("cartsim_version", json_string(info.metadata.cartsim_version));
    field("git_commit", json_string(info.metadata.git_commit));
    field("created_utc", json_string(info.metadata.created_utc));
    field("run_status", json_text_or_null(info.run_status));
    const io::StoredProvenance& p = info.provenance;
    field("provenance",
          fmt::format("{{\"command_line\": {}, \"host\": {}, \"threads\": {}, \"compiler\": {}, "
                      "\"build_type\": {}, \"hdf5_version\": {}, \"wall_time_s\": {}}}",
                      json_text_or_null(p.command_line), json_text_or_null(p.host),
                      p.threads ? json_number(*p.threads) : std::string("null"),
                      json_text_or_null(p.compiler), json_text_or_null(p.build_type),
                      json_text_or_null(p.hdf5_version),
                      p.wall_time_s ? json_number(*p.wall_time_s) : std::string("null")));
    field("scenario", fmt::format("{{\"name\": {}, \"file\": {}}}", json_string(info.scenario_name),
                                  json_text_or_null(info.scenario_file)));
    field("seed", json_number(info.metadata.seed));
    field("days_simulated", info.last_day ? json_number(*info.last_day) : std::string("null"));
    field("timeseries_rows", json_number(static_cast<std::uint64_t>(info.timeseries_rows)));
    std::string snapshots = "[";
    for (std::size_t i = 0; i < info.snapshots.size(); ++i) {
        snapshots += fmt::format("{}{{\"step\": {}, \"day\": {}}}", i > 0 ? ", " : "",
                                 json_number(info.snapshots[i].step),
                                 json_number(info.snapshots[i].time_days));
    }
    field("snapshots", snapshots + "]");
    field("checkpoint", info.checkpoint ? fmt::format("{{\"step\": {}, \"day\": {}}}",
                                                      json_number(info.checkpoint->step),
                                                      json_number(info.checkpoint->time_days))
                                        : std::string("null"));
    if (!info.summary) {
        field("endpoints", "null", true);
    } else {
        const std::vector<EndpointRow> rows = endpoint_rows(*info.summary);
        std::string endpoints = "{";
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const EndpointRow& row = rows[i];
            std::string shown = fmt::format("{}", row.value);
            if (std::isnan(row.value)) shown = "never";
            if (std::isinf(row.value)) shown = row.value > 0 ? "inf" : "-inf";
            endpoints += fmt::format(
                "{}\n    {}: {{\"value\": {}, \"unit\": {}, \"text\": {}{}}}", i > 0 ? "," : "",
                json_string(row.name), json_number(row.value), json_string(row.unit),
                json_string(shown),
                row.note.empty() ? std::string()
                                 : fmt::format(", \"note\": {}", json_string(row.note)));
        }
        field("endpoints", endpoints + (rows.empty() ? "}" : "\n  }"), true);
    }
    return text + "}\n";
}

}  // namespace

std::optional<double> endpoint_horizon_days(std::string_view endpoint) {
    constexpr std::string_view kAucPrefix = "cart_auc_0_";
    if (endpoint.rfind(kAucPrefix, 0) != 0) return std::nullopt;
    const std::string_view digits = endpoint.substr(kAucPrefix.size());
    if (digits.empty() || digits.size() > 6 ||
        digits.find_first_not_of("0123456789") != std::string_view::npos) {
        return std::nullopt;
    }
    return std::stod(std::string(digits));
}

std::string truncated_horizon_note(double horizon_days, double days_simulated) {
    if (!(days_simulated < horizon_days)) return "";
    return fmt::format("AUC day 0-{:g} only: the run ends before day {:g}", days_simulated,
                       horizon_days);
}

int show_run_info(const std::filesystem::path& h5_path, std::ostream& out, InfoFormat format) {
    std::string text;
    try {
        // All of it is read before anything is printed, so a failure prints nothing but the error.
        const RunInfo info = read_run_info(h5_path);
        text = format == InfoFormat::json ? run_info_json(info) : run_info_text(info);

    } catch (const io::IoError& error) {
        spdlog::error("{}", error.what());
        return kExitOutputProblem;
    } catch (const std::exception& error) {
        // Everything above only reads the file: whatever fails is the file's problem.
        spdlog::error("cannot read '{}' (damaged or not a cartsim run file): {}", h5_path.string(),
                      error.what());
        return kExitOutputProblem;
    }
    out << text << std::flush;
    return kExitSuccess;
}

}  // namespace cartsim::cli
