#pragma once
// Tissue-layer cells: leukemic blasts, normal B cells and other (CD19-negative) marrow cells,
// one population with a kind column, since all three share the tissue layer and clock.

#include <cstdint>
#include <string_view>
#include <vector>

namespace cartsim::agents {

enum class TissueKind : std::uint8_t { blast = 0, b_cell = 1, marrow_cell = 2 };

/// Phenotype flags of blasts (bits).
namespace blast_flags {
inline constexpr std::uint8_t cd19_epitope_lost = 1;  ///< CAR epitope lost (exon-2 isoform etc.)
inline constexpr std::uint8_t lineage_switched = 2;   ///< CD19-negative myeloid phenotype
}  // namespace blast_flags

struct TissueColumns {
    struct Row {
        TissueKind kind = TissueKind::marrow_cell;
        std::uint8_t flags = 0;
        float cd19_molecules = 0.0F;  ///< surface CD19 density, molecules/cell
        float cd22_molecules = 0.0F;  ///< surface CD22 density, molecules/cell
    };
    std::vector<TissueKind> kind;
    std::vector<std::uint8_t> flags;
    std::vector<float> cd19_molecules;
    std::vector<float> cd22_molecules;

    void push_back(const Row& row) {
        kind.push_back(row.kind);
        flags.push_back(row.flags);
        cd19_molecules.push_back(row.cd19_molecules);
        cd22_molecules.push_back(row.cd22_molecules);
    }
    template <class Self, class F>
    static void for_each_column(Self& self, F&& f) {
        f("kind", self.kind);
        f("flags", self.flags);
        f("cd19", self.cd19_molecules);
        f("cd22", self.cd22_molecules);
    }
};

}  // namespace cartsim::agents
