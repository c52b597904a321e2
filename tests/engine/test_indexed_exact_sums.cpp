// Exact sums at a few indices (engine/indexed_exact_sums.hpp): grouping terms by index and
// merging parts give the dense per-index exact sums, whatever the order of terms and parts.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "engine/indexed_exact_sums.hpp"

namespace cartsim::engine {
namespace {

// Terms at scattered indices with magnitudes that a plain double sum would round away.
std::vector<IndexedTerm> scattered_terms(std::uint32_t seed, std::size_t count) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::uint64_t> index(0, 40);
    std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
    std::uniform_int_distribution<int> exponent(-40, 40);
    std::vector<IndexedTerm> terms(count);
    for (IndexedTerm& t : terms) t = {index(rng) * 997, std::ldexp(mantissa(rng), exponent(rng))};
    return terms;
}

// The dense answer: one accumulator per index, terms added one by one in the given order.
std::vector<ExactSum> dense_sums(const std::vector<IndexedTerm>& terms, std::size_t length) {
    std::vector<ExactSum> dense(length);
    for (const IndexedTerm& t : terms) dense[t.index].add(t.term);
    return dense;
}

TEST(IndexedExactSums, GroupsTermsByIndexInAscendingOrder) {
    const std::vector<IndexedTerm> terms = scattered_terms(7, 500);
    const IndexedExactSums sums = sum_by_index(terms);
    const std::vector<ExactSum> dense = dense_sums(terms, 41 * 997);
    ASSERT_TRUE(std::is_sorted(sums.indices.begin(), sums.indices.end()));
    ASSERT_EQ(std::adjacent_find(sums.indices.begin(), sums.indices.end()), sums.indices.end());
    std::size_t listed = 0;
    for (std::size_t i = 0; i < dense.size(); ++i) {
        const auto at = std::lower_bound(sums.indices.begin(), sums.indices.end(), i);
        const bool has_terms = std::any_of(terms.begin(), terms.end(),
                                           [&](const IndexedTerm& t) { return t.index == i; });
        ASSERT_EQ(at != sums.indices.end() && *at == i, has_terms) << "index " << i;
        if (!has_terms) continue;
        ++listed;
        EXPECT_EQ(sums.sums[static_cast<std::size_t>(at - sums.indices.begin())].value(),
                  dense[i].value())
            << "index " << i;
    }
    EXPECT_EQ(listed, sums.size());
    EXPECT_EQ(sum_by_index({}).size(), 0u);
}

TEST(IndexedExactSums, MergingPartsInAnyOrderGivesTheSumOfAllTerms) {
    const std::vector<IndexedTerm> terms = scattered_terms(11, 900);
    const IndexedExactSums whole = sum_by_index(terms);
    // Three parts of very different sizes (one empty), merged in two orders.
    const std::vector<IndexedTerm> a(terms.begin(), terms.begin() + 20);
    const std::vector<IndexedTerm> b(terms.begin() + 20, terms.end());
    const std::vector<IndexedExactSums> parts{sum_by_index(a), sum_by_index({}), sum_by_index(b)};
    for (const std::vector<int>& order : {std::vector<int>{0, 1, 2}, std::vector<int>{2, 0, 1}}) {
        IndexedExactSums total;
        for (const int p : order) merge_into(total, parts[static_cast<std::size_t>(p)]);
        ASSERT_EQ(total.indices, whole.indices);
        for (std::size_t k = 0; k < whole.size(); ++k) {
            EXPECT_EQ(total.sums[k], whole.sums[k]) << "index " << whole.indices[k];
            EXPECT_EQ(total.sums[k].value(), whole.sums[k].value());
        }
    }
}

}  // namespace
}  // namespace cartsim::engine
