#pragma once
// Virtual patient cohorts: the [cohort] section of a scenario file gives a number of patients
// and, per patient-level parameter, a distribution; `cartsim ensemble` samples one value per
// patient and parameter and runs each patient as its own simulation (`cartsim run` simulates
// the scenario's own values and ignores [cohort]).
//
//     [cohort]
//     patients = 100
//     [cohort.initial.blast_fraction]        # any real or integer parameter key
//     distribution = "loguniform"            # uniform | loguniform: min, max
//     min = 0.05                             # normal: mean, sd; lognormal: median, log_sd
//     max = 0.9                              #   (both truncated to the key's range and to the
//     [cohort.car_t.lymphodepletion]         #    optional min / max given)
//     distribution = "bernoulli"             # bernoulli: p (boolean keys)
//     p = 0.9                                # choice: values = [...], weights = [...] (any key)
//
// A patient's value depends only on (base seed, patient index, key): the same patient gets the
// same values in any ensemble of the same scenario, whatever else is varied, and for any --jobs.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scenarios/parameter_table.hpp"

namespace cartsim::scenarios {

enum class DistributionKind { uniform, loguniform, normal, lognormal, bernoulli, choice };

/// "uniform", "loguniform", "normal", "lognormal", "bernoulli", "choice".
std::string_view distribution_name(DistributionKind kind);

struct CohortDistribution {
    /// The parameter key ("initial.blast_fraction").
    std::string key;
    DistributionKind kind = DistributionKind::uniform;
    /// uniform, loguniform: min and max; normal: mean and sd; lognormal: median and log_sd
    /// (natural log); bernoulli: p in a.
    double a = 0.0;
    double b = 0.0;
    /// normal, lognormal: samples outside [lower, upper] (the key's range, narrowed by the
    /// optional min and max) are drawn again.
    double lower = -unbounded;
    double upper = unbounded;
    /// choice: the values (validated against the key) and their weights (all 1 when not given).
    std::vector<ParameterValue> values;
    std::vector<double> weights;
};

struct CohortSpec {
    std::int64_t patients = 0;
    /// In key order (toml++ tables are sorted), which is also the order of summary columns.
    std::vector<CohortDistribution> distributions;
    /// The file that gave the section.
    std::string origin;
};

/// One sampled parameter value of a patient.
struct SampledValue {
    std::string key;
    ParameterValue value;
};

/// The value of `distribution` for one patient: deterministic in (base_seed, patient, key).
/// Integers are rounded to the nearest whole number inside the key's range.
ParameterValue sample_value(const CohortDistribution& distribution, const ParameterSpec& spec,
                            std::uint64_t base_seed, std::uint64_t patient);

/// Every value of one patient, in the order of spec.distributions.
std::vector<SampledValue> sample_patient(const CohortSpec& spec, const ParameterTable& table,
                                         std::uint64_t base_seed, std::uint64_t patient);

/// "lognormal(median 0.3, log_sd 0.8) in [0.01, 0.95]" and the like, for logs and plan files.
std::string describe_distribution(const CohortDistribution& distribution);

}  // namespace cartsim::scenarios
