#include "agents/cytokines.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

#include "agents/numerical_error.hpp"
#include "engine/parallel_for.hpp"

namespace cartsim::agents {
namespace {

constexpr double kMlPerUm3 = 1e-12;

/// Serum level after dt of constant input (pg/mL per min) and first-order clearance (per min).
double serum_after(double level, double input_per_min, double clearance_per_min, double dt_min) {
    const double decay = std::exp(-clearance_per_min * dt_min);
    return level * decay + input_per_min / clearance_per_min * (1.0 - decay);
}

}  // namespace

Cytokines::Cytokines(const engine::Lattice& lattice, const CytokineParameters& parameters,
                     double site_edge_um, double marrow_share)
    : parameters_(parameters),
      marrow_share_(marrow_share),
      ifng_(lattice, parameters.field_coarsening, parameters.ifng_diffusion_um2_per_min,
            parameters.ifng_decay_per_min, site_edge_um),
      il6_(lattice, parameters.field_coarsening, parameters.il6_diffusion_um2_per_min,
           parameters.il6_decay_per_min, site_edge_um),
      cell_volume_ml_(ifng_.cell_volume_um3() * kMlPerUm3),
      ifng_secretion_pg_per_min_(ifng_.cell_count(), 0.0),
      il6_release_pg_(ifng_.cell_count(), 0.0),
      myeloid_per_cell_(ifng_.cell_count(), 0) {}

void Cytokines::add_ifng_secretion(engine::SiteIndex site, double pg_per_min) {
    ifng_secretion_pg_per_min_[ifng_.cell_of_site(site)] += pg_per_min;
}

void Cytokines::add_il6_release(engine::SiteIndex site, double pg) {
    il6_release_pg_[il6_.cell_of_site(site)] += pg;
}

void Cytokines::set_myeloid_counts(std::vector<std::uint32_t> counts_per_cell) {
    if (counts_per_cell.size() != myeloid_per_cell_.size()) {
        throw std::logic_error("myeloid counts do not match the field grid");
    }
    myeloid_per_cell_ = std::move(counts_per_cell);
}

void Cytokines::restore(const std::vector<double>& ifng_pg_per_ml,
                        const std::vector<double>& il6_pg_per_ml,
                        std::vector<double> il6_release_pg,
                        std::vector<std::uint32_t> myeloid_per_cell, double serum_ifng_pg_per_ml,
                        double serum_il6_pg_per_ml) {
    const std::size_t n = ifng_.cell_count();
    if (ifng_pg_per_ml.size() != n || il6_pg_per_ml.size() != n || il6_release_pg.size() != n ||
        myeloid_per_cell.size() != n) {
        throw std::invalid_argument("cytokine state does not match the field grid");
    }
    std::copy(ifng_pg_per_ml.begin(), ifng_pg_per_ml.end(), ifng_.values_mutable().begin());
    std::copy(il6_pg_per_ml.begin(), il6_pg_per_ml.end(), il6_.values_mutable().begin());
    il6_release_pg_ = std::move(il6_release_pg);
    myeloid_per_cell_ = std::move(myeloid_per_cell);
    std::fill(ifng_secretion_pg_per_min_.begin(), ifng_secretion_pg_per_min_.end(), 0.0);
    serum_ifng_pg_per_ml_ = serum_ifng_pg_per_ml;
    serum_il6_pg_per_ml_ = serum_il6_pg_per_ml;
}

void Cytokines::update(double dt_min) {
    const double il6_per_ifng_per_min = parameters_.il6_per_ifng_pg_per_hour / 60.0;
    for (std::size_t cell = 0; cell < ifng_secretion_pg_per_min_.size(); ++cell) {
        if (ifng_secretion_pg_per_min_[cell] > 0.0) {
            ifng_.add_source_at_cell(cell, ifng_secretion_pg_per_min_[cell] / cell_volume_ml_);
        }
        const double il6_pg_per_min =
            il6_release_pg_[cell] / dt_min + static_cast<double>(myeloid_per_cell_[cell]) *
                                                 il6_per_ifng_per_min * ifng_.value_at_cell(cell);
        if (il6_pg_per_min > 0.0) il6_.add_source_at_cell(cell, il6_pg_per_min / cell_volume_ml_);
        ifng_secretion_pg_per_min_[cell] = 0.0;
        il6_release_pg_[cell] = 0.0;
    }
    // The two solves are independent (IL-6 sources above used IFN-g before its step): run them
    // side by side. A failure is rethrown after both, IFN-g's first, so what is reported does
    // not depend on timing.
    std::exception_ptr ifng_failure;
    std::exception_ptr il6_failure;
    const auto step_field = [dt_min](engine::DiffusionField& field, std::exception_ptr& failure) {
        try {
            field.step(dt_min);
        } catch (...) {
            failure = std::current_exception();
        }
    };
    engine::parallel_invoke([&] { step_field(ifng_, ifng_failure); },
                            [&] { step_field(il6_, il6_failure); });
    for (const auto& [failure, name] : {std::pair{ifng_failure, "IFN-g"}, {il6_failure, "IL-6"}}) {
        if (!failure) continue;
        try {
            std::rethrow_exception(failure);
        } catch (const std::runtime_error& error) {  // the solver failed: a NaN or Inf input
            throw NumericalError(fmt::format("{} field: {}", name, error.what()));
        }
    }
    // One NaN would spread through the solver to every cell and into serum: stop at the first.
    if (!std::isfinite(ifng_.total_amount())) {
        throw NumericalError("IFN-g field in the marrow is not finite (NaN or Inf)");
    }
    if (!std::isfinite(il6_.total_amount())) {
        throw NumericalError("IL-6 field in the marrow is not finite (NaN or Inf)");
    }

    // Drainage from this marrow share (pg/min), scaled to the whole marrow, into plasma.
    const double plasma_ml = parameters_.plasma_volume_ml;
    const double ifng_drain = parameters_.ifng_decay_per_min * ifng_.total_amount() * kMlPerUm3;
    const double il6_drain = parameters_.il6_decay_per_min * il6_.total_amount() * kMlPerUm3;
    serum_ifng_pg_per_ml_ =
        serum_after(serum_ifng_pg_per_ml_, ifng_drain / marrow_share_ / plasma_ml,
                    parameters_.ifng_systemic_clearance_per_day / 1440.0, dt_min);
    serum_il6_pg_per_ml_ = serum_after(serum_il6_pg_per_ml_, il6_drain / marrow_share_ / plasma_ml,
                                       parameters_.il6_systemic_clearance_per_day / 1440.0, dt_min);
    if (!std::isfinite(serum_ifng_pg_per_ml_) || !std::isfinite(serum_il6_pg_per_ml_)) {
        throw NumericalError("serum IFN-g or IL-6 is not finite (NaN or Inf)");
    }
}

int Cytokines::crs_grade() const {
    const double il6 = serum_il6_pg_per_ml_;
    if (il6 >= parameters_.crs_grade4_il6_pg_per_ml) return 4;
    if (il6 >= parameters_.crs_grade3_il6_pg_per_ml) return 3;
    if (il6 >= parameters_.crs_grade2_il6_pg_per_ml) return 2;
    if (il6 >= parameters_.crs_grade1_il6_pg_per_ml) return 1;
    return 0;
}

}  // namespace cartsim::agents
