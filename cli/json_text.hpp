#pragma once
// Writing JSON by hand, for the machine-readable outputs of `cartsim info --json` and
// `cartsim validate --list-params --format json` (cartsim has no JSON library and needs none: it
// only writes flat documents of strings, numbers, booleans and arrays).
//
// json_string escapes what RFC 8259 requires (quote, backslash, the control characters
// U+0000-U+001F) and U+007F; valid UTF-8 passes through unchanged and every byte that is not part
// of a valid UTF-8 sequence becomes U+FFFD, so the document is always valid UTF-8 JSON.
// json_number writes a double in shortest round-trip form, and null for NaN and infinities (JSON
// has no such numbers; the documents say what null means where it can occur).

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cartsim::cli::json {

/// Length of the valid UTF-8 sequence starting at text[i] (1 to 4), or 0 when the bytes there are
/// not one (a stray continuation byte, an overlong form, a surrogate, a code point above U+10FFFF
/// or a truncated sequence).
inline std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    if (lead < 0x80) return 1;
    std::size_t length = 0;
    std::uint32_t code = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        code = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        code = lead & 0x0Fu;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        code = lead & 0x07u;
    } else {
        return 0;
    }
    if (i + length > text.size()) return 0;
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xC0u) != 0x80u) return 0;
        code = (code << 6) | (byte(i + k) & 0x3Fu);
    }
    const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
    const bool surrogate = code >= 0xD800 && code <= 0xDFFF;
    if (overlong || surrogate || code > 0x10FFFF) return 0;
    return length;
}

/// A JSON string literal (with the surrounding quotes).
inline std::string json_string(std::string_view text) {
    std::string out = "\"";
    out.reserve(text.size() + 2);
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        switch (c) {
            case '"':
                out += "\\\"";
                ++i;
                continue;
            case '\\':
                out += "\\\\";
                ++i;
                continue;
            case '\n':
                out += "\\n";
                ++i;
                continue;
            case '\r':
                out += "\\r";
                ++i;
                continue;
            case '\t':
                out += "\\t";
                ++i;
                continue;
            case '\b':
                out += "\\b";
                ++i;
                continue;
            case '\f':
                out += "\\f";
                ++i;
                continue;
            default:
                break;
        }
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F) {
            out += fmt::format("\\u{:04x}", static_cast<unsigned>(byte));
            ++i;
            continue;
        }
        const std::size_t length = utf8_sequence_length(text, i);
        if (length == 0) {
            out += "\\ufffd";
            ++i;
            continue;
        }
        out.append(text.substr(i, length));
        i += length;
    }
    return out + "\"";
}

/// A JSON number in shortest round-trip form; null for NaN and infinities.
inline std::string json_number(double value) {
    if (!std::isfinite(value)) return "null";
    return fmt::format("{}", value);
}

inline std::string json_number(std::int64_t value) {
    return fmt::format("{}", value);
}

inline std::string json_number(std::uint64_t value) {
    return fmt::format("{}", value);
}

inline std::string json_bool(bool value) {
    return value ? "true" : "false";
}

}  // namespace cartsim::cli::json
