#pragma once
// Leukemic phenotypes as the clinic types a relapse: CD19-positive, CD19-dim (below the density
// that CAR-T cells respond to fully), CD19-negative (CAR epitope lost), lineage switch.

#include <array>
#include <cstdint>
#include <string_view>

#include "agents/tissue/columns.hpp"

namespace cartsim::agents {

enum class BlastPhenotype : std::uint8_t {
    cd19_positive = 0,
    cd19_dim = 1,
    cd19_negative = 2,
    lineage_switched = 3
};
inline constexpr int kBlastPhenotypeCount = 4;
inline constexpr std::array<std::string_view, kBlastPhenotypeCount> kBlastPhenotypeLabels = {
    "CD19-positive", "CD19-dim", "CD19-negative", "lineage switch"};

/// The phenotype of a blast of the lattice (`dim_molecules`: readouts.cd19_dim_molecules).
inline BlastPhenotype phenotype_of(std::uint8_t flags, float cd19_molecules, double dim_molecules) {
    if ((flags & blast_flags::lineage_switched) != 0) return BlastPhenotype::lineage_switched;
    if ((flags & blast_flags::cd19_epitope_lost) != 0 || cd19_molecules <= 0.0F) {
        return BlastPhenotype::cd19_negative;
    }
    return cd19_molecules < dim_molecules ? BlastPhenotype::cd19_dim
                                          : BlastPhenotype::cd19_positive;
}

}  // namespace cartsim::agents
