#pragma once
// Parameter sweeps of `cartsim ensemble`: `--vary key=lo:hi[:log]` ranges and the designs that
// place points in them (a full grid, or a Latin hypercube).

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/parameter_table.hpp"

namespace cartsim::scenarios {

/// One `--vary key=lo:hi[:log]`.
struct VariedRange {
    std::string key;
    double lo = 0.0;
    double hi = 0.0;
    /// Points spaced evenly in log(value) (needs lo > 0).
    bool log = false;
};

/// Parses and checks `key=lo:hi` or `key=lo:hi:log`: the key must be a real or integer
/// parameter (unknown keys get a suggestion), lo <= hi, both inside the key's allowed range,
/// lo > 0 for log. Throws ScenarioError("--vary", key, ...) naming the key and the range.
VariedRange parse_varied_range(std::string_view text, const ParameterTable& table);

enum class DesignKind { grid, lhs };

/// Grid: `samples` points per range (evenly spaced, both ends included; one point is the middle)
/// and their cartesian product, the first range varying slowest: samples^ranges points.
/// points[i][k] is range k's value at point i. No ranges: one point with no values.
std::vector<std::vector<double>> grid_design(const std::vector<VariedRange>& ranges,
                                             std::int64_t samples);

/// Latin hypercube of `samples` points: each range is cut into `samples` strata of equal width
/// (in log space for log ranges) and every stratum of every range holds exactly one point. The
/// strata are permuted and the points jittered inside them by Philox streams keyed by `seed`
/// (StreamId::ensemble_lhs), so the design depends only on (seed, ranges, samples).
std::vector<std::vector<double>> lhs_design(const std::vector<VariedRange>& ranges,
                                            std::int64_t samples, std::uint64_t seed);

/// A design coordinate as a value of the key: integers rounded to the nearest whole number.
ParameterValue design_value(const ParameterSpec& spec, double x);

/// A design read from a CSV file (`cartsim ensemble --design-file DESIGN.csv`).
struct DesignFile {
    /// The header row: one parameter key per column.
    std::vector<std::string> keys;
    /// One design point per data row, one value per key, typed as the key's parameter.
    std::vector<std::vector<ParameterValue>> points;
    /// The file line of each point (1 = the header), for messages.
    std::vector<std::size_t> lines;
};

/// Reads a design CSV: the first row names parameter keys, each further row is a design point.
/// Fields are separated by commas and may be quoted ("a,b", "" for a quote); spaces around a
/// field are ignored; blank lines and lines starting with '#' are skipped; CRLF line ends and a
/// UTF-8 byte order mark are accepted. Each value is read by its key's type: real (any number),
/// integer (a whole number, also written as 12.0 or 1e3), boolean (true/false, 1/0, any case),
/// choice and text (the field as is); then checked against the key's allowed range or choices.
///
/// Throws ScenarioError with origin "<path> row R (line L)" (R counts design points from 1) and
/// the column's key, naming the column number, for: an unreadable or empty file, a file without
/// data rows, an empty or duplicate or unknown key (with "did you mean"), run.seed as a column, a
/// row with more or fewer fields than the header, an empty value, a value that is not of the
/// key's type, and a value outside the key's range or choices.
DesignFile read_design_file(const std::filesystem::path& path, const ParameterTable& table);

}  // namespace cartsim::scenarios
