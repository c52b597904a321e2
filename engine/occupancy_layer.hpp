#pragma once
// One occupancy layer (tissue or mobile): at most one agent per site.

#include <atomic>
#include <cassert>
#include <cstdint>
#include <vector>

#include "engine/huge_page_allocator.hpp"
#include "engine/types.hpp"

namespace cartsim::engine {

/// What a layer stores per site: the population tag (3 high bits) and the storage slot
/// (29 low bits) of the agent there. Four bytes per site per layer.
class AgentHandle {
  public:
    static constexpr std::uint32_t kSlotBits = 29;
    static constexpr std::uint32_t kMaxTags = 8;
    /// Slots at or above this are reserved for the empty and pending markers.
    static constexpr std::uint32_t kMaxSlots = (1u << kSlotBits) - 2;

    constexpr AgentHandle() = default;
    constexpr AgentHandle(std::uint8_t tag, AgentSlot slot)
        : bits_((static_cast<std::uint32_t>(tag) << kSlotBits) | slot) {}

    static constexpr AgentHandle empty() { return AgentHandle(0xFFFFFFFFu); }
    /// A site claimed by a birth that becomes a real agent at the next sync point.
    static constexpr AgentHandle pending() { return AgentHandle(0xFFFFFFFEu); }

    constexpr bool is_empty() const { return bits_ == 0xFFFFFFFFu; }
    constexpr bool is_pending() const { return bits_ == 0xFFFFFFFEu; }
    /// True when the handle names a committed agent.
    constexpr bool is_agent() const { return bits_ < 0xFFFFFFFEu; }
    constexpr std::uint8_t tag() const { return static_cast<std::uint8_t>(bits_ >> kSlotBits); }
    constexpr AgentSlot slot() const { return bits_ & ((1u << kSlotBits) - 1); }
    constexpr std::uint32_t bits() const { return bits_; }
    friend constexpr bool operator==(AgentHandle, AgentHandle) = default;

  private:
    explicit constexpr AgentHandle(std::uint32_t bits) : bits_(bits) {}
    std::uint32_t bits_ = 0xFFFFFFFFu;
};

class OccupancyLayer {
  public:
    explicit OccupancyLayer(std::uint64_t site_count)
        : handles_(site_count, AgentHandle::empty()) {}

    std::uint64_t site_count() const { return handles_.size(); }
    AgentHandle at(SiteIndex site) const { return handles_[site]; }
    bool is_empty(SiteIndex site) const { return handles_[site].is_empty(); }

    void place(SiteIndex site, AgentHandle handle) {
        assert(handles_[site].is_empty() || handles_[site].is_pending());
        handles_[site] = handle;
        note_free(site, handle.is_empty());
    }
    /// Overwrites whatever is at the site; used by compaction to follow a moved slot.
    void reassign(SiteIndex site, AgentHandle handle) {
        handles_[site] = handle;
        note_free(site, handle.is_empty());
    }
    void clear(SiteIndex site) {
        handles_[site] = AgentHandle::empty();
        note_free(site, true);
    }
    void move(SiteIndex from, SiteIndex to) {
        assert(handles_[to].is_empty());
        handles_[to] = handles_[from];
        handles_[from] = AgentHandle::empty();
        note_free(to, handles_[to].is_empty());
        note_free(from, true);
    }

    /// The handles of all sites (index = site).
    const AgentHandle* data() const { return handles_.data(); }

    /// From now on keeps one bit per site: set while the site is empty and may hold an agent
    /// (`never_free(site)` false, e.g. not a vessel for the tissue layer). A search for a free
    /// neighbour then reads 26 bits of a 1-MB map (200^3 sites) instead of 26 handles spread
    /// over 32 MB, nearly all of them occupied in a full marrow (benchmarks/RESULTS.md,
    /// session 22). Kept on every write above; costs nothing on a layer that does not ask.
    template <class NeverFree>
    void track_free_sites(NeverFree&& never_free) {
        const std::size_t words = (handles_.size() + 63) / 64;
        free_bits_.assign(words, 0);
        never_free_bits_.assign(words, 0);
        for (SiteIndex site = 0; site < handles_.size(); ++site) {
            if (never_free(site)) {
                never_free_bits_[site >> 6] |= bit_of(site);
            } else if (handles_[site].is_empty()) {
                free_bits_[site >> 6] |= bit_of(site);
            }
        }
    }
    bool tracks_free_sites() const { return !free_bits_.empty(); }
    /// Empty and able to hold an agent (only while tracks_free_sites()).
    bool is_free(SiteIndex site) const {
        assert(tracks_free_sites());
        // Sites of other tiles share the word and may change meanwhile (another thread's
        // sweep); this site cannot (the sweep's colouring), so its bit is exact.
        // (atomic_ref of a const object is C++26; the load does not write.)
        const std::uint64_t word =
            std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(free_bits_[site >> 6]))
                .load(std::memory_order_relaxed);
        return (word & bit_of(site)) != 0;
    }

  private:
    static std::uint64_t bit_of(SiteIndex site) { return std::uint64_t{1} << (site & 63); }

    void note_free(SiteIndex site, bool empty) {
        if (free_bits_.empty()) return;
        const std::uint64_t bit = bit_of(site);
        // Atomic: neighbouring sites in the same word may belong to tiles another thread sweeps.
        std::atomic_ref<std::uint64_t> word(free_bits_[site >> 6]);
        if (empty && (never_free_bits_[site >> 6] & bit) == 0) {
            word.fetch_or(bit, std::memory_order_relaxed);
        } else {
            word.fetch_and(~bit, std::memory_order_relaxed);
        }
    }

    // Read at random by every sweep: backed by huge pages where the kernel allows.
    std::vector<AgentHandle, HugePageAllocator<AgentHandle>> handles_;
    std::vector<std::uint64_t> free_bits_;        // empty and allowed; empty unless tracked
    std::vector<std::uint64_t> never_free_bits_;  // sites that never count as free
};

}  // namespace cartsim::engine
