#pragma once
// The model's population tags (the top bits of agent ids and layer handles): one list, so no
// two populations share one. Tags are part of ids, hence of checkpoints: never renumber.

#include <cstdint>

namespace cartsim::agents {

inline constexpr std::uint8_t kTissueTag = 0;
inline constexpr std::uint8_t kCarTTag = 1;

}  // namespace cartsim::agents
