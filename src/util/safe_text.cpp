#include "util/safe_text.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace slumber::util {
namespace {

// One UTF-8 sequence at the start of `text` (RFC 3629, Table 3-7 of the
// Unicode standard): its code point and length, or length 0 when the first
// byte does not begin a valid sequence.
struct Decoded {
    char32_t code = 0;
    std::size_t length = 0;
};

Decoded decode(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
    const std::uint8_t lead = byte(0);
    if (lead < 0x80) return {lead, 1};
    std::size_t length = 0;
    char32_t code = 0;
    std::uint8_t low = 0x80;  // the second byte's range, narrowed for some leads
    std::uint8_t high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        code = lead & 0x1FU;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        code = lead & 0x0FU;
        if (lead == 0xE0) low = 0xA0;   // no overlong forms
        if (lead == 0xED) high = 0x9F;  // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        code = lead & 0x07U;
        if (lead == 0xF0) low = 0x90;   // no overlong forms
        if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
    } else {
        return {};
    }
    if (text.size() < length) return {};
    for (std::size_t i = 1; i < length; ++i) {
        const std::uint8_t next = byte(i);
        if (next < (i == 1 ? low : 0x80) || next > (i == 1 ? high : 0xBF)) return {};
        code = (code << 6) | (next & 0x3FU);
    }
    return {code, length};
}

// Code points that are valid but must not reach a terminal as they are.
bool needs_escape(char32_t code) {
    return code < 0x20 || code == 0x7F || (code >= 0x80 && code <= 0x9F) || code == 0x2028 || code == 0x2029 ||
           (code >= 0x202A && code <= 0x202E) || (code >= 0x2066 && code <= 0x2069);
}

void append_escape(std::string& out, char32_t code) {
    switch (code) {
        case '\n':
            out += "\\n";
            return;
        case '\r':
            out += "\\r";
            return;
        case '\t':
            out += "\\t";
            return;
        default:
            break;
    }
    if (code < 0x80) {
        out += fmt::format("\\x{:02x}", static_cast<unsigned>(code));
    } else {
        out += fmt::format("\\u{:04x}", static_cast<unsigned>(code));
    }
}

}  // namespace

bool is_safe_text(std::string_view text) {
    while (!text.empty()) {
        const Decoded decoded = decode(text);
        if (decoded.length == 0 || needs_escape(decoded.code)) return false;
        text.remove_prefix(decoded.length);
    }
    return true;
}

std::string safe_text(std::string_view text) {
    if (is_safe_text(text)) return std::string(text);
    std::string out;
    out.reserve(text.size() + 16);
    while (!text.empty()) {
        const Decoded decoded = decode(text);
        if (decoded.length == 0) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned>(static_cast<std::uint8_t>(text.front())));
            text.remove_prefix(1);
            continue;
        }
        if (needs_escape(decoded.code)) {
            append_escape(out, decoded.code);
        } else {
            out.append(text.substr(0, decoded.length));
        }
        text.remove_prefix(decoded.length);
    }
    return out;
}

}  // namespace slumber::util
