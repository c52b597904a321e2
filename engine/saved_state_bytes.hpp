#pragma once
// A saved model state (engine/model_state.hpp) as one byte string and back: how a rank's state
// travels to the rank that writes the output, and a checkpoint's state to every rank
// (engine/mpi/). Lossless: every value keeps its bits. Machine-local (native byte order):
// both ends run the same binary.

#include <cstddef>
#include <span>
#include <vector>

#include "engine/model_state.hpp"

namespace cartsim::engine {

/// Every population (name, ids, sites, id counters, named columns) and every array (group,
/// name, unit, scalar flag, values) of `state`.
std::vector<std::byte> encode_saved_state(const SavedState& state);

/// The state encode_saved_state wrote. Throws std::runtime_error when `bytes` is not such a
/// string (wrong marker, cut short, unknown value type, bytes left over).
SavedState decode_saved_state(std::span<const std::byte> bytes);

}  // namespace cartsim::engine
