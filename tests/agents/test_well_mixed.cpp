// (c) Well-mixed mode (CAR-T cells jump to random free sites every step) follows the mean-field
// ODE of the same rules, integrated here with classical Runge-Kutta, within 10% on the blast and
// CAR-T trajectories.

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <numbers>
#include <vector>

#include "agents/marrow_model.hpp"
#include "engine/parallelism.hpp"
#include "engine/random.hpp"
#include "model_fixtures.hpp"

namespace cartsim::agents {
namespace {

/// y = (resting free, activated free, activated engaged, blasts); rates per day.
/// Free cells contract (alpha), resting or activated; binding activates for the whole run
/// (activation longer than the test), activated cells divide (rho), a synapse ends at rate
/// gamma and kills with probability k; the engaged cell also lets go if its blast dies (d).
struct MeanField {
    double sites, bind, gamma, kill, rho, alpha, birth, death;

    std::array<double, 4> rates(const std::array<double, 4>& y) const {
        const auto [resting, free, engaged, blasts] = y;
        const double binding = 1440.0 * (blasts / sites) * bind;  // per free cell per day
        return {-binding * resting - alpha * resting,
                -binding * free - alpha * free + (gamma + death) * engaged + rho * (free + engaged),
                binding * (resting + free) - (gamma + death) * engaged,
                (birth - death) * blasts - gamma * kill * engaged};
    }
    std::array<double, 4> advance(std::array<double, 4> y, double days) const {
        const double h = 1e-4;
        for (double t = 0; t < days - 1e-12; t += h) {
            auto add = [](std::array<double, 4> a, const std::array<double, 4>& b, double f) {
                for (int i = 0; i < 4; ++i) a[i] += f * b[i];
                return a;
            };
            const auto k1 = rates(y);
            const auto k2 = rates(add(y, k1, h / 2));
            const auto k3 = rates(add(y, k2, h / 2));
            const auto k4 = rates(add(y, k3, h));
            for (int i = 0; i < 4; ++i) y[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
        }
        return y;
    }
};

TEST(WellMixed, BlastAndCarTTrajectoriesFollowTheMeanFieldOde) {
    Parameters p = testing::empty_marrow(600, 600, 1);
    p.space.periodic = true;  // every probe lands on a site
    p.well_mixed = true;
    p.initial.cellularity = 0.22;
    p.initial.blast_fraction = 1.0;
    p.initial.b_cell_fraction = 0.0;
    p.blasts.birth_rate_per_day = 0.105;
    p.blasts.death_rate_per_day = 0.04;
    p.blasts.cd19_median_molecules = 1e7;  // binding response ~1
    p.blasts.cd19_log_sd = 0.0;
    ProductParameters& product = p.car_t.product_41bb;
    product.bind_probability_max = 0.5;
    product.synapse_min = 25.0;
    product.kill_probability = 0.5;
    product.doubling_time_days = 0.78;
    product.activation_hours = 1e5;
    product.effector_death_per_day = 0.16;
    product.memory_fraction = 0.0;
    product.exhaustion_per_engaged_hour = 0.0;
    product.car_downregulation_hours = 1e12;
    const int initial_car_t = 1000;

    const double response = 1.0 / (1.0 + std::pow(product.cd19_threshold_molecules / 1e7, 2.0));
    MeanField ode{};
    ode.sites = 600.0 * 600.0;
    ode.bind = product.bind_probability_max * response;
    ode.gamma = 1440.0 / product.synapse_min;
    ode.kill = product.kill_probability;
    ode.rho = std::numbers::ln2 / product.doubling_time_days;
    ode.alpha = product.effector_death_per_day;
    ode.birth = p.blasts.birth_rate_per_day;
    ode.death = p.blasts.death_rate_per_day;

    engine::run_with_threads(2, [&] {
        MarrowModel model(p);
        for (int i = 0; i < initial_car_t; ++i) {
            engine::RandomStream random(99, StreamId::test_a, 0, static_cast<std::uint64_t>(i));
            engine::SiteIndex site;
            do {
                site = static_cast<engine::SiteIndex>(random.below(model.lattice().site_count()));
            } while (!model.mobile_layer().is_empty(site));
            model.add_car_t_cell(site, CarTColumns::Row{});
        }
        const Observables start = model.observe();
        std::array<double, 4> y{static_cast<double>(initial_car_t), 0.0, 0.0, start.blasts};
        const auto steps_per_quarter = static_cast<int>(std::lround(0.25 / model.fine_step_days()));
        int compared = 0;
        for (int quarter = 1; quarter <= 10; ++quarter) {
            for (int s = 0; s < steps_per_quarter; ++s) model.step();
            y = ode.advance(y, 0.25);
            const Observables o = model.observe();
            const double car_t_ode = y[0] + y[1] + y[2];
            SCOPED_TRACE(::testing::Message()
                         << "day " << o.time_days << ": blasts " << o.blasts << " vs ODE " << y[3]
                         << ", CAR-T " << o.cart_marrow << " vs ODE " << car_t_ode);
            EXPECT_NEAR(o.cart_marrow, car_t_ode, 0.1 * car_t_ode);
            // Mass action treats each engagement as its own chance to kill; once engaged cells
            // are more than a fifteenth of the blasts, several share one blast and the ODE over-
            // counts kills. Compare blasts while that crowding is negligible. (At a tenth, day
            // 1.75, the lattice's blasts were above the ODE by 4-17% in each of 9 seeds, mean
            // 9%, before and after ids became per tile: a bias, not noise, at the tolerance.)
            if (y[3] > 15.0 * y[2]) {
                EXPECT_NEAR(o.blasts, y[3], 0.1 * y[3]);
                ++compared;
            }
        }
        EXPECT_GE(compared, 6);
        // The trajectory had real dynamics: blasts fell by most of their number.
        EXPECT_LT(model.observe().blasts, 0.2 * start.blasts);
    });
}

}  // namespace
}  // namespace cartsim::agents
