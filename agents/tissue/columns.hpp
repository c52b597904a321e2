#pragma once
// Tissue-layer cells: leukemic blasts, normal B cells and the other marrow cells, one
// population with a kind column, since all three share the tissue layer and clock. "Marrow
// cell" is the one name of the third kind: the non-B, CD19-negative marrow cells, which include
// the monocyte lineage that makes IL-6 (agents/cytokines/sources.hpp).

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "agents/labels.hpp"
#include "engine/types.hpp"

namespace cartsim::agents {

enum class TissueKind : std::uint8_t { blast = 0, b_cell = 1, marrow_cell = 2 };
/// Labels by TissueKind value (snapshot attribute state_labels).
inline constexpr std::array<std::string_view, 3> kTissueKindLabels = {"blast", "normal B cell",
                                                                      "marrow cell"};

/// Phenotype flags of blasts (bits).
namespace blast_flags {
inline constexpr std::uint8_t cd19_epitope_lost = 1;  ///< CAR epitope lost (exon-2 isoform etc.)
inline constexpr std::uint8_t lineage_switched = 2;   ///< CD19-negative myeloid phenotype
}  // namespace blast_flags
/// Labels by flag bit (snapshot attribute flags_labels).
inline constexpr std::array<std::string_view, 2> kBlastFlagLabels = {"CD19 epitope lost",
                                                                     "lineage switched"};

/// The tissue tick (tissue clock period, counted from step 0) of a cell's next event: when the
/// tissue phase next visits it (agents/tissue/schedule.hpp).
using TissueTick = std::uint32_t;
/// A new cell whose first event the next tissue phase draws.
inline constexpr TissueTick kUndrawnTick = ~TissueTick{0} - 1;
/// A cell with no event ever (every chance of its kind is 0).
inline constexpr TissueTick kNeverTick = ~TissueTick{0};

struct TissueColumns {
    struct Row {
        TissueKind kind = TissueKind::marrow_cell;
        std::uint8_t flags = 0;
        float cd19_molecules = 0.0F;  ///< surface CD19 density, molecules/cell
        float cd22_molecules = 0.0F;  ///< surface CD22 density, molecules/cell
        TissueTick next_event_tick = kUndrawnTick;
    };
    std::vector<TissueKind> kind;
    std::vector<std::uint8_t> flags;
    std::vector<float> cd19_molecules;
    std::vector<float> cd22_molecules;
    std::vector<TissueTick> next_event_tick;

    void push_back(const Row& row) {
        kind.push_back(row.kind);
        flags.push_back(row.flags);
        cd19_molecules.push_back(row.cd19_molecules);
        cd22_molecules.push_back(row.cd22_molecules);
        next_event_tick.push_back(row.next_event_tick);
    }
    /// Every column (state: checkpoints, hashes, compaction, sorting).
    template <class Self, class F>
    static void for_each_column(Self& self, F&& f) {
        f("kind", self.kind);
        f("flags", self.flags);
        f("cd19", self.cd19_molecules);
        f("cd22", self.cd22_molecules);
        f("next_event_tick", self.next_event_tick);
    }
    /// What snapshots show of each cell: f(OutputColumn, value_of(slot)). The names are the
    /// output contract (docs/OUTPUT.md).
    template <class F>
    static void for_each_output(const TissueColumns& c, F&& f) {
        f(OutputColumn{"state", "", "state_labels", code_labels(kTissueKindLabels)},
          [&c](engine::AgentSlot s) { return static_cast<std::uint8_t>(c.kind[s]); });
        f(OutputColumn{"flags", "", "flags_labels", bit_labels(kBlastFlagLabels)},
          [&c](engine::AgentSlot s) { return c.flags[s]; });
        f(OutputColumn{"cd19", "molecules/cell"},
          [&c](engine::AgentSlot s) { return c.cd19_molecules[s]; });
        f(OutputColumn{"cd22", "molecules/cell"},
          [&c](engine::AgentSlot s) { return c.cd22_molecules[s]; });
    }
};

}  // namespace cartsim::agents
