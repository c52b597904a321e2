#pragma once
// An allocator for large arrays that are read at random (the occupancy layers): it asks the
// kernel to back them with 2 MiB pages (transparent huge pages, madvise mode), so random reads
// over hundreds of MB do not also miss the TLB on every access. Falls back silently to normal
// pages where the kernel says no; small arrays use plain operator new.

#include <sys/mman.h>

#include <cstddef>
#include <new>

namespace cartsim::engine {

inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

template <class T>
class HugePageAllocator {
  public:
    using value_type = T;

    HugePageAllocator() = default;
    template <class U>
    explicit HugePageAllocator(const HugePageAllocator<U>&) {}

    T* allocate(std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < kHugePageBytes) return static_cast<T*>(::operator new(bytes));
        // Aligned to a huge page and advised before the first touch, so the kernel can fault
        // in whole 2 MiB pages.
        const std::size_t rounded = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
        void* memory = ::operator new (rounded, std::align_val_t{kHugePageBytes});
        ::madvise(memory, rounded, MADV_HUGEPAGE);
        return static_cast<T*>(memory);
    }
    void deallocate(T* pointer, std::size_t n) noexcept {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < kHugePageBytes) {
            ::operator delete(pointer);
        } else {
            ::operator delete (pointer, std::align_val_t{kHugePageBytes});
        }
    }
    template <class U>
    friend bool operator==(const HugePageAllocator&, const HugePageAllocator<U>&) {
        return true;
    }
};

}  // namespace cartsim::engine
