#pragma once
// A cell kind added to a model from outside agents/ (a tutorial, a test, an experiment),
// without editing the model: its own population on its own layer, with float columns named at
// run time, a rule with its descriptor, and its own clock. The model assembles it like its own
// kinds (ModelExtensions, agents/marrow_model.hpp): its phase runs after the shipped phases,
// its state is checkpointed, restored and hashed, and its columns appear in snapshots. A kind
// that becomes part of the model moves into a folder of its own (ARCHITECTURE.md, "Where
// things go").

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/car_t/columns.hpp"
#include "agents/labels.hpp"
#include "agents/tissue/columns.hpp"
#include "engine/lattice.hpp"
#include "engine/occupancy_layer.hpp"
#include "engine/population.hpp"
#include "engine/rule_descriptor.hpp"
#include "engine/sweep_context.hpp"
#include "engine/tile_buckets.hpp"
#include "engine/tile_grid.hpp"

namespace cartsim::agents {

/// Float columns whose names are chosen at run time.
struct ExtraColumns {
    struct Row {
        std::vector<float> values;  ///< by column; missing values are 0
    };
    std::vector<std::string> names;
    std::vector<std::vector<float>> values;

    explicit ExtraColumns(std::vector<std::string> column_names = {})
        : names(std::move(column_names)), values(names.size()) {}
    /// The same columns, no agents (engine/model_state.hpp restores into this).
    static ExtraColumns empty_like(const ExtraColumns& other) { return ExtraColumns(other.names); }

    void push_back(const Row& row) {
        for (std::size_t k = 0; k < values.size(); ++k) {
            values[k].push_back(k < row.values.size() ? row.values[k] : 0.0F);
        }
    }
    /// The column of this name (std::out_of_range if none).
    std::vector<float>& column(std::string_view name);
    const std::vector<float>& column(std::string_view name) const;

    template <class Self, class F>
    static void for_each_column(Self& self, F&& f) {
        for (std::size_t k = 0; k < self.names.size(); ++k) {
            f(std::string_view(self.names[k]), self.values[k]);
        }
    }
    template <class F>
    static void for_each_output(const ExtraColumns& c, F&& f) {
        for (std::size_t k = 0; k < c.names.size(); ++k) {
            const std::vector<float>& column = c.values[k];
            f(OutputColumn{c.names[k], ""}, [&column](engine::AgentSlot s) { return column[s]; });
        }
    }
};

/// What an added kind's rule and initial placement may touch: its own cells (columns, move,
/// kill, spawn) on its own layer, and read-only views of the model.
struct ExtraCellKindView {
    engine::Population<ExtraColumns>& cells;
    const engine::Lattice& lattice;
    const engine::OccupancyLayer& tissue_layer;
    const engine::OccupancyLayer& mobile_layer;
    const engine::Population<TissueColumns>& tissue;
    const engine::Population<CarTColumns>& car_t;
    std::uint64_t seed = 0;
};

struct CellKindSpec {
    std::string name;                  ///< population name (checkpoint and snapshot group)
    std::vector<std::string> columns;  ///< float columns
    std::uint8_t tag = 0;  ///< population tag: 2..7, unique (agents/population_tags.hpp)
    /// Reach at most MarrowModel::kReach; effects may name this kind's tag only. The name
    /// given here is replaced by `name`.
    engine::RuleDescriptor descriptor;
    engine::Step period_steps = 1;  ///< its clock, in fine steps
    /// Places the initial cells (sequential; cells.add). May be empty.
    std::function<void(const ExtraCellKindView&)> place_initial;
    /// The rule: one cell, one turn (inside a parallel sweep).
    std::function<void(const ExtraCellKindView&, engine::AgentSlot, const engine::SweepContext&)>
        step;
};

/// An added kind as the model holds it (kept at a fixed address: the descriptor names it).
struct ExtraCellKind {
    /// `grid` (the model's tiling of `lattice`) must outlive the kind.
    ExtraCellKind(CellKindSpec kind_spec, const engine::Lattice& lattice,
                  const engine::TileGrid& grid);

    CellKindSpec spec;
    engine::OccupancyLayer layer;
    engine::Population<ExtraColumns> cells;
    engine::TileBuckets buckets;
};

}  // namespace cartsim::agents
