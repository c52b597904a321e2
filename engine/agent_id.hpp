#pragma once
// How an agent id is made: population tag, tile of birth, and the birth's sequence within that
// tile. No partition of the lattice (threads, and later ranks) can change an id: a tile numbers
// its own births, whoever owns it and in whatever order the tiles are visited.

#include <bit>
#include <cstdint>

#include "engine/types.hpp"

namespace cartsim::engine {

/// The bits of an AgentId, from the top:
///   bits 56-63  population tag (< AgentHandle::kMaxTags = 8, so ids stay below 2^59 and are
///               exact as int64, e.g. in the XDMF sidecar)
///   next T      tile of birth, T = bit_width(tile_count - 1) (0 for one tile, 18 for the
///               262144 tiles of a 4096^2 lattice in 8^2 tiles, 26 for 2^32 sites in 4^3
///               tiles, at most 32 since TileIndex is 32 bits)
///   low 56 - T  sequence: how many ids the tile of birth had issued before (initial placement,
///               births of agents whose parent ran in the tile, entrants placed in it)
/// So a tile can issue 2^(56 - T) ids: at least 2^24 (1.7e7) even for a tile per site of the
/// largest lattice, 2^30 (1.1e9) for 2^32 sites in 4^3 tiles. Population refuses the id after
/// the last with std::length_error rather than reuse one.
/// T depends only on the tile count, which the lattice and the tiling fix, so a run and its
/// resumption under any thread or rank count agree on every id.
class AgentIdLayout {
  public:
    static constexpr unsigned kTagShift = 56;
    static constexpr unsigned kTileAndSequenceBits = 56;

    explicit constexpr AgentIdLayout(std::uint32_t tile_count)
        : tile_bits_(tile_count <= 1 ? 0U : static_cast<unsigned>(std::bit_width(tile_count - 1U))),
          sequence_bits_(kTileAndSequenceBits - tile_bits_),
          tile_count_(tile_count) {}

    constexpr std::uint32_t tile_count() const { return tile_count_; }
    constexpr unsigned tile_bits() const { return tile_bits_; }
    constexpr unsigned sequence_bits() const { return sequence_bits_; }
    /// The number of ids one tile can issue: sequences are 0 .. sequence_limit() - 1.
    constexpr std::uint64_t sequence_limit() const { return std::uint64_t{1} << sequence_bits_; }

    constexpr AgentId make(std::uint8_t tag, TileIndex tile, std::uint64_t sequence) const {
        return (static_cast<AgentId>(tag) << kTagShift) |
               (static_cast<AgentId>(tile) << sequence_bits_) | sequence;
    }
    static constexpr std::uint8_t tag_of(AgentId id) {
        return static_cast<std::uint8_t>(id >> kTagShift);
    }
    /// The tile field; may be >= tile_count() for an id that is not of this layout.
    constexpr std::uint64_t tile_of(AgentId id) const {
        return (id & ((AgentId{1} << kTagShift) - 1)) >> sequence_bits_;
    }
    constexpr std::uint64_t sequence_of(AgentId id) const { return id & (sequence_limit() - 1); }

  private:
    unsigned tile_bits_;
    unsigned sequence_bits_;
    std::uint32_t tile_count_;
};

}  // namespace cartsim::engine
