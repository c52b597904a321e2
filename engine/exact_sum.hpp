#pragma once
// An exact, order-free sum of doubles: the building block of every floating-point reduction
// whose result must not depend on the order of the terms, on how they are split over threads,
// or (later) over MPI ranks.
//
// Method: a fixed-point number that covers the whole double range (a Kulisch-style
// "superaccumulator", as in ExBLAS or Neal's xsum): bit k of the number weighs 2^(k - 1074),
// so every finite double, subnormals included, is an integer in these units. The number is held
// in base-2^32 digits, each in a signed 64-bit limb ("carry-save", after Neal's xsum): adding a
// double deposits its 53-bit significand into two limbs, the low 32 bits of the shifted
// significand into its digit and the rest (< 2^53) into the next, without carries. A limb gains
// less than 2^53 in magnitude per deposit, so 1023 deposits fit before the carries must be
// propagated (normalize(), a pass over the limbs every ~1000 terms). Integer addition is
// associative and commutative, so the exact number after any sequence of add() and merge()
// calls is the same for any order and grouping of the same terms; its normalized form
// (canonical()) is unique, the raw limbs depend on when carries were propagated. value() rounds the
// exact sum once, to nearest with ties to even, exactly as IEEE addition would round the exact
// result.
//
// Special values, chosen so that they, too, do not depend on the order:
// - NaN terms, and +inf together with -inf, make value() NaN; +inf (or -inf) alone makes it
//   +inf (-inf): the IEEE result of adding the terms in any order. The finite terms are still
//   summed, so is_finite() tells the caller whether to trust value().
// - A finite sum larger than the largest double rounds to +-inf, as IEEE addition would.
// - Signed zero: the sum is -0.0 only when there was at least one term and every term was -0.0
//   (IEEE: x + (-x) = +0.0 in round-to-nearest, -0.0 + -0.0 = -0.0); the empty sum is +0.0.

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace cartsim::engine {

class ExactSum {
  public:
    /// Base-2^32 digits: deposits reach digit 64 (bits up to 2097 = 2^1023, in digit 65 once
    /// carried); the two above take the carries of up to 2^64 terms of the largest magnitude.
    static constexpr int kLimbs = 68;
    /// Deposits between carry propagations; each adds < 2^53 to a limb, so limbs stay < 2^63.
    static constexpr std::uint32_t kDepositsBeforeCarry = (1u << 10) - 1;

    ExactSum() = default;

    /// Adds one term exactly.
    void add(double term) {
        const auto bits = std::bit_cast<std::uint64_t>(term);
        if (is_special(bits)) [[unlikely]] {
            add_special(bits);
            return;
        }
        if (deposits_ >= kDepositsBeforeCarry) [[unlikely]] {
            normalize();
        }
        ++deposits_;
        deposit(bits);
    }

    /// Adds term_of(i) for i in [0, n): the same as n calls of add(), a little faster (the
    /// carry bookkeeping is done once per block, so the loop carries no dependency but the
    /// limbs).
    template <class TermOf>
    void add_terms(std::size_t n, TermOf&& term_of) {
        std::size_t i = 0;
        while (i < n) {
            if (deposits_ >= kDepositsBeforeCarry) normalize();
            const std::size_t block =
                std::min<std::size_t>(n - i, kDepositsBeforeCarry - deposits_);
            const std::size_t block_end = i + block;
            std::size_t specials = 0;
            for (; i < block_end; ++i) {
                const auto bits = std::bit_cast<std::uint64_t>(static_cast<double>(term_of(i)));
                if (is_special(bits)) [[unlikely]] {
                    add_special(bits);
                    ++specials;
                } else {
                    deposit(bits);
                }
            }
            deposits_ += static_cast<std::uint32_t>(block - specials);
        }
    }

    /// Adds another accumulator's terms: the same state as if its terms had been added here.
    ExactSum& operator+=(const ExactSum& other);

    /// The exact sum rounded to the nearest double (ties to even); see the header comment for
    /// special values.
    double value() const;
    /// False when a NaN or infinite term was added (the finite sum may still be finite).
    bool is_finite() const {
        return !saw_nan_ && !saw_positive_infinity_ && !saw_negative_infinity_;
    }

    /// Propagates the carries: limbs 0..kLimbs-2 become digits in [0, 2^32), the top limb keeps
    /// the sign. The value is unchanged; afterwards the limbs are the number's unique form.
    void normalize();
    /// The unique normalized limbs of the exact finite sum: equal for two accumulators exactly
    /// when their finite sums are equal, however their terms were added or merged.
    std::array<std::int64_t, kLimbs> canonical() const;

    /// Equal exact finite sums and the same special-value state.
    friend bool operator==(const ExactSum& a, const ExactSum& b);

  private:
    static constexpr std::uint64_t kNegativeZeroBits = std::uint64_t{1} << 63;
    static constexpr std::uint64_t kExponentMask = std::uint64_t{0x7FF} << 52;
    static constexpr std::uint64_t kFractionMask = (std::uint64_t{1} << 52) - 1;

    /// NaN, +-inf, and -0.0: the terms that do not deposit (-0.0 only matters for the sign of a
    /// zero sum).
    static bool is_special(std::uint64_t bits) {
        return (bits & kExponentMask) == kExponentMask || bits == kNegativeZeroBits;
    }
    void add_special(std::uint64_t bits);
    bool only_negative_zeros() const { return saw_negative_zero_ && deposits_ == 0; }

    /// Adds a finite term's significand at its place, without carries.
    void deposit(std::uint64_t bits) {
        const auto biased_exponent = static_cast<std::uint32_t>(bits >> 52) & 0x7FFu;
        // Subnormals (exponent field 0) have no hidden bit and the weight of exponent field 1.
        const std::uint64_t significand =
            (bits & kFractionMask) | (biased_exponent != 0 ? std::uint64_t{1} << 52 : 0);
        const std::uint32_t position = biased_exponent != 0 ? biased_exponent - 1 : 0;
        const std::uint32_t digit = position >> 5;
        const std::uint32_t shift = position & 31u;
        // significand * 2^shift (up to 84 bits) as a low digit and the rest (< 2^53).
        const auto low = static_cast<std::int64_t>((significand << shift) & 0xFFFF'FFFFu);
        const auto upper = static_cast<std::int64_t>(significand >> (32u - shift));
        // Branch-free sign (random signs would defeat the branch predictor): x or -x.
        const std::int64_t negate = static_cast<std::int64_t>(bits) >> 63;  // 0 or -1
        limbs_[digit] += (low ^ negate) - negate;
        limbs_[digit + 1] += (upper ^ negate) - negate;
    }

    std::array<std::int64_t, kLimbs> limbs_{};
    // Deposits since the last normalize(); 0 also tells that no term other than -0.0 came.
    std::uint32_t deposits_ = 0;
    bool saw_negative_zero_ = false;
    bool saw_nan_ = false;
    bool saw_positive_infinity_ = false;
    bool saw_negative_infinity_ = false;
};

}  // namespace cartsim::engine
