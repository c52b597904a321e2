#pragma once
// Exact sums at a few indices of a long array (e.g. the field cells that engaged CAR-T cells
// secrete into): the sparse form of a span of ExactSum, so that a sum over ranks moves and adds
// only the entries some rank has, not one 0.5-kB accumulator per field cell.

#include <cstdint>
#include <vector>

#include "engine/exact_sum.hpp"

namespace cartsim::engine {

/// One term of a sum at an index.
struct IndexedTerm {
    std::uint64_t index = 0;
    double term = 0.0;
};

/// Exact sums at ascending, unique indices; an index not listed has the empty sum (+0.0).
struct IndexedExactSums {
    std::vector<std::uint64_t> indices;
    std::vector<ExactSum> sums;  // sums[k] at indices[k]

    std::size_t size() const { return indices.size(); }
};

/// The terms grouped by index and summed exactly: the result does not depend on their order.
IndexedExactSums sum_by_index(std::vector<IndexedTerm> terms);

/// Adds `part` into `total` (both ascending): the union of their indices, sums added where both
/// have one. Exact, so any order of merging several parts gives the same values.
void merge_into(IndexedExactSums& total, const IndexedExactSums& part);

}  // namespace cartsim::engine
