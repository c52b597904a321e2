#include "engine/exact_sum.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cartsim::engine {

namespace {

constexpr int kTopLimb = ExactSum::kLimbs - 1;
// Finite terms reach digit 65 once carried; a nonzero digit 66 or above means a magnitude >=
// 2^(32*66 - 1074) = 2^1038, beyond the largest double.
constexpr int kFirstOverflowDigit = 66;
// Bit 0 of the fixed-point number weighs 2^-1074, the smallest subnormal.
constexpr int kLowestExponent = -1074;
constexpr int kSignificandBits = 53;

__extension__ using Wide = unsigned __int128;  // g++ and clang on 64-bit targets

void propagate_carries(std::array<std::int64_t, ExactSum::kLimbs>& limbs) {
    for (int k = 0; k < kTopLimb; ++k) {
        const std::int64_t carry = limbs[static_cast<std::size_t>(k)] >> 32;  // floor division
        limbs[static_cast<std::size_t>(k)] -= carry * (std::int64_t{1} << 32);
        limbs[static_cast<std::size_t>(k) + 1] += carry;
    }
}

}  // namespace

void ExactSum::add_special(std::uint64_t bits) {
    if (bits == kNegativeZeroBits) {
        saw_negative_zero_ = true;
    } else if ((bits & kFractionMask) != 0) {
        saw_nan_ = true;
    } else if (static_cast<std::int64_t>(bits) < 0) {
        saw_negative_infinity_ = true;
    } else {
        saw_positive_infinity_ = true;
    }
}

ExactSum& ExactSum::operator+=(const ExactSum& other) {
    const ExactSum* source = &other;
    ExactSum normalized_other;
    if (std::uint64_t{deposits_} + other.deposits_ > kDepositsBeforeCarry) {
        normalize();
        normalized_other = other;
        normalized_other.normalize();
        source = &normalized_other;
    }
    for (std::size_t k = 0; k < limbs_.size(); ++k) limbs_[k] += source->limbs_[k];
    deposits_ += source->deposits_;
    saw_negative_zero_ = saw_negative_zero_ || other.saw_negative_zero_;
    saw_nan_ = saw_nan_ || other.saw_nan_;
    saw_positive_infinity_ = saw_positive_infinity_ || other.saw_positive_infinity_;
    saw_negative_infinity_ = saw_negative_infinity_ || other.saw_negative_infinity_;
    return *this;
}

void ExactSum::normalize() {
    propagate_carries(limbs_);
    // Every limb is now a digit below 2^32 except the top one, which holds far less than 2^53
    // (see kLimbs): it counts as one deposit (and 0 stays 0: only -0.0 terms so far).
    deposits_ = std::min(deposits_, 1u);
}

std::array<std::int64_t, ExactSum::kLimbs> ExactSum::canonical() const {
    std::array<std::int64_t, kLimbs> limbs = limbs_;
    propagate_carries(limbs);
    return limbs;
}

bool operator==(const ExactSum& a, const ExactSum& b) {
    return a.canonical() == b.canonical() && a.only_negative_zeros() == b.only_negative_zeros() &&
           a.saw_nan_ == b.saw_nan_ && a.saw_positive_infinity_ == b.saw_positive_infinity_ &&
           a.saw_negative_infinity_ == b.saw_negative_infinity_;
}

double ExactSum::value() const {
    constexpr double kInfinity = std::numeric_limits<double>::infinity();
    if (saw_nan_ || (saw_positive_infinity_ && saw_negative_infinity_)) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    if (saw_positive_infinity_) return kInfinity;
    if (saw_negative_infinity_) return -kInfinity;

    // Magnitude as base-2^32 digits, all in [0, 2^32) after the carries.
    std::array<std::int64_t, kLimbs> digits = canonical();
    const bool negative = digits[kTopLimb] < 0;
    if (negative) {
        for (std::int64_t& d : digits) d = -d;
        propagate_carries(digits);
    }
    int highest = kTopLimb;
    while (highest >= 0 && digits[static_cast<std::size_t>(highest)] == 0) --highest;
    if (highest < 0) return only_negative_zeros() ? -0.0 : 0.0;
    if (highest >= kFirstOverflowDigit) return negative ? -kInfinity : kInfinity;

    // The top three digits hold the leading 53 bits, the rounding bit and part of the rest;
    // the digits below only matter through whether any of them is nonzero.
    const int lowest_in_window = highest >= 2 ? highest - 2 : 0;
    Wide window = 0;
    for (int k = highest; k >= lowest_in_window; --k) {
        window = (window << 32) | static_cast<std::uint64_t>(digits[static_cast<std::size_t>(k)]);
    }
    bool sticky = false;
    for (int k = 0; k < lowest_in_window; ++k) sticky |= digits[static_cast<std::size_t>(k)] != 0;

    const auto high_half = static_cast<std::uint64_t>(window >> 64);
    const int bit_length = high_half != 0
                               ? 128 - std::countl_zero(high_half)
                               : 64 - std::countl_zero(static_cast<std::uint64_t>(window));
    double magnitude = 0.0;
    if (bit_length <= kSignificandBits) {
        // Fewer than 54 bits, all in the window (lowest_in_window is 0 then): exact, possibly
        // subnormal.
        magnitude =
            std::ldexp(static_cast<double>(static_cast<std::uint64_t>(window)), kLowestExponent);
    } else {
        int dropped = bit_length - kSignificandBits;
        auto significand = static_cast<std::uint64_t>(window >> dropped);
        const Wide one = 1;
        const Wide remainder = window & ((one << dropped) - 1);
        const Wide half = one << (dropped - 1);
        const bool round_up =
            remainder > half || (remainder == half && (sticky || (significand & 1u) != 0));
        if (round_up && ++significand == std::uint64_t{1} << kSignificandBits) {
            significand >>= 1;
            ++dropped;
        }
        // Overflow past the largest double gives +inf here, as IEEE rounding does.
        magnitude = std::ldexp(static_cast<double>(significand),
                               dropped + 32 * lowest_in_window + kLowestExponent);
    }
    return negative ? -magnitude : magnitude;
}

}  // namespace cartsim::engine
