#include "agents/extensions/cell_kind.hpp"

#include <stdexcept>

#include "agents/population_tags.hpp"

namespace cartsim::agents {

std::vector<float>& ExtraColumns::column(std::string_view name) {
    for (std::size_t k = 0; k < names.size(); ++k) {
        if (names[k] == name) return values[k];
    }
    throw std::out_of_range("no column '" + std::string(name) + "'");
}

const std::vector<float>& ExtraColumns::column(std::string_view name) const {
    return const_cast<ExtraColumns&>(*this).column(name);
}

ExtraCellKind::ExtraCellKind(CellKindSpec kind_spec, const engine::Lattice& lattice,
                             const engine::TileGrid& grid)
    : spec(std::move(kind_spec)),
      layer(lattice.site_count()),
      cells(spec.name, spec.tag, layer, grid) {
    if (spec.tag == kTissueTag || spec.tag == kCarTTag) {
        throw std::invalid_argument("cell kind '" + spec.name + "': tag " +
                                    std::to_string(spec.tag) + " belongs to the model");
    }
    if (!spec.step) throw std::invalid_argument("cell kind '" + spec.name + "' has no rule");
    spec.descriptor.name = spec.name;
    cells.columns() = ExtraColumns(spec.columns);
}

}  // namespace cartsim::agents
