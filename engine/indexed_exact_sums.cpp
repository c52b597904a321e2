#include "engine/indexed_exact_sums.hpp"

#include <algorithm>
#include <utility>

namespace cartsim::engine {

IndexedExactSums sum_by_index(std::vector<IndexedTerm> terms) {
    std::sort(terms.begin(), terms.end(),
              [](const IndexedTerm& a, const IndexedTerm& b) { return a.index < b.index; });
    IndexedExactSums sums;
    for (std::size_t begin = 0; begin < terms.size();) {
        const std::uint64_t index = terms[begin].index;
        std::size_t end = begin;
        while (end < terms.size() && terms[end].index == index) ++end;
        sums.indices.push_back(index);
        sums.sums.emplace_back().add_terms(end - begin,
                                           [&](std::size_t k) { return terms[begin + k].term; });
        begin = end;
    }
    return sums;
}

void merge_into(IndexedExactSums& total, const IndexedExactSums& part) {
    if (part.indices.empty()) return;
    IndexedExactSums merged;
    merged.indices.reserve(total.size() + part.size());
    merged.sums.reserve(total.size() + part.size());
    std::size_t a = 0;
    std::size_t b = 0;
    while (a < total.size() || b < part.size()) {
        const bool take_total =
            b == part.size() || (a < total.size() && total.indices[a] <= part.indices[b]);
        const bool take_part =
            a == total.size() || (b < part.size() && part.indices[b] <= total.indices[a]);
        if (take_total && take_part) {
            merged.indices.push_back(total.indices[a]);
            merged.sums.push_back(total.sums[a]);
            merged.sums.back() += part.sums[b];
            ++a;
            ++b;
        } else if (take_total) {
            merged.indices.push_back(total.indices[a]);
            merged.sums.push_back(total.sums[a++]);
        } else {
            merged.indices.push_back(part.indices[b]);
            merged.sums.push_back(part.sums[b++]);
        }
    }
    total = std::move(merged);
}

}  // namespace cartsim::engine
