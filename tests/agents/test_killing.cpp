// (a) A CAR-T cell held next to one target: the measured time-to-kill distribution matches the
// one implied by the configured binding, synapse time and kill probability.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "agents/marrow_model.hpp"
#include "engine/parallelism.hpp"
#include "model_fixtures.hpp"

namespace cartsim::agents {
namespace {

struct KillTimes {
    std::vector<int> step_of_kill;  // -1: not killed within the run
    int steps = 0;
};

/// Pairs of (CAR-T cell, blast) on the same site, 4 sites apart, with speed 0: each cell only
/// ever reaches its own blast. Returns the step at which each blast vanished.
KillTimes measure(const Parameters& p, int steps) {
    KillTimes result;
    result.steps = steps;
    engine::run_with_threads(2, [&] {
        MarrowModel model(p);
        std::vector<engine::SiteIndex> sites;
        for (std::int32_t y = 2; y < p.space.ny - 2; y += 4) {
            for (std::int32_t x = 2; x < p.space.nx - 2; x += 4) {
                const engine::SiteIndex site = model.lattice().site_of({x, y, 0});
                TissueColumns::Row blast{TissueKind::blast, 0, 1e9F, 0.0F};
                model.add_tissue_cell(site, blast);
                CarTColumns::Row cell;
                cell.state = CarTState::effector;
                model.add_car_t_cell(site, cell);
                sites.push_back(site);
            }
        }
        result.step_of_kill.assign(sites.size(), -1);
        for (int s = 0; s < steps; ++s) {
            model.step();
            for (std::size_t i = 0; i < sites.size(); ++i) {
                if (result.step_of_kill[i] < 0 && model.tissue_layer().is_empty(sites[i])) {
                    result.step_of_kill[i] = s;
                }
            }
        }
    });
    return result;
}

/// Probability that the kill happens at step n, from the per-step Markov chain of the rule:
/// free -> engaged with s (probe hits the one target site of 9, then binds); engaged -> contact
/// ends with q, killing with k, else free again.
std::vector<double> kill_step_pmf(double s, double q, double k, int steps) {
    std::vector<double> pmf(static_cast<std::size_t>(steps), 0.0);
    double free = 1.0;
    double engaged = 0.0;
    for (int n = 0; n < steps; ++n) {
        pmf[static_cast<std::size_t>(n)] = engaged * q * k;
        const double next_engaged = free * s + engaged * (1.0 - q);
        free = free * (1.0 - s) + engaged * q * (1.0 - k);
        engaged = next_engaged;
    }
    return pmf;
}

void expect_kill_times_match(double synapse_min, double kill_probability, double bind_max) {
    Parameters p = testing::empty_marrow(132, 132, 1);
    p.car_t.speed_um_per_min = 0.0;
    ProductParameters& product = p.car_t.product_41bb;
    testing::immortal_killers(product);
    product.synapse_min = synapse_min;
    product.kill_probability = kill_probability;
    product.bind_probability_max = bind_max;
    const int steps = 2500;
    const KillTimes measured = measure(p, steps);

    const double dt = p.time.fine_step_min;
    const double response = 1.0 / (1.0 + std::pow(product.cd19_threshold_molecules / 1e9, 2.0));
    const double s = bind_max * response / 9.0;  // 2-D: own site + 8 neighbours
    const double q = -std::expm1(-dt / synapse_min);
    const std::vector<double> pmf = kill_step_pmf(s, q, kill_probability, steps);

    // Kolmogorov-Smirnov distance between the empirical and the predicted CDF.
    const auto n = static_cast<double>(measured.step_of_kill.size());
    ASSERT_GT(n, 900.0);
    std::vector<double> empirical(static_cast<std::size_t>(steps), 0.0);
    double unkilled = 0;
    double sum = 0;
    for (const int k : measured.step_of_kill) {
        if (k < 0) {
            ++unkilled;
            continue;
        }
        empirical[static_cast<std::size_t>(k)] += 1.0 / n;
        sum += k;
    }
    double cdf_measured = 0;
    double cdf_predicted = 0;
    double ks = 0;
    double predicted_mean = 0;
    for (int k = 0; k < steps; ++k) {
        cdf_measured += empirical[static_cast<std::size_t>(k)];
        cdf_predicted += pmf[static_cast<std::size_t>(k)];
        predicted_mean += k * pmf[static_cast<std::size_t>(k)];
        ks = std::max(ks, std::abs(cdf_measured - cdf_predicted));
    }
    EXPECT_LT(unkilled / n, 1e-3 + (1.0 - cdf_predicted));
    // 1.95 / sqrt(n): a 0.1% KS test.
    EXPECT_LT(ks, 1.95 / std::sqrt(n))
        << "synapse " << synapse_min << " min, kill probability " << kill_probability;
    const double measured_mean = sum / (n - unkilled);
    EXPECT_NEAR(measured_mean, predicted_mean, 0.06 * predicted_mean);
    // The distribution is not trivially the binding wait: the mean includes 1/k synapses.
    EXPECT_GT(predicted_mean, synapse_min / kill_probability);
}

TEST(Killing, TimeToKillMatchesSynapseTimeAndKillProbability) {
    expect_kill_times_match(25.0, 0.5, 0.5);
}

TEST(Killing, TimeToKillFollowsChangedSynapseAndKillProbability) {
    expect_kill_times_match(60.0, 0.2, 1.0);
}

}  // namespace
}  // namespace cartsim::agents
