#include "engine/saved_state_bytes.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace cartsim::engine {

namespace {

constexpr std::array<char, 8> kMarker = {'c', 'a', 'r', 't', 'S', 'S', 'v', '1'};

class Writer {
  public:
    explicit Writer(std::vector<std::byte>& out) : out_(&out) {}

    template <class T>
    void value(const T& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        raw(&v, sizeof(T));
    }
    void text(std::string_view s) {
        value(static_cast<std::uint64_t>(s.size()));
        raw(s.data(), s.size());
    }
    template <class T>
    void vector(const std::vector<T>& v) {
        value(static_cast<std::uint64_t>(v.size()));
        raw(v.data(), v.size() * sizeof(T));
    }
    void values(const StateValues& v) {
        value(static_cast<std::uint8_t>(v.index()));
        std::visit([this](const auto& vector_of) { vector(vector_of); }, v);
    }

  private:
    void raw(const void* data, std::size_t bytes) {
        const std::size_t at = out_->size();
        out_->resize(at + bytes);
        if (bytes > 0) std::memcpy(out_->data() + at, data, bytes);
    }
    std::vector<std::byte>* out_;
};

class Reader {
  public:
    explicit Reader(std::span<const std::byte> in) : in_(in) {}

    template <class T>
    T value() {
        T v;
        std::memcpy(&v, take(sizeof(T)).data(), sizeof(T));
        return v;
    }
    std::string text() {
        const std::size_t n = count(1);
        const auto bytes = take(n);
        return {reinterpret_cast<const char*>(bytes.data()), n};
    }
    template <class T>
    void vector(std::vector<T>& v) {
        const std::size_t n = count(sizeof(T));
        v.resize(n);
        if (n > 0) std::memcpy(v.data(), take(n * sizeof(T)).data(), n * sizeof(T));
    }
    StateValues values() {
        const auto index = value<std::uint8_t>();
        StateValues v = make_values(index);
        std::visit([this](auto& vector_of) { vector(vector_of); }, v);
        return v;
    }
    bool done() const { return in_.empty(); }

  private:
    static StateValues make_values(std::uint8_t index) {
        switch (index) {
            case 0:
                return std::vector<std::uint8_t>{};
            case 1:
                return std::vector<std::uint16_t>{};
            case 2:
                return std::vector<std::uint32_t>{};
            case 3:
                return std::vector<std::uint64_t>{};
            case 4:
                return std::vector<float>{};
            case 5:
                return std::vector<double>{};
            default:
                fail(fmt::format("unknown value type {}", index));
        }
    }
    // An element count, refused when the rest could not hold that many elements.
    std::size_t count(std::size_t element_bytes) {
        const auto n = value<std::uint64_t>();
        if (n > in_.size() / element_bytes) fail("a count exceeds the bytes that follow");
        return static_cast<std::size_t>(n);
    }
    std::span<const std::byte> take(std::size_t bytes) {
        if (in_.size() < bytes) fail("cut short");
        const auto head = in_.first(bytes);
        in_ = in_.subspan(bytes);
        return head;
    }
    [[noreturn]] static void fail(const std::string& what) {
        throw std::runtime_error("saved state bytes: " + what);
    }
    std::span<const std::byte> in_;
};

static_assert(std::variant_size_v<StateValues> == 6, "decode_saved_state lists every type");

}  // namespace

std::vector<std::byte> encode_saved_state(const SavedState& state) {
    std::vector<std::byte> out;
    Writer w(out);
    w.value(kMarker);
    w.value(static_cast<std::uint64_t>(state.populations.size()));
    for (const SavedPopulation& p : state.populations) {
        w.text(p.name);
        w.vector(p.ids);
        w.vector(p.sites);
        w.vector(p.ids_issued_by_tile);
        w.value(static_cast<std::uint64_t>(p.columns.size()));
        for (const auto& [name, values] : p.columns) {
            w.text(name);
            w.values(values);
        }
    }
    w.value(static_cast<std::uint64_t>(state.arrays.size()));
    for (const SavedArray& a : state.arrays) {
        w.text(a.group);
        w.text(a.name);
        w.text(a.unit);
        w.value(static_cast<std::uint8_t>(a.scalar ? 1 : 0));
        w.values(a.values);
    }
    return out;
}

SavedState decode_saved_state(std::span<const std::byte> bytes) {
    Reader r(bytes);
    if (r.value<std::array<char, 8>>() != kMarker) {
        throw std::runtime_error("saved state bytes: not a saved state (marker)");
    }
    SavedState state;
    const auto populations = r.value<std::uint64_t>();
    for (std::uint64_t k = 0; k < populations; ++k) {
        SavedPopulation p;
        p.name = r.text();
        r.vector(p.ids);
        r.vector(p.sites);
        r.vector(p.ids_issued_by_tile);
        const auto columns = r.value<std::uint64_t>();
        for (std::uint64_t c = 0; c < columns; ++c) {
            std::string name = r.text();
            p.columns.emplace_back(std::move(name), r.values());
        }
        state.populations.push_back(std::move(p));
    }
    const auto arrays = r.value<std::uint64_t>();
    for (std::uint64_t k = 0; k < arrays; ++k) {
        SavedArray a;
        a.group = r.text();
        a.name = r.text();
        a.unit = r.text();
        a.scalar = r.value<std::uint8_t>() != 0;
        a.values = r.values();
        state.arrays.push_back(std::move(a));
    }
    if (!r.done()) throw std::runtime_error("saved state bytes: bytes left over at the end");
    return state;
}

}  // namespace cartsim::engine
