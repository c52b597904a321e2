#pragma once
// One occupancy layer (tissue or mobile): at most one agent per site.

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
    }
    /// Overwrites whatever is at the site; used by compaction to follow a moved slot.
    void reassign(SiteIndex site, AgentHandle handle) { handles_[site] = handle; }
    void clear(SiteIndex site) { handles_[site] = AgentHandle::empty(); }
    void move(SiteIndex from, SiteIndex to) {
        assert(handles_[to].is_empty());
        handles_[to] = handles_[from];
        handles_[from] = AgentHandle::empty();
    }

    /// The handles of all sites (index = site).
    const AgentHandle* data() const { return handles_.data(); }

  private:
    // Read at random by every sweep: backed by huge pages where the kernel allows.
    std::vector<AgentHandle, HugePageAllocator<AgentHandle>> handles_;
};

}  // namespace cartsim::engine
