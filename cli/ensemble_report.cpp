#include "cli/ensemble_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "agents/readouts/clinical_readouts.hpp"

namespace cartsim::cli {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kZ95 = 1.959963984540054;
constexpr double kCd19NegativeRelapse = 0.5;
constexpr int kMaxCrsGrade = 4;

/// The yes/no column inserted before an endpoint's day column.
const char* flag_before(std::string_view name) {
    if (name == "cr_day") return "cr";
    if (name == "mrd_negative_day") return "mrd_negative";
    if (name == "relapse_day") return "relapse";
    return nullptr;
}

double numeric_input(const scenarios::ParameterValue& value) {
    if (const auto* real = std::get_if<double>(&value)) return *real;
    if (const auto* integer = std::get_if<std::int64_t>(&value)) {
        return static_cast<double>(*integer);
    }
    if (const auto* flag = std::get_if<bool>(&value)) return *flag ? 1.0 : 0.0;
    return kNaN;
}

std::string input_text(const scenarios::ParameterValue& value) {
    if (const auto* text = std::get_if<std::string>(&value)) return *text;
    return scenarios::format_value(value);
}

std::size_t column_of(const io::EnsembleTable& table, std::string_view name) {
    const auto found = std::find(table.endpoint_names.begin(), table.endpoint_names.end(), name);
    return static_cast<std::size_t>(found - table.endpoint_names.begin());
}

std::string percent(double rate) {
    return std::isnan(rate) ? std::string("-") : fmt::format("{:.1f}%", 100.0 * rate);
}

std::string proportion_cells(const Proportion& p) {
    if (p.n == 0) return "0/0 | -";
    return fmt::format("{}/{} ({}) | {}-{}", p.count, p.n, percent(p.rate), percent(p.lo),
                       percent(p.hi));
}

std::string number(double value, int digits = 3) {
    return std::isnan(value) ? std::string("-") : fmt::format("{:.{}g}", value, digits);
}

}  // namespace

Proportion wilson_interval(std::int64_t count, std::int64_t n) {
    Proportion p{count, n, kNaN, kNaN, kNaN};
    if (n <= 0) return p;
    const double nn = static_cast<double>(n);
    const double phat = static_cast<double>(count) / nn;
    const double z2 = kZ95 * kZ95;
    const double denominator = 1.0 + z2 / nn;
    const double centre = (phat + z2 / (2.0 * nn)) / denominator;
    const double half =
        kZ95 * std::sqrt(phat * (1.0 - phat) / nn + z2 / (4.0 * nn * nn)) / denominator;
    p.rate = phat;
    p.lo = std::max(0.0, centre - half);
    p.hi = std::min(1.0, centre + half);
    return p;
}

double quantile(std::vector<double> values, double q) {
    std::erase_if(values, [](double v) { return !std::isfinite(v); });
    if (values.empty()) return kNaN;
    std::sort(values.begin(), values.end());
    const double position = q * static_cast<double>(values.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(position));
    const std::size_t above = std::min(below + 1, values.size() - 1);
    const double fraction = position - static_cast<double>(below);
    return values[below] + fraction * (values[above] - values[below]);
}

io::EnsembleTable collect_table(const EnsemblePlan& plan, const std::filesystem::path& runs_dir,
                                const std::vector<std::size_t>& failed) {
    io::EnsembleTable table;
    table.input_keys = plan.input_keys;
    agents::ClinicalEndpoints{}.for_each([&](std::string_view name, std::string_view unit, double) {
        if (const char* flag = flag_before(name)) {
            table.endpoint_names.emplace_back(flag);
            table.endpoint_units.emplace_back("");
        }
        table.endpoint_names.emplace_back(name);
        table.endpoint_units.emplace_back(unit);
    });
    for (const PlannedRun& run : plan.runs) {
        io::EnsembleRow row;
        row.index = run.index;
        row.seed = run.seed;
        for (const auto& value : run.inputs) {
            row.input_texts.push_back(input_text(value));
            row.inputs.push_back(numeric_input(value));
        }
        const io::RunFileState state = io::read_run_file_state(runs_dir / run_file_name(run.index));
        row.status = state.status;
        if (state.status != "complete" &&
            std::find(failed.begin(), failed.end(), run.index) != failed.end()) {
            row.status = "failed";
        }
        const bool complete = state.status == "complete" && state.seed == run.seed;
        for (const std::string& name : table.endpoint_names) {
            double value = kNaN;
            if (complete) {
                const std::string source = name == "cr"             ? "cr_day"
                                           : name == "mrd_negative" ? "mrd_negative_day"
                                           : name == "relapse"      ? "relapse_day"
                                                                    : name;
                const auto found = state.endpoints.find(source);
                value = found == state.endpoints.end() ? kNaN : found->second;
                if (source != name) value = std::isnan(value) ? 0.0 : 1.0;
            }
            row.endpoints.push_back(value);
        }
        table.rows.push_back(std::move(row));
    }
    return table;
}

