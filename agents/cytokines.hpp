#pragma once
// IFN-g and IL-6: diffusion-decay fields over the marrow, and serum levels for the whole body.
//
// Engaged CAR-T cells secrete IFN-g; bystander myeloid cells (the normal marrow cells) make
// IL-6 in proportion to local IFN-g, and each lysed target releases a pulse of IL-6 (Teachey et
// al., Cancer Discov 2016). Field decay stands for local clearance and drainage into blood: the
// drained amount, scaled from this marrow share to the whole marrow, feeds a one-compartment
// serum model with first-order clearance. CRS grade follows serum IL-6 by thresholds.

#include <cstdint>
#include <vector>

#include "agents/parameters.hpp"
#include "engine/diffusion_field.hpp"
#include "engine/lattice.hpp"

namespace cartsim::agents {

class Cytokines {
  public:
    Cytokines(const engine::Lattice& lattice, const CytokineParameters& parameters,
              double site_edge_um, double marrow_share);

    /// Inputs for the next update (sequential code only).
    void add_ifng_secretion(engine::SiteIndex site, double pg_per_min);
    void add_il6_release(engine::SiteIndex site, double pg);
    /// Counts IL-6-producing myeloid cells per field cell; call after tissue changes.
    void set_myeloid_counts(std::vector<std::uint32_t> counts_per_cell);
    std::size_t field_cell_of_site(engine::SiteIndex site) const {
        return ifng_.cell_of_site(site);
    }
    std::size_t field_cell_count() const { return ifng_.cell_count(); }

    /// Steps both fields and the serum levels by dt.
    void update(double dt_min);

    double serum_ifng_pg_per_ml() const { return serum_ifng_pg_per_ml_; }
    double serum_il6_pg_per_ml() const { return serum_il6_pg_per_ml_; }
    double marrow_mean_ifng_pg_per_ml() const { return ifng_.mean(); }
    double marrow_mean_il6_pg_per_ml() const { return il6_.mean(); }
    int crs_grade() const;
    const engine::DiffusionField& ifng() const { return ifng_; }
    const engine::DiffusionField& il6() const { return il6_; }
    engine::DiffusionField& ifng_mutable() { return ifng_; }
    engine::DiffusionField& il6_mutable() { return il6_; }
    void set_serum(double ifng_pg_per_ml, double il6_pg_per_ml) {
        serum_ifng_pg_per_ml_ = ifng_pg_per_ml;
        serum_il6_pg_per_ml_ = il6_pg_per_ml;
    }
    /// State between updates, for checkpoints (see MarrowModelState).
    const std::vector<double>& pending_il6_release_pg() const { return il6_release_pg_; }
    const std::vector<std::uint32_t>& myeloid_counts() const { return myeloid_per_cell_; }
    /// Restores fields, serum levels and the inputs accumulated since the last update. Throws
    /// std::invalid_argument if a vector does not have one value per field cell.
    void restore(const std::vector<double>& ifng_pg_per_ml,
                 const std::vector<double>& il6_pg_per_ml, std::vector<double> il6_release_pg,
                 std::vector<std::uint32_t> myeloid_per_cell, double serum_ifng_pg_per_ml,
                 double serum_il6_pg_per_ml);

  private:
    CytokineParameters parameters_;
    double marrow_share_;
    engine::DiffusionField ifng_;
    engine::DiffusionField il6_;
    double cell_volume_ml_;
    std::vector<double> ifng_secretion_pg_per_min_;  // per field cell
    std::vector<double> il6_release_pg_;             // per field cell, since the last update
    std::vector<std::uint32_t> myeloid_per_cell_;
    double serum_ifng_pg_per_ml_ = 0.0;
    double serum_il6_pg_per_ml_ = 0.0;
};

}  // namespace cartsim::agents
