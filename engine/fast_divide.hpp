#pragma once
// Exact division of 32-bit unsigned integers by a divisor fixed at run time, without a divide
// instruction: n / d == (M * n) >> 64 with M = ceil(2^64 / d), exact for every 32-bit n and
// d >= 1 (Lemire, Kaser & Kurz, "Faster remainder by direct computation", Software: Practice
// and Experience 49, 2019). The lattice divides site indices by its row and plane sizes on
// every agent step; a hardware divide costs tens of cycles, this a multiply.

#include <cstdint>

namespace cartsim::engine {

class FastDivider {
  public:
    FastDivider() = default;
    explicit FastDivider(std::uint32_t divisor)
        : divisor_(divisor),
          // ceil(2^64 / d) = floor((2^64 - 1) / d) + 1 for d >= 2; d == 1 is special-cased.
          magic_(divisor > 1 ? ~std::uint64_t{0} / divisor + 1 : 0) {}

    std::uint32_t divisor() const { return divisor_; }
    std::uint32_t divide(std::uint32_t n) const {
        if (divisor_ == 1) return n;
        __extension__ using Wide = unsigned __int128;  // g++ and clang on 64-bit targets
        return static_cast<std::uint32_t>((static_cast<Wide>(magic_) * n) >> 64);
    }

  private:
    std::uint32_t divisor_ = 1;
    std::uint64_t magic_ = 0;
};

}  // namespace cartsim::engine
