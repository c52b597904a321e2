// Tests of the exact accumulator: order and grouping never change the state, and value() is the
// correctly rounded sum. Every reference here is computed without ExactSum: the hardware's own
// correctly rounded operations (a + b, fma), __float128 sums on data where they are exact,
// integer sums of subnormal bit patterns, and hand-worked cases.

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "engine/exact_sum.hpp"

namespace cartsim::engine {
namespace {

double sum_of(std::initializer_list<double> terms) {
    ExactSum sum;
    for (const double t : terms) sum.add(t);
    return sum.value();
}

double sum_of(const std::vector<double>& terms) {
    ExactSum sum;
    for (const double t : terms) sum.add(t);
    return sum.value();
}

__extension__ using SignedWide = __int128;

std::uint64_t bits_of(double x) {
    return std::bit_cast<std::uint64_t>(x);
}

// A double with a random sign, significand and a binary exponent in [low, high].
double random_double(std::mt19937_64& random, int low, int high) {
    std::uniform_int_distribution<int> exponent(low, high);
    const double significand = 1.0 + static_cast<double>(random() >> 12) * 0x1p-52;
    const double magnitude = std::ldexp(significand, exponent(random));
    return (random() & 1u) != 0 ? -magnitude : magnitude;
}

// Any finite double, subnormals included, from uniformly random bits.
double random_finite_bits(std::mt19937_64& random) {
    for (;;) {
        const double x = std::bit_cast<double>(random());
        if (std::isfinite(x)) return x;
    }
}

// 1e6 terms: 400,000 pairs (x, -x) with x anywhere from subnormal to 1e308, which cancel exactly,
// and 200,000 "core" terms with binary exponents in [-20, 20]. The exact sum is the sum of the
// core terms, which a __float128 (113-bit significand) holds exactly: those terms span bits
// 2^-72 .. 2^38.
struct CancellingData {
    std::vector<double> terms;
    double reference = 0.0;
};

CancellingData cancelling_data() {
    std::mt19937_64 random(20261130);
    CancellingData data;
    __float128 core_sum = 0;
    for (int i = 0; i < 200'000; ++i) {
        const double x = random_double(random, -20, 20);
        core_sum += x;
        data.terms.push_back(x);
    }
    for (int i = 0; i < 400'000; ++i) {
        double x = 0.0;
        switch (i % 4) {
            case 0:
                x = random_double(random, 900, 1023);
                break;  // ~1e270 .. 1e308
            case 1:
                x = random_double(random, -1074, -1023);
                break;  // subnormal (ldexp rounds)
            case 2:
                x = random_finite_bits(random);
                break;
            default:
                x = random_double(random, -60, 60);
                break;
        }
        data.terms.push_back(x);
        data.terms.push_back(-x);
    }
    data.terms.push_back(1e300);
    data.terms.push_back(-1e300);
    std::shuffle(data.terms.begin(), data.terms.end(), random);
    data.reference = static_cast<double>(core_sum);  // GCC rounds to nearest even
    return data;
}

TEST(ExactSum, HandWorkedCases) {
    EXPECT_EQ(sum_of({1e300, 1.0, -1e300}), 1.0);
    EXPECT_EQ(sum_of({1.0, 1e300, -1e300, 1e-300}), 1.0);
    // Ties to even, and a far-away sticky bit that breaks the tie.
    EXPECT_EQ(sum_of({1.0, 0x1p-53}), 1.0);
    EXPECT_EQ(sum_of({1.0 + 0x1p-52, 0x1p-53}), 1.0 + 0x1p-51);
    EXPECT_EQ(sum_of({1.0, 0x1p-53, 0x1p-1074}), 1.0 + 0x1p-52);
    EXPECT_EQ(sum_of({1.0, 0x1p-53, -0x1p-1074}), 1.0);
    EXPECT_EQ(sum_of({-1.0, -0x1p-53, -0x1p-1074}), -(1.0 + 0x1p-52));
    EXPECT_EQ(sum_of({0x1p60, 1.0, -0x1p60, -0x1p-60}), 1.0 - 0x1p-60);
    // Near the top of the range: no overflow in between, IEEE overflow at the end.
    EXPECT_EQ(sum_of({DBL_MAX, DBL_MAX, -DBL_MAX}), DBL_MAX);
    EXPECT_EQ(sum_of({DBL_MAX, 0x1p969}), DBL_MAX);
    EXPECT_EQ(sum_of({DBL_MAX, 0x1p970}), std::numeric_limits<double>::infinity());
    EXPECT_EQ(sum_of({-DBL_MAX, -DBL_MAX}), -std::numeric_limits<double>::infinity());
    // Subnormals are exact.
    EXPECT_EQ(sum_of({DBL_TRUE_MIN, DBL_TRUE_MIN}), 2 * DBL_TRUE_MIN);
    EXPECT_EQ(sum_of({DBL_MIN, -DBL_TRUE_MIN}), std::nextafter(DBL_MIN, 0.0));
    EXPECT_EQ(sum_of({DBL_MIN / 2, DBL_MIN / 2}), DBL_MIN);
}

TEST(ExactSum, SignedZero) {
    EXPECT_EQ(bits_of(ExactSum().value()), bits_of(0.0));
    EXPECT_EQ(bits_of(sum_of({-0.0})), bits_of(-0.0));
    EXPECT_EQ(bits_of(sum_of({-0.0, -0.0})), bits_of(-0.0));
    EXPECT_EQ(bits_of(sum_of({-0.0, 0.0})), bits_of(0.0));
    EXPECT_EQ(bits_of(sum_of({0.0, -0.0})), bits_of(0.0));
    EXPECT_EQ(bits_of(sum_of({1.0, -1.0})), bits_of(0.0));
    EXPECT_EQ(bits_of(sum_of({-1.0, 1.0, -0.0})), bits_of(0.0));
    // Merging keeps the rule: all terms -0.0 -> -0.0, an empty part changes nothing.
    ExactSum a;
    a.add(-0.0);
    ExactSum b;
    b += a;
    EXPECT_EQ(bits_of(b.value()), bits_of(-0.0));
    b.add(0.0);
    EXPECT_EQ(bits_of(b.value()), bits_of(0.0));
}

TEST(ExactSum, InfinitiesAndNaNPropagateAsIeeeInAnyOrder) {
    const double inf = std::numeric_limits<double>::infinity();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    EXPECT_EQ(sum_of({1.0, inf, 1e300}), inf);
    EXPECT_EQ(sum_of({-inf, 1.0}), -inf);
    EXPECT_TRUE(std::isnan(sum_of({inf, 1.0, -inf})));
    EXPECT_TRUE(std::isnan(sum_of({1.0, nan})));
    EXPECT_TRUE(std::isnan(sum_of({-nan, inf})));
    ExactSum finite;
    finite.add(1.0);
    EXPECT_TRUE(finite.is_finite());
    ExactSum infinite;
    infinite.add(inf);
    EXPECT_FALSE(infinite.is_finite());
    finite += infinite;
    EXPECT_FALSE(finite.is_finite());
    EXPECT_EQ(finite.value(), inf);
}

TEST(ExactSum, TwoTermsMatchHardwareAddition) {
    // a + b in hardware is the correctly rounded exact sum, subnormals and overflow included.
    std::mt19937_64 random(1);
    for (int i = 0; i < 1'000'000; ++i) {
        const double a = random_finite_bits(random);
        // Half the partners are of a nearby magnitude, so that the rounding is exercised.
        const double b = (i & 1) != 0 ? random_finite_bits(random)
                                      : -a * (1.0 + static_cast<double>(random() >> 40) * 0x1p-30);
        ASSERT_EQ(bits_of(sum_of({a, b})), bits_of(a + b)) << a << " + " << b;
    }
}

TEST(ExactSum, ProductPlusTermMatchesFusedMultiplyAdd) {
    // With p = a*b rounded and e = fma(a, b, -p) its exact error, p + e + c is exactly a*b + c,
    // and fma(a, b, c) is that sum correctly rounded: a three-term case with sticky bits.
    std::mt19937_64 random(2);
    for (int i = 0; i < 1'000'000; ++i) {
        const double a = random_double(random, -400, 400);
        const double b = random_double(random, -400, 400);
        const double p = a * b;
        const double e = std::fma(a, b, -p);
        const double c = (i & 1) != 0 ? -p * (1.0 + static_cast<double>(random() >> 40) * 0x1p-40)
                                      : random_double(random, -900, 900);
        ASSERT_EQ(bits_of(sum_of({p, e, c})), bits_of(std::fma(a, b, c)))
            << a << " * " << b << " + " << c;
        ASSERT_EQ(bits_of(sum_of({c, e, p})), bits_of(std::fma(a, b, c)));
    }
}

TEST(ExactSum, SubnormalSumsAreIntegerSums) {
    // Subnormals are integers times 2^-1074: their sum is an integer sum, rounded once when it
    // reaches the normal range (converting a 128-bit integer to double rounds to nearest even,
    // and the scaling by 2^-1074 is then exact).
    std::mt19937_64 random(3);
    for (const int terms_per_case : {2, 10, 100'000}) {
        std::vector<double> terms;
        SignedWide units = 0;
        for (int i = 0; i < terms_per_case; ++i) {
            const auto fraction = static_cast<std::int64_t>(random() >> 12);  // < 2^52
            const bool negative = (random() & 1u) != 0;
            units += negative ? -fraction : fraction;
            const double x = std::bit_cast<double>(static_cast<std::uint64_t>(fraction));
            terms.push_back(negative ? -x : x);
        }
        EXPECT_EQ(bits_of(sum_of(terms)), bits_of(std::ldexp(static_cast<double>(units), -1074)))
            << terms_per_case << " terms";
    }
}

TEST(ExactSum, MillionTermsWithCancellationAreCorrectlyRounded) {
    const CancellingData data = cancelling_data();
    ASSERT_EQ(data.terms.size(), 1'000'002u);
    EXPECT_EQ(bits_of(sum_of(data.terms)), bits_of(data.reference));
    // The data is hard: a plain loop gets it wrong (so this test can fail).
    double naive = 0.0;
    for (const double t : data.terms) naive += t;
    EXPECT_NE(bits_of(naive), bits_of(data.reference));
}

TEST(ExactSum, AnySplitPermutationAndMergeOrderGivesTheSameState) {
    const CancellingData data = cancelling_data();
    ExactSum one_pass;
    for (const double t : data.terms) one_pass.add(t);
    const auto expected_limbs = one_pass.canonical();
    const double expected = one_pass.value();

    std::mt19937_64 random(4);
    for (const int pieces : {1, 2, 3, 4, 7, 8, 64, 1000}) {
        std::vector<double> terms = data.terms;
        std::shuffle(terms.begin(), terms.end(), random);
        // Random cut points, then the pieces merged in a random order and grouping.
        std::vector<std::size_t> cuts{0, terms.size()};
        for (int k = 1; k < pieces; ++k) cuts.push_back(random() % terms.size());
        std::sort(cuts.begin(), cuts.end());
        // Half the pieces term by term, half through the blocked add_terms().
        std::vector<ExactSum> partial(cuts.size() - 1);
        for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
            if (k % 2 == 0) {
                for (std::size_t i = cuts[k]; i < cuts[k + 1]; ++i) partial[k].add(terms[i]);
            } else {
                partial[k].add_terms(cuts[k + 1] - cuts[k],
                                     [&](std::size_t i) { return terms[cuts[k] + i]; });
            }
        }
        std::shuffle(partial.begin(), partial.end(), random);
        while (partial.size() > 1) {
            const std::size_t i = random() % (partial.size() - 1);
            partial[i] += partial[i + 1];
            partial.erase(partial.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        }
        EXPECT_EQ(partial[0].canonical(), expected_limbs) << pieces << " pieces";
        EXPECT_TRUE(partial[0] == one_pass) << pieces << " pieces";
        EXPECT_EQ(bits_of(partial[0].value()), bits_of(expected)) << pieces << " pieces";
    }
    // Reversing the order changes a plain loop's result but not the exact one.
    std::vector<double> reversed(data.terms.rbegin(), data.terms.rend());
    double naive_forward = 0.0;
    double naive_reversed = 0.0;
    for (const double t : data.terms) naive_forward += t;
    for (const double t : reversed) naive_reversed += t;
    EXPECT_NE(bits_of(naive_forward), bits_of(naive_reversed));
    EXPECT_EQ(bits_of(sum_of(reversed)), bits_of(expected));
}

TEST(ExactSum, BlockedAdditionEqualsTermByTerm) {
    // add_terms() keeps its own books (deposits per block, special values aside): it must give
    // the state of add(), special values and zeros included.
    std::mt19937_64 random(5);
    for (int round = 0; round < 200; ++round) {
        std::vector<double> terms(random() % 5000);
        for (double& t : terms) {
            switch (random() % 8) {
                case 0:
                    t = random_finite_bits(random);
                    break;
                case 1:
                    t = random_double(random, -1074, -1000);
                    break;
                case 2:
                    t = (random() & 1u) != 0 ? 0.0 : -0.0;
                    break;
                default:
                    t = random_double(random, -80, 80);
                    break;
            }
        }
        if (round % 10 == 1) terms.push_back(std::numeric_limits<double>::infinity());
        if (round % 10 == 2) std::fill(terms.begin(), terms.end(), -0.0);
        std::shuffle(terms.begin(), terms.end(), random);
        ExactSum one_by_one;
        for (const double t : terms) one_by_one.add(t);
        ExactSum blocked;
        blocked.add_terms(terms.size(), [&](std::size_t i) { return terms[i]; });
        ASSERT_TRUE(blocked == one_by_one) << "round " << round;
        ASSERT_EQ(bits_of(blocked.value()), bits_of(one_by_one.value())) << "round " << round;
    }
}

TEST(ExactSum, CarryPropagationKeepsTheValue) {
    // Many deposits of the largest magnitude into the same limbs, normalized at different
    // points, give one state.
    ExactSum a;
    ExactSum b;
    for (int i = 0; i < 1000; ++i) {
        a.add(DBL_MAX);
        a.add(-DBL_MAX / 3);
        b.add(-DBL_MAX / 3);
        b.add(DBL_MAX);
        if (i % 100 == 0) a.normalize();
    }
    EXPECT_TRUE(a == b);
    a.add(-DBL_MAX * (1.0 / 3.0));
    EXPECT_FALSE(a == b);
    EXPECT_EQ(a.value(), std::numeric_limits<double>::infinity());
    // 1000 (DBL_MAX - DBL_MAX/3) overflows a double but not the accumulator: take it back.
    ExactSum c = b;
    for (int i = 0; i < 1000; ++i) {
        c.add(-DBL_MAX);
        c.add(DBL_MAX / 3);
    }
    c.add(0.5);
    EXPECT_EQ(c.value(), 0.5);
}

}  // namespace
}  // namespace cartsim::engine
