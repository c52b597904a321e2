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
#include <string>
#include <string_view>
#include <vector>

#include "agents/readouts/clinical_readouts.hpp"
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

std::string scenario_text(const io::RunFileReader& reader,
                          const std::optional<io::RunSummary>& summary) {
    std::string text = scenario_name(reader, summary);
    if (summary) {
        const auto file = summary->texts.find("scenario_file");
        if (file != summary->texts.end() && !file->second.empty()) {
            text += fmt::format(" ({})", file->second);
        }
    }
    return text;
}

std::string time_series_text(const io::RunFileReader& reader) {
    if (!reader.has_root_member(io::layout::kTimeseriesGroup)) return "none (no /timeseries)";
    const std::size_t rows = reader.timeseries_rows();
    if (rows == 0) return "none (no time-series rows)";
    const std::vector<double> times = reader.read_timeseries(io::layout::kTimeColumn);
    return fmt::format("{} ({} time-series rows)", days_text(times.back()), rows);
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

// The endpoints in the order of the /summary contract (agents::ClinicalEndpoints), then any
// others by name, as "  name = value unit" with the "=" aligned.
std::string endpoints_text(const io::RunSummary& summary) {
    struct Row {
        std::string name;
        std::string unit;
        double value = 0.0;
    };
    std::vector<Row> rows;
    std::map<std::string, double, std::less<>> remaining = summary.values;
    agents::ClinicalEndpoints{}.for_each([&](std::string_view name, std::string_view unit, double) {
        const auto found = remaining.find(name);
        if (found == remaining.end()) return;
        rows.push_back({std::string(name), std::string(unit), found->second});
        remaining.erase(found);
    });
    for (const auto& [name, value] : remaining) rows.push_back({name, "", value});

    std::size_t name_width = 0;
    for (const Row& row : rows) name_width = std::max(name_width, row.name.size());
    std::string text;
    for (const Row& row : rows) {
        std::string value = std::isnan(row.value) ? "never" : fmt::format("{:g}", row.value);
        // "1" marks a dimensionless quantity; printing it after the number would only confuse.
        if (!std::isnan(row.value) && !row.unit.empty() && row.unit != "1") {
            value += " " + row.unit;
        }
        text += fmt::format("  {:<{}} = {}\n", row.name, name_width, value);
    }
    return text;
}

std::string run_info_text(const std::filesystem::path& h5_path) {
    const io::RunFileReader reader(h5_path);
    const io::RunMetadata metadata = reader.run_metadata();
    std::optional<io::RunSummary> summary;
    if (reader.has_root_member(io::layout::kSummaryGroup)) summary = reader.summary();

    std::string text;
    append_line(text, "file", h5_path.string());
    append_line(text, "format_version", std::to_string(reader.format_version()));
    append_line(text, "cartsim_version", metadata.cartsim_version);
    append_line(text, "git_commit", metadata.git_commit);
    append_line(text, "created_utc", metadata.created_utc);
    append_line(
        text, "run_status",
        reader.root_text_attribute(io::layout::kRunStatusAttr).value_or(std::string(kUnknown)));
    append_line(text, "scenario", scenario_text(reader, summary));
    append_line(text, "seed", std::to_string(metadata.seed));
    append_line(text, "days simulated", time_series_text(reader));
    append_line(text, "snapshots", snapshots_text(reader.snapshots()));
    append_line(text, "checkpoint", checkpoint_text(reader.checkpoint()));
    if (!summary) {
        append_line(text, "endpoints",
                    "none (no /summary yet: the run has not ended or checkpointed)");
    } else if (summary->values.empty()) {
        append_line(text, "endpoints", "none");
    } else {
        append_line(text, "endpoints", "");
        text += endpoints_text(*summary);
    }
    return text;
}

}  // namespace

int show_run_info(const std::filesystem::path& h5_path, std::ostream& out) {
    std::string text;
    try {
        // All of it is read before anything is printed, so a failure prints nothing but the error.
        text = run_info_text(h5_path);
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
