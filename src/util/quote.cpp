#include "util/quote.hpp"

#include <cstdint>
#include <cstdio>

namespace ncbctl::util {

namespace {

// Length of the valid UTF-8 sequence at `s[i]` (2..4) and its code point; 0 when the bytes are not
// shortest-form UTF-8 of a scalar value (overlong forms and surrogates would let a filter be bypassed).
std::size_t utf8_at(std::string_view s, std::size_t i, char32_t& cp) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const unsigned char c = b(0);
    std::size_t n = 0;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1fU;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0fU;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07U;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((b(k) & 0xc0U) != 0x80U) return 0;
        cp = (cp << 6) | (b(k) & 0x3fU);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) return 0;
    if (cp >= 0xd800 && cp <= 0xdfff) return 0;
    return n;
}

// Code points a terminal does not show as a glyph of their own: C1 controls, the line and paragraph
// separators, zero-width and bidirectional format characters (they reorder or hide the text around them).
bool printable_code_point(char32_t cp) {
    if (cp < 0xa0) return false;
    if (cp == 0xad || cp == 0x061c || cp == 0x180e || cp == 0xfeff) return false;
    if (cp >= 0x200b && cp <= 0x200f) return false;
    if (cp >= 0x2028 && cp <= 0x202e) return false;
    if (cp >= 0x2060 && cp <= 0x206f) return false;
    if (cp >= 0xfff9 && cp <= 0xfffb) return false;
    if (cp >= 0xe0000 && cp <= 0xe007f) return false;  // tag characters
    return true;
}

}  // namespace

bool is_printable(std::string_view value) {
    if (value.empty()) return false;
    for (std::size_t i = 0; i < value.size();) {
        const auto c = static_cast<unsigned char>(value[i]);
        if (c >= 0x20 && c < 0x7f) {
            ++i;
            continue;
        }
        char32_t cp = 0;
        const std::size_t n = utf8_at(value, i, cp);
        if (n == 0 || !printable_code_point(cp)) return false;
        i += n;
    }
    return true;
}

std::string quote(std::string_view value) {
    if (is_printable(value)) return std::string(value);
    std::string out = "\"";
    out.reserve(value.size() + 2);
    char buf[16];
    for (std::size_t i = 0; i < value.size();) {
        const auto c = static_cast<unsigned char>(value[i]);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c >= 0x20 && c < 0x7f) {
                    out += static_cast<char>(c);
                } else if (char32_t cp = 0; c >= 0x80 && utf8_at(value, i, cp) != 0) {
                    const std::size_t n = utf8_at(value, i, cp);
                    if (printable_code_point(cp)) {
                        out.append(value.substr(i, n));
                    } else {
                        std::snprintf(buf, sizeof buf, "\\u{%04X}", static_cast<unsigned>(cp));
                        out += buf;
                    }
                    i += n;
                    continue;
                } else {
                    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
                    out += buf;
                }
        }
        ++i;
    }
    out += '"';
    return out;
}

}  // namespace ncbctl::util
