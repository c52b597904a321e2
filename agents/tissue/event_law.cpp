#include "agents/tissue/event_law.hpp"

#include <cmath>

namespace cartsim::agents {

KindEventLaw KindEventLaw::of(std::initializer_list<double> chances) {
    KindEventLaw law;
    std::size_t n = 0;
    for (const double p : chances) law.chance[n++] = p;
    // From the last trial back: none_from = P(trials k.. all fail).
    double none_from = 1.0;
    for (std::size_t k = n; k-- > 0;) {
        none_from *= 1.0 - law.chance[k];
        const double any_from = 1.0 - none_from;
        law.chance_given_event[k] = any_from > 0.0 ? law.chance[k] / any_from : 0.0;
    }
    law.any_per_tick = 1.0 - none_from;
    law.log_none_per_tick = std::log1p(-law.any_per_tick);
    return law;
}

TissueTick KindEventLaw::event_tick_from(TissueTick first, engine::RandomStream& random) const {
    if (any_per_tick <= 0.0) return kNeverTick;
    // Ticks without an event before it: geometric, P(extra = k) = (1 - q)^k q.
    const double extra =
        any_per_tick >= 1.0 ? 0.0 : std::floor(std::log(random.uniform()) / log_none_per_tick);
    const double when = static_cast<double>(first) + extra;
    if (when >= static_cast<double>(kUndrawnTick)) return kNeverTick;
    return static_cast<TissueTick>(when);
}

}  // namespace cartsim::agents
