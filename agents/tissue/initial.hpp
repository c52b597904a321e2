#pragma once
// The marrow at infusion: which tissue cell holds each site, and the traits of new cells.

#include "agents/marrow/vessels.hpp"
#include "agents/parameters.hpp"
#include "agents/tissue/columns.hpp"
#include "agents/tissue/constants.hpp"
#include "engine/domain.hpp"
#include "engine/lattice.hpp"
#include "engine/population.hpp"
#include "engine/random.hpp"

namespace cartsim::agents {

/// A blast at infusion: log-normal CD19 and CD22 densities between blasts (or none).
TissueColumns::Row make_blast(const BlastParameters& blasts, engine::RandomStream& random,
                              bool cd19_negative, bool cd22_negative);
/// A normal B cell: log-normal CD19 (Ginaldi et al., J Clin Pathol 1998), no CD22 modelled.
TissueColumns::Row make_b_cell(const TissueConstants& constants, engine::RandomStream& random);

/// Fills every non-vessel site with a tissue cell with chance initial.cellularity: a blast, a
/// B cell or a marrow cell by the initial fractions (stream initial_tissue, per site). With
/// `held`, only the cells of the tiles that domain holds are added (those of the other tiles
/// only take their ids), so a rank's part of the state is built without the whole.
void build_tissue(const Parameters& parameters, const TissueConstants& constants,
                  const engine::Lattice& lattice, const Vessels& vessels,
                  engine::Population<TissueColumns>& tissue, const engine::Domain* held = nullptr);

}  // namespace cartsim::agents
