#include "scenarios/sweep_design.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <optional>

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

}  // namespace

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
