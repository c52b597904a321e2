#pragma once
// Test support: a split run (threads, virtual ranks) has the state hash of the reference run
// after every step. On failure it names the first step that differs, which is where to look.

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cartsim::test_support {

inline ::testing::AssertionResult same_hash_trajectory(
    const std::vector<std::uint64_t>& split, const std::vector<std::uint64_t>& reference) {
    if (split.size() != reference.size()) {
        return ::testing::AssertionFailure()
               << split.size() << " steps hashed, the reference has " << reference.size();
    }
    for (std::size_t s = 0; s < split.size(); ++s) {
        if (split[s] != reference[s]) {
            return ::testing::AssertionFailure() << "first difference after step " << s + 1;
        }
    }
    return ::testing::AssertionSuccess();
}

}  // namespace cartsim::test_support
