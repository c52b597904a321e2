#pragma once
// What an ensemble reports: the per-run table (inputs, status, endpoints from each run's
// /summary, plus yes/no columns cr, mrd_negative, relapse) and the aggregate endpoints of the
// complete runs (rates with 95% Wilson intervals, time to MRD-negativity, relapse and its
// CD19-negative share, CRS grade distribution, CAR-T peak quantiles), printed and in summary.h5.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/ensemble_plan.hpp"
#include "io/array_group.hpp"
#include "io/ensemble_summary.hpp"

namespace cartsim::cli {

/// count of n with its 95% Wilson score interval (rate, lo, hi NaN when n = 0).
struct Proportion {
    std::int64_t count = 0;
    std::int64_t n = 0;
    double rate = 0.0;
    double lo = 0.0;
    double hi = 0.0;
};
Proportion wilson_interval(std::int64_t count, std::int64_t n);

/// The q-quantile (0..1) of finite values, linear between order statistics (numpy's default);
/// NaN when there are none.
double quantile(std::vector<double> values, double q);

struct EnsembleAggregate {
    std::int64_t runs = 0;
    std::int64_t complete = 0;
    Proportion cr;
    Proportion mrd_negative;
    /// Among runs that reached CR.
    Proportion relapse;
    /// Among relapses: CD19-negative share of blasts at relapse >= 0.5.
    Proportion cd19_negative_relapse;
    double mean_relapse_cd19_negative_share = 0.0;
    /// Among runs that reached them: quantiles 0.25, 0.5, 0.75.
    std::vector<double> cr_day_quartiles;
    std::vector<double> mrd_negative_day_quartiles;
    /// Complete runs by maximum CRS grade 0..4.
    std::vector<std::int32_t> crs_grade_counts;
    std::vector<std::int32_t> icans_grade_counts;
    /// Quantiles 0.05, 0.25, 0.5, 0.75, 0.95 of the blood CAR-T peak (cells/uL) and its day.
    std::vector<double> cart_peak_quantiles;
    std::vector<double> cart_peak_day_quantiles;
};

/// The table of every planned run, reading DIR/runs/run_NNNN.h5 of each; runs listed in
/// `failed` get status "failed" unless their file is complete.
io::EnsembleTable collect_table(const EnsemblePlan& plan, const std::filesystem::path& runs_dir,
                                const std::vector<std::size_t>& failed);

EnsembleAggregate aggregate(const io::EnsembleTable& table);

/// The aggregate as a Markdown table with a heading line (what `cartsim ensemble` prints).
std::string aggregate_text(const std::string& scenario_name, const EnsembleAggregate& aggregate);

/// The aggregate as the /aggregate group of summary.h5.
io::ArrayGroup aggregate_group(const EnsembleAggregate& aggregate);

/// Writes DIR/summary.csv and DIR/summary.h5 (both atomically).
void write_summaries(const std::filesystem::path& dir, const EnsemblePlan& plan,
                     const io::EnsembleTable& table, const EnsembleAggregate& aggregate);

}  // namespace cartsim::cli
