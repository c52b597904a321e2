#include "agents/patient/vein_to_vein.hpp"

#include <algorithm>
#include <cmath>

namespace cartsim::agents {

MarrowComposition marrow_at_infusion(const Parameters& parameters) {
    const InitialParameters& initial = parameters.initial;
    MarrowComposition m{initial.blast_fraction, initial.b_cell_fraction};
    const double days = initial.vein_to_vein_days;
    // Bridging chemotherapy lowers the burden just before infusion; the room it frees is
    // refilled by the normal marrow after day 0.
    const double bridged = 1.0 - initial.bridging_blast_kill_fraction;
    if (days <= 0.0) {
        m.blast_fraction *= bridged;
        return m;
    }
    const double birth = parameters.blasts.birth_rate_per_day;
    const double death = parameters.blasts.death_rate_per_day;
    const double production = parameters.b_cells.production_per_day;
    const double b_cell_death = 1.0 / parameters.b_cells.lifetime_days;
    // Classical RK4 on a step far below every time scale (rates are at most a few per day).
    const int steps = std::max(1, static_cast<int>(std::ceil(days / 0.01)));
    const double h = days / steps;
    const auto rates = [&](double x, double y, double& dx, double& dy) {
        const double free = std::clamp(1.0 - initial.cellularity * (x + y), 0.0, 1.0);
        dx = (birth * free - death) * x;
        dy = production * std::max(0.0, 1.0 - x - y) - b_cell_death * y;
    };
    double x = m.blast_fraction;
    double y = m.b_cell_fraction;
    for (int i = 0; i < steps; ++i) {
        double k1x, k1y, k2x, k2y, k3x, k3y, k4x, k4y;
        rates(x, y, k1x, k1y);
        rates(x + 0.5 * h * k1x, y + 0.5 * h * k1y, k2x, k2y);
        rates(x + 0.5 * h * k2x, y + 0.5 * h * k2y, k3x, k3y);
        rates(x + h * k3x, y + h * k3y, k4x, k4y);
        x += h / 6.0 * (k1x + 2 * k2x + 2 * k3x + k4x);
        y += h / 6.0 * (k1y + 2 * k2y + 2 * k3y + k4y);
        x = std::clamp(x, 0.0, 1.0);
        y = std::clamp(y, 0.0, 1.0 - x);
    }
    m.blast_fraction = x * bridged;
    m.b_cell_fraction = y;
    return m;
}

}  // namespace cartsim::agents