EnsembleAggregate aggregate(const io::EnsembleTable& table) {
    EnsembleAggregate a;
    a.runs = static_cast<std::int64_t>(table.rows.size());
    const std::size_t cr_day = column_of(table, "cr_day");
    const std::size_t mrd_day = column_of(table, "mrd_negative_day");
    const std::size_t relapse_day = column_of(table, "relapse_day");
    const std::size_t cd19_share = column_of(table, "relapse_cd19_negative_fraction");
    const std::size_t crs = column_of(table, "crs_max_grade");
    const std::size_t icans = column_of(table, "icans_max_grade");
    const std::size_t peak = column_of(table, "cart_peak_per_ul");
    const std::size_t peak_day = column_of(table, "cart_peak_day");
    std::int64_t crs_count = 0;
    std::int64_t mrd_count = 0;
    std::int64_t relapses = 0;
    std::int64_t cd19_negative = 0;
    double share_sum = 0.0;
    std::vector<double> cr_days;
    std::vector<double> mrd_days;
    std::vector<double> peaks;
    std::vector<double> peak_days;
    a.crs_grade_counts.assign(kMaxCrsGrade + 1, 0);
    a.icans_grade_counts.assign(kMaxCrsGrade + 1, 0);
    for (const io::EnsembleRow& row : table.rows) {
        if (row.status != "complete") continue;
        ++a.complete;
        const auto& e = row.endpoints;
        if (!std::isnan(e[cr_day])) {
            ++crs_count;
            cr_days.push_back(e[cr_day]);
            if (!std::isnan(e[relapse_day])) {
                ++relapses;
                share_sum += e[cd19_share];
                if (e[cd19_share] >= kCd19NegativeRelapse) ++cd19_negative;
            }
        }
        if (!std::isnan(e[mrd_day])) {
            ++mrd_count;
            mrd_days.push_back(e[mrd_day]);
        }
        const int grade = std::clamp(static_cast<int>(std::lround(e[crs])), 0, kMaxCrsGrade);
        ++a.crs_grade_counts[static_cast<std::size_t>(grade)];
        const int icans_grade =
            std::clamp(static_cast<int>(std::lround(e[icans])), 0, kMaxCrsGrade);
        ++a.icans_grade_counts[static_cast<std::size_t>(icans_grade)];
        peaks.push_back(e[peak]);
        peak_days.push_back(e[peak_day]);
    }
    a.cr = wilson_interval(crs_count, a.complete);
    a.mrd_negative = wilson_interval(mrd_count, a.complete);
    a.relapse = wilson_interval(relapses, crs_count);
    a.cd19_negative_relapse = wilson_interval(cd19_negative, relapses);
    a.mean_relapse_cd19_negative_share =
        relapses > 0 ? share_sum / static_cast<double>(relapses) : kNaN;
    for (const double q : {0.25, 0.5, 0.75}) {
        a.cr_day_quartiles.push_back(quantile(cr_days, q));
        a.mrd_negative_day_quartiles.push_back(quantile(mrd_days, q));
    }
    for (const double q : {0.05, 0.25, 0.5, 0.75, 0.95}) {
        a.cart_peak_quantiles.push_back(quantile(peaks, q));
        a.cart_peak_day_quantiles.push_back(quantile(peak_days, q));
    }
    return a;
}

