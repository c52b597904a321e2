#include "agents/cytokines/field_table.hpp"

#include <fmt/format.h>

#include <cmath>
#include <exception>
#include <stdexcept>
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

std::vector<CytokineFieldSpec> cytokine_field_specs(const CytokineParameters& p) {
    // IFN-g from engaged CAR-T cells; IL-6 from marrow cells stimulated by IFN-g and from
    // lysed targets (Teachey et al., Cancer Discov 2016).
    return {{.name = "ifng",
             .label = "IFN-g",
             .diffusion_um2_per_min = p.ifng_diffusion_um2_per_min,
             .decay_per_min = p.ifng_decay_per_min,
             .systemic_clearance_per_day = p.ifng_systemic_clearance_per_day,
             .takes_pulses = false},
            {.name = "il6",
             .label = "IL-6",
             .diffusion_um2_per_min = p.il6_diffusion_um2_per_min,
             .decay_per_min = p.il6_decay_per_min,
             .systemic_clearance_per_day = p.il6_systemic_clearance_per_day,
             .takes_pulses = true}};
}

CytokineField::CytokineField(CytokineFieldSpec spec, const engine::Lattice& lattice, int coarsening,
                             double site_edge_um)
    : spec_(std::move(spec)),
      field_(lattice, coarsening, spec_.diffusion_um2_per_min, spec_.decay_per_min, site_edge_um),
      release_state_name_(spec_.name + "_release"),
      serum_state_name_("serum_" + spec_.name + "_pg_per_ml"),
      secretion_pg_per_min_(field_.cell_count(), 0.0),
      release_pg_(spec_.takes_pulses ? field_.cell_count() : 0, 0.0) {}

void CytokineField::add_release_at_site(engine::SiteIndex site, double pg) {
    if (!spec_.takes_pulses) {
        throw std::logic_error(spec_.label + " takes no pulses: give it takes_pulses in its spec");
    }
    release_pg_[field_.cell_of_site(site)] += pg;
}

void CytokineField::add_releases_at_cell(std::size_t cell, std::uint64_t count, double pg) {
    if (!spec_.takes_pulses) {
        throw std::logic_error(spec_.label + " takes no pulses: give it takes_pulses in its spec");
    }
    for (std::uint64_t i = 0; i < count; ++i) release_pg_[cell] += pg;
}

CytokineTable::CytokineTable(const engine::Lattice& lattice, const CytokineParameters& parameters,
                             double site_edge_um, double marrow_share,
                             std::vector<CytokineFieldSpec> specs)
    : plasma_volume_ml_(parameters.plasma_volume_ml), marrow_share_(marrow_share) {
    if (specs.empty()) throw std::invalid_argument("a cytokine table needs at least one field");
    fields_.reserve(specs.size());
    for (CytokineFieldSpec& spec : specs) {
        for (const CytokineField& field : fields_) {
            if (field.name() == spec.name) {
                throw std::invalid_argument("two cytokine fields named '" + spec.name + "'");
            }
        }
        fields_.emplace_back(std::move(spec), lattice, parameters.field_coarsening, site_edge_um);
    }
}

CytokineField& CytokineTable::operator[](std::string_view name) {
    for (CytokineField& field : fields_) {
        if (field.name() == name) return field;
    }
    throw std::out_of_range(fmt::format("no cytokine field named '{}'", name));
}

const CytokineField& CytokineTable::operator[](std::string_view name) const {
    return const_cast<CytokineTable&>(*this)[name];
}

void CytokineTable::update(double dt_min) {
    for (CytokineField& f : fields_) {
        const double cell_volume_ml = f.field_.cell_volume_um3() * kMlPerUm3;
        const bool pulses = f.spec_.takes_pulses;
        for (std::size_t cell = 0; cell < f.secretion_pg_per_min_.size(); ++cell) {
            const double released = pulses ? f.release_pg_[cell] : 0.0;
            const double pg_per_min = released / dt_min + f.secretion_pg_per_min_[cell];
            const double rate = pg_per_min / cell_volume_ml;
            // A finite but huge secretion (e.g. IL-6 made in proportion to an IFN-g level near
            // the double range) overflows here: a numerical failure of the model, not bad input.
            if (!std::isfinite(rate)) {
                throw NumericalError(f.label() +
                                     " secretion in the marrow is not finite (NaN or Inf)");
            }
            if (pg_per_min > 0.0) f.field_.add_source_at_cell(cell, rate);
            f.secretion_pg_per_min_[cell] = 0.0;
            if (pulses) f.release_pg_[cell] = 0.0;
        }
    }
    // The solves are independent (sources above were taken before any field stepped): run
    // them side by side. Failures are rethrown after all, in table order, so what is reported
    // does not depend on timing.
    std::vector<std::exception_ptr> failures(fields_.size());
    engine::parallel_for_index(fields_.size(), [&](std::size_t k) {
        try {
            fields_[k].field_.step(dt_min);
        } catch (...) {
            failures[k] = std::current_exception();
        }
    });
    for (std::size_t k = 0; k < fields_.size(); ++k) {
        if (!failures[k]) continue;
        try {
            std::rethrow_exception(failures[k]);
        } catch (const std::runtime_error& error) {  // the solver failed: a NaN or Inf input
            throw NumericalError(fmt::format("{} field: {}", fields_[k].label(), error.what()));
        }
    }
    // One NaN would spread through the solver to every cell and into serum: stop at the first.
    for (const CytokineField& f : fields_) {
        if (!std::isfinite(f.field_.total_amount())) {
            throw NumericalError(f.label() + " field in the marrow is not finite (NaN or Inf)");
        }
    }
    // Drainage from this marrow share (pg/min), scaled to the whole marrow, into plasma.
    for (CytokineField& f : fields_) {
        const double drain = f.spec_.decay_per_min * f.field_.total_amount() * kMlPerUm3;
        f.serum_pg_per_ml_ =
            serum_after(f.serum_pg_per_ml_, drain / marrow_share_ / plasma_volume_ml_,
                        f.spec_.systemic_clearance_per_day / 1440.0, dt_min);
    }
    for (const CytokineField& f : fields_) {
        if (!std::isfinite(f.serum_pg_per_ml_)) {
            throw NumericalError("serum " + f.label() + " is not finite (NaN or Inf)");
        }
    }
}

}  // namespace cartsim::agents
