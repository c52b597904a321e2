#include "agents/car_t/composition.hpp"

#include <algorithm>

namespace cartsim::agents {

namespace {
constexpr double kReferenceCd4Share = 0.5;  // the composition the product parameters describe
}

double composition_kill_scale(const CarTParameters& car_t) {
    const double k = car_t.cd4_relative_killing;
    const double f = car_t.cd4_fraction;
    return ((1.0 - f) + k * f) / ((1.0 - kReferenceCd4Share) + k * kReferenceCd4Share);
}

double composition_help(const CarTParameters& car_t) {
    const double half = car_t.cd4_help_half_saturation;
    const auto help = [half](double f) { return half > 0.0 ? f / (f + half) : 1.0; };
    const double relative = std::min(1.0, help(car_t.cd4_fraction) / help(kReferenceCd4Share));
    return 1.0 - car_t.cd8_help_dependence * (1.0 - relative);
}

InfusedProduct infused_product(const CarTParameters& car_t) {
    InfusedProduct infused;
    infused.per_cell = car_t.product();
    infused.per_cell.kill_probability =
        std::min(1.0, infused.per_cell.kill_probability * composition_kill_scale(car_t));
    infused.fitness = car_t.product_fitness * composition_help(car_t);
    return infused;
}

}  // namespace cartsim::agents