std::string aggregate_text(const std::string& scenario_name, const EnsembleAggregate& a) {
    const auto quartiles = [](const std::vector<double>& q) {
        if (std::isnan(q[1])) return std::string("-");
        return fmt::format("{} ({}-{})", number(q[1]), number(q[0]), number(q[2]));
    };
    std::string text =
        fmt::format("Ensemble '{}': {} runs, {} complete\n\n", scenario_name, a.runs, a.complete);
    text += "| endpoint | value | 95% CI |\n|---|---|---|\n";
    text += fmt::format("| complete remission (CR) | {} |\n", proportion_cells(a.cr));
    text += fmt::format("| MRD-negative (< 1e-4) | {} |\n", proportion_cells(a.mrd_negative));
    text += fmt::format("| relapse after CR | {} |\n", proportion_cells(a.relapse));
    text += fmt::format("| CD19-negative relapses (>= 50% CD19-neg blasts) | {} |\n",
                        proportion_cells(a.cd19_negative_relapse));
    text += fmt::format("| mean CD19-negative share at relapse | {} | |\n",
                        number(a.mean_relapse_cd19_negative_share));
    text += fmt::format("| day of CR, median (IQR) | {} | |\n", quartiles(a.cr_day_quartiles));
    text += fmt::format("| day of MRD-negativity, median (IQR) | {} | |\n",
                        quartiles(a.mrd_negative_day_quartiles));
    std::string grades;
    for (std::size_t g = 0; g < a.crs_grade_counts.size(); ++g) {
        grades += fmt::format("{}{}", g > 0 ? " / " : "", a.crs_grade_counts[g]);
    }
    text += fmt::format("| CRS grade 0 / 1 / 2 / 3 / 4 (runs, ASTCT) | {} | |\n", grades);
    std::string icans_grades;
    for (std::size_t g = 0; g < a.icans_grade_counts.size(); ++g) {
        icans_grades += fmt::format("{}{}", g > 0 ? " / " : "", a.icans_grade_counts[g]);
    }
    text += fmt::format("| ICANS grade 0 / 1 / 2 / 3 / 4 (runs, ASTCT) | {} | |\n", icans_grades);
    const auto& p = a.cart_peak_quantiles;
    text += fmt::format(
        "| blood CAR-T peak /uL, p5 / p25 / median / p75 / p95 | {} / {} / {} / {} "
        "/ {} | |\n",
        number(p[0]), number(p[1]), number(p[2]), number(p[3]), number(p[4]));
    const auto& d = a.cart_peak_day_quantiles;
    text +=
        fmt::format("| day of CAR-T peak, median (IQR) | {} | |\n", quartiles({d[1], d[2], d[3]}));
    return text;
}

io::ArrayGroup aggregate_group(const EnsembleAggregate& a) {
    io::ArrayGroup group;
    group.path = "aggregate";
    auto& attrs = group.attributes;
    attrs.push_back({"runs", static_cast<std::uint64_t>(a.runs)});
    attrs.push_back({"complete", static_cast<std::uint64_t>(a.complete)});
    const auto add = [&](const std::string& name, const Proportion& p) {
        attrs.push_back({name + "_count", static_cast<std::uint64_t>(p.count)});
        attrs.push_back({name + "_n", static_cast<std::uint64_t>(p.n)});
        attrs.push_back({name + "_rate", p.rate});
        attrs.push_back({name + "_ci95", std::vector<double>{p.lo, p.hi}});
    };
    add("cr", a.cr);
    add("mrd_negative", a.mrd_negative);
    add("relapse", a.relapse);
    add("cd19_negative_relapse", a.cd19_negative_relapse);
    attrs.push_back({"mean_relapse_cd19_negative_share", a.mean_relapse_cd19_negative_share});
    attrs.push_back({"cr_day_quartiles", a.cr_day_quartiles});
    attrs.push_back({"mrd_negative_day_quartiles", a.mrd_negative_day_quartiles});
    attrs.push_back({"crs_grade_counts", a.crs_grade_counts});
    attrs.push_back({"icans_grade_counts", a.icans_grade_counts});
    attrs.push_back({"cart_peak_quantiles", a.cart_peak_quantiles});
    attrs.push_back({"cart_peak_day_quantiles", a.cart_peak_day_quantiles});
    attrs.push_back({"quantile_levels", std::vector<double>{0.05, 0.25, 0.5, 0.75, 0.95}});
    attrs.push_back({"ci_method", std::string("Wilson score, 95%")});
    return group;
}

void write_summaries(const std::filesystem::path& dir, const EnsemblePlan& plan,
                     const io::EnsembleTable& table, const EnsembleAggregate& aggregate) {
    io::write_summary_csv(dir / "summary.csv", table);
    std::string keys;
    for (const std::string& key : plan.input_keys) {
        if (!keys.empty()) keys += ',';
        keys += key;
    }
    const std::vector<io::NamedAttribute> root{
        {"format_version", std::int32_t{1}},
        {"scenario_name", plan.scenario_name},
        {"base_seed", plan.base_seed},
        {"input_keys", keys},
        {"patients", static_cast<std::uint64_t>(plan.patients)},
        {"points", static_cast<std::uint64_t>(plan.points)},
        {"replicates", static_cast<std::uint64_t>(plan.replicates)},
    };
    io::write_summary_h5(dir / "summary.h5", table, root, {aggregate_group(aggregate)});
}

}  // namespace cartsim::cli
