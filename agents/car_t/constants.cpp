#include "agents/car_t/constants.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "agents/car_t/composition.hpp"
#include "agents/chance.hpp"

namespace cartsim::agents {

CarTConstants CarTConstants::from(const Parameters& parameters, double fine_step_days) {
    const CarTParameters& car_t = parameters.car_t;
    const InfusedProduct infused = infused_product(car_t);
    const ProductParameters& product = infused.per_cell;
    const double dt = fine_step_days;
    CarTConstants c;
    c.product = product;
    c.targets_cd22 = car_t.targets_cd22;
    c.well_mixed = parameters.well_mixed;
    c.turn_probability = car_t.turn_probability;
    c.effector_contraction = chance(product.effector_death_per_day, dt);
    c.memory_loss = chance(product.memory_loss_per_day, dt);
    c.exhausted_death = chance(product.exhausted_death_per_day, dt);
    c.contact_end = chance(1440.0 / product.synapse_min, dt);
    const double fitness = infused.fitness;
    c.division_rate_per_day = fitness * std::numbers::ln2 / product.doubling_time_days;
    c.exit_to_blood = chance(car_t.marrow_to_blood_per_day, dt);
    c.enter_marrow = chance(car_t.blood_to_marrow_per_day, dt);
    c.move = std::min(1.0, car_t.speed_um_per_min * parameters.time.fine_step_min /
                               parameters.space.site_edge_um);
    const double dt_hours = parameters.time.fine_step_min / 60.0;
    c.exhaustion_per_step = product.exhaustion_per_engaged_hour * dt_hours / fitness;
    c.exhaustion_fixed_per_step = c.exhaustion_per_step * product.exhaustion_fixed_fraction;
    c.exhaustion_per_division = product.exhaustion_per_division / fitness;
    c.exhaustion_recovery_factor = std::exp(-product.exhaustion_recovery_per_day * dt);
    c.car_loss_per_step = dt_hours / product.car_downregulation_hours;
    c.car_recovery_per_step = product.car_recovery_per_day * dt;
    c.activation_steps = static_cast<std::uint32_t>(
        std::lround(product.activation_hours * 60.0 / parameters.time.fine_step_min));
    return c;
}

}  // namespace cartsim::agents
