#pragma once
// The product as infused: its CD4:CD8 composition. The product parameter sets describe a 1:1
// product (CD4 share 0.5); another composition scales what each cell does (docs/MODEL.md
// "Product composition"):
//   - killing: CD8 cells kill faster than CD4 cells (Liadi et al., Cancer Immunol Res 2015;
//     Wang et al., JCI Insight 2018), so the per-contact kill probability follows the CD8 share;
//   - help: CD4 cells sustain the expansion and persistence of the CD8 cells (IL-2 and
//     co-stimulatory help: Sommermeyer et al., Leukemia 2016; Turtle et al., J Clin Invest
//     2016), so the product's fitness (division, resistance to exhaustion) falls when CD4
//     cells are scarce.
// The pools and the lattice keep one kind of CAR-T cell: the composition is a property of the
// product, fixed at manufacture, and its consequences for expansion, response and persistence
// emerge from these per-cell rates.

#include "agents/car_t/parameters.hpp"

namespace cartsim::agents {

struct InfusedProduct {
    ProductParameters per_cell;  ///< kill_probability scaled by the composition
    double fitness = 1.0;        ///< product_fitness x the help the CD4 share gives
};

/// Kill probability relative to a 1:1 product: (CD8 share + k x CD4 share) / (0.5 + 0.5 k),
/// k = cd4_relative_killing.
double composition_kill_scale(const CarTParameters& car_t);

/// Fitness relative to a 1:1 product: 1 - d (1 - H), H = h(CD4 share) / h(0.5), h(f) = f / (f +
/// cd4_help_half_saturation), d = cd8_help_dependence (H is capped at 1: help saturates).
double composition_help(const CarTParameters& car_t);

InfusedProduct infused_product(const CarTParameters& car_t);

}  // namespace cartsim::agents
