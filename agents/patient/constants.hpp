#pragma once
// What the patient compartments read: the sizes of the patient outside the window, every rate
// of the lattice rules turned into its mean-field form, and the chance that one probe of a
// cell of each phenotype binds, averaged over that phenotype's antigen densities.

#include <array>

#include "agents/car_t/parameters.hpp"
#include "agents/parameters.hpp"
#include "agents/patient/phenotype.hpp"

namespace cartsim::agents {

struct PatientConstants {
    double tick_days = 0.0;          ///< the patient phase runs every tissue period
    double steps_per_day = 0.0;      ///< fine steps (= CAR-T probes) per day
    double window_share = 0.0;       ///< lattice volume / whole marrow volume
    double rest_sites = 0.0;         ///< sites of the marrow outside the window
    double rest_tissue_sites = 0.0;  ///< of which not vessel sites
    double rest_cells = 0.0;         ///< nucleated tissue cells there (cellularity)
    double lymphoid_sites = 0.0;     ///< sites of spleen and lymph nodes

    ProductParameters product;
    double fitness = 1.0;
    /// Chance that one probe of a blast of each phenotype, or of a normal B cell, binds (full
    /// CAR level), averaged over the phenotype's density distribution.
    std::array<double, kBlastPhenotypeCount> bind_blast{};
    double bind_b_cell = 0.0;
    double synapse_steps = 0.0;
    double activation_days = 0.0;
    double exit_marrow_per_day = 0.0;  ///< free cells: marrow_to_blood x vessel fraction
    double exhaustion_per_engaged_day = 0.0;
    double exhaustion_per_division = 0.0;  ///< fitness included, all of it fixed

    /// The share of blasts of each phenotype at infusion (before any division).
    std::array<double, kBlastPhenotypeCount> initial_phenotype_share{};

    static PatientConstants from(const Parameters& parameters, double tick_days,
                                 double window_share);
};

/// Mean of the Hill response of binding over a log-normal density (median, log sd), restricted
/// to densities in [low, high), times the share of densities in that range; 0 for an empty
/// range. Numerical (trapezoid over ln density, +-8 sd).
double mean_response_over_lognormal(double median, double log_sd, double low, double high,
                                    double threshold, double hill, double* share = nullptr);

}  // namespace cartsim::agents
