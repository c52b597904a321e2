#include "agents/patient/constants.hpp"

#include <cmath>
#include <limits>

#include "agents/car_t/antigen_binding.hpp"
#include "agents/car_t/composition.hpp"

namespace cartsim::agents {

namespace {
constexpr double kUm3PerMl = 1e12;
constexpr double kMinutesPerDay = 1440.0;

// Mean over a log-normal density of f(density), on [low, high): (mean, share of the mass).
template <class F>
std::pair<double, double> mean_over_lognormal(double median, double log_sd, double low, double high,
                                              F f) {
    if (log_sd <= 0.0) {
        const bool inside = median >= low && median < high;
        return {inside ? f(median) : 0.0, inside ? 1.0 : 0.0};
    }
    constexpr int kPoints = 4001;
    constexpr double kSpan = 8.0;
    const double h = 2.0 * kSpan / (kPoints - 1);
    double sum = 0.0;
    double mass = 0.0;
    for (int i = 0; i < kPoints; ++i) {
        const double z = -kSpan + h * i;
        const double density = median * std::exp(log_sd * z);
        if (density < low || density >= high) continue;
        const double weight = std::exp(-0.5 * z * z) * ((i == 0 || i == kPoints - 1) ? 0.5 : 1.0);
        sum += weight * f(density);
        mass += weight;
    }
    const double norm = h / std::sqrt(2.0 * 3.14159265358979323846);
    return {mass > 0.0 ? sum / mass : 0.0, mass * norm};
}

}  // namespace

double mean_response_over_lognormal(double median, double log_sd, double low, double high,
                                    double threshold, double hill, double* share) {
    const auto [mean, mass] = mean_over_lognormal(
        median, log_sd, low, high, [&](double c) { return antigen_response(c, threshold, hill); });
    if (share != nullptr) *share = mass;
    return mass > 0.0 ? mean : 0.0;
}

PatientConstants PatientConstants::from(const Parameters& parameters, double tick_days,
                                        double window_share) {
    const SpaceParameters& space = parameters.space;
    const CarTParameters& car_t = parameters.car_t;
    PatientConstants c;
    c.tick_days = tick_days;
    c.steps_per_day = kMinutesPerDay / parameters.time.fine_step_min;
    c.window_share = window_share;
    const double patient_sites =
        space.total_marrow_volume_ml * kUm3PerMl / std::pow(space.site_edge_um, 3);
    c.rest_sites = patient_sites * (1.0 - window_share);
    c.rest_tissue_sites = c.rest_sites * (1.0 - space.vessel_fraction);
    c.rest_cells = c.rest_tissue_sites * parameters.initial.cellularity;
    c.lymphoid_sites = space.lymphoid_volume_ml * kUm3PerMl / std::pow(space.site_edge_um, 3);
    const InfusedProduct infused = infused_product(car_t);
    c.product = infused.per_cell;
    c.fitness = infused.fitness;
    c.synapse_steps = c.product.synapse_min / parameters.time.fine_step_min;
    c.activation_days = c.product.activation_hours / 24.0;
    c.exit_marrow_per_day = car_t.marrow_to_blood_per_day * space.vessel_fraction;
    c.exhaustion_per_engaged_day = c.product.exhaustion_per_engaged_hour * 24.0 / c.fitness;
    c.exhaustion_per_division = c.product.exhaustion_per_division / c.fitness;

    // Binding by phenotype: the lattice's Hill response (agents/car_t/antigen_binding.hpp)
    // averaged over the densities of each phenotype; a dual product also binds through CD22
    // (independent channels, CD22 independent of CD19).
    const BlastParameters& blasts = parameters.blasts;
    const ProductParameters& p = c.product;
    const double dim = parameters.readouts.cd19_dim_molecules;
    const double inf = std::numeric_limits<double>::infinity();
    double share_dim = 0.0;
    double share_positive = 0.0;
    const double r_dim =
        mean_response_over_lognormal(blasts.cd19_median_molecules, blasts.cd19_log_sd, 0.0, dim,
                                     p.cd19_threshold_molecules, p.hill_coefficient, &share_dim);
    const double r_positive = mean_response_over_lognormal(
        blasts.cd19_median_molecules, blasts.cd19_log_sd, dim, inf, p.cd19_threshold_molecules,
        p.hill_coefficient, &share_positive);
    double miss_cd22 = 1.0;  // mean chance that CD22 does not trigger
    if (car_t.targets_cd22) {
        const double r22 =
            mean_response_over_lognormal(blasts.cd22_median_molecules, blasts.cd22_log_sd, 0.0, inf,
                                         p.cd22_threshold_molecules, p.hill_coefficient);
        miss_cd22 = 1.0 - (1.0 - parameters.initial.cd22_negative_blast_fraction) * r22;
    }
    const auto either = [&](double r19) { return 1.0 - (1.0 - r19) * miss_cd22; };
    const auto b = static_cast<std::size_t>(BlastPhenotype::cd19_positive);
    const auto d = static_cast<std::size_t>(BlastPhenotype::cd19_dim);
    const auto n = static_cast<std::size_t>(BlastPhenotype::cd19_negative);
    c.bind_blast[b] = p.bind_probability_max * either(r_positive);
    c.bind_blast[d] = p.bind_probability_max * either(r_dim);
    c.bind_blast[n] = p.bind_probability_max * either(0.0);
    c.bind_blast[static_cast<std::size_t>(BlastPhenotype::lineage_switched)] = 0.0;
    c.bind_b_cell = p.bind_probability_max *
                    mean_response_over_lognormal(parameters.b_cells.cd19_median_molecules,
                                                 parameters.b_cells.cd19_log_sd, 0.0, inf,
                                                 p.cd19_threshold_molecules, p.hill_coefficient);

    const double negative = parameters.initial.cd19_negative_blast_fraction;
    const double total = share_dim + share_positive;
    c.initial_phenotype_share[n] = negative;
    c.initial_phenotype_share[d] = total > 0 ? (1.0 - negative) * share_dim / total : 0.0;
    c.initial_phenotype_share[b] = total > 0 ? (1.0 - negative) * share_positive / total : 0.0;
    return c;
}

}  // namespace cartsim::agents
