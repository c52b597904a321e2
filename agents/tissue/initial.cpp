#include "agents/tissue/initial.hpp"

#include <cmath>

#include "agents/patient/vein_to_vein.hpp"

namespace cartsim::agents {

TissueColumns::Row make_blast(const BlastParameters& b, engine::RandomStream& random,
                              bool cd19_negative, bool cd22_negative) {
    TissueColumns::Row row;
    row.kind = TissueKind::blast;
    row.cd19_molecules = cd19_negative ? 0.0F
                                       : static_cast<float>(random.lognormal(
                                             std::log(b.cd19_median_molecules), b.cd19_log_sd));
    row.cd22_molecules = cd22_negative ? 0.0F
                                       : static_cast<float>(random.lognormal(
                                             std::log(b.cd22_median_molecules), b.cd22_log_sd));
    if (cd19_negative) row.flags |= blast_flags::cd19_epitope_lost;
    return row;
}

TissueColumns::Row make_b_cell(const TissueConstants& c, engine::RandomStream& random) {
    TissueColumns::Row row;
    row.kind = TissueKind::b_cell;
    row.cd19_molecules = static_cast<float>(
        random.lognormal(std::log(c.b_cell_cd19_median_molecules), c.b_cell_cd19_log_sd));
    row.cd22_molecules = 0.0F;
    return row;
}

void build_tissue(const Parameters& parameters, const TissueConstants& constants,
                  const engine::Lattice& lattice, const Vessels& vessels,
                  engine::Population<TissueColumns>& tissue, const engine::Domain* held) {
    const InitialParameters& init = parameters.initial;
    const MarrowComposition at_infusion = marrow_at_infusion(parameters);
    const auto holds = [&](engine::SiteIndex site) {
        return held == nullptr || held->holds(held->grid().tile_of(site));
    };
    std::size_t sites_held = 0;
    for (engine::SiteIndex site = 0; site < lattice.site_count(); ++site) {
        if (holds(site)) ++sites_held;
    }
    tissue.reserve(static_cast<std::size_t>(static_cast<double>(sites_held) * 1.05));
    for (engine::SiteIndex site = 0; site < lattice.site_count(); ++site) {
        if (vessels.contains(site)) continue;
        engine::RandomStream random(parameters.seed, StreamId::initial_tissue, 0, site);
        if (!random.bernoulli(init.cellularity)) continue;
        if (!holds(site)) {
            tissue.issue_id_without_agent(site);
            continue;
        }
        const double u = random.uniform();
        if (u <= at_infusion.blast_fraction) {
            const bool cd19_negative = random.bernoulli(init.cd19_negative_blast_fraction);
            const bool cd22_negative = random.bernoulli(init.cd22_negative_blast_fraction);
            tissue.add(site, make_blast(parameters.blasts, random, cd19_negative, cd22_negative));
        } else if (u <= at_infusion.blast_fraction + at_infusion.b_cell_fraction) {
            tissue.add(site, make_b_cell(constants, random));
        } else {
            tissue.add(site, TissueColumns::Row{});
        }
    }
}

}  // namespace cartsim::agents
