#include "util/log_excerpt.hpp"

#include <regex>
#include <vector>

namespace ncbctl::util {
namespace {

constexpr std::size_t kMaxLine = 400;

// ESC [ ... final byte (colours, cursor moves); other control characters are dropped, tabs become spaces.
std::string printable(std::string_view line) {
    std::string out;
    out.reserve(line.size());
    for (std::size_t i = 0; i < line.size(); ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        if (c == 0x1b) {
            if (i + 1 < line.size() && line[i + 1] == '[') {
                i += 2;
                while (i < line.size() && (static_cast<unsigned char>(line[i]) < 0x40 || line[i] == '[')) ++i;
            }
            continue;
        }
        if (c == '\t') {
            out += ' ';
        } else if (c >= 0x20 && c != 0x7f) {
            out += static_cast<char>(c);
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

}  // namespace

std::string scrub_credentials(std::string line) {
    static const std::regex userinfo(R"(([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@)");
    static const std::regex bearer(R"((\b[Bb]earer\s+)[A-Za-z0-9._~+/=-]+)");
    static const std::regex keyed(
        R"(((?:password|passwd|pwd|secret|token|api[_-]?key)["']?\s*[:=]\s*["']?)([^\s"',;&}]+))", std::regex::icase);
    // An Authorization value has a scheme and a credential ("Basic dXNlcjpwYXNz"): all of it goes.
    static const std::regex authorization(R"((authorization["']?\s*[:=]\s*["']?)([^"',;&}]+))", std::regex::icase);
    line = std::regex_replace(line, userinfo, "$1***@");
    line = std::regex_replace(line, authorization, "$1***");
    line = std::regex_replace(line, bearer, "$1***");
    line = std::regex_replace(line, keyed, "$1***");
    return line;
}

namespace {

// Digits and runs of 4+ hex digits/dashes (uuids, hashes) become '#': what makes two log lines "the same".
std::string shape_of(std::string_view line) {
    std::string out;
    std::size_t i = 0;
    auto hexish = [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '-';
    };
    while (i < line.size()) {
        std::size_t j = i;
        while (j < line.size() && hexish(line[j])) ++j;
        if (j - i >= 4) {
            out += '#';
            i = j;
        } else if (line[i] >= '0' && line[i] <= '9') {
            out += '#';
            while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
        } else {
            out += line[i++];
        }
    }
    return out;
}

}  // namespace

std::string collapse_similar(std::string_view text, std::size_t max_lines) {
    std::vector<std::pair<std::string_view, std::size_t>> groups;  // newest first: last line, count
    std::string shape;
    while (!text.empty()) {
        const auto nl = text.rfind('\n');
        const std::string_view line = nl == std::string_view::npos ? text : text.substr(nl + 1);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(0, nl);
        if (line.empty()) continue;
        std::string s = shape_of(line);
        if (!groups.empty() && s == shape) {
            ++groups.back().second;
            continue;
        }
        if (groups.size() == max_lines) break;
        groups.emplace_back(line, 1);
        shape = std::move(s);
    }
    std::string out;
    for (auto it = groups.rbegin(); it != groups.rend(); ++it) {
        if (!out.empty()) out += '\n';
        if (it->second > 1) out += "[x" + std::to_string(it->second) + "] ";
        out += it->first;
    }
    return out;
}

std::string log_excerpt(std::string_view text, std::size_t lines) {
    std::vector<std::string> kept;
    while (!text.empty() && kept.size() < lines) {
        const auto nl = text.rfind('\n');
        const std::string_view raw = nl == std::string_view::npos ? text : text.substr(nl + 1);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(0, nl);
        std::string line = printable(raw);
        if (line.empty()) continue;
        if (line.size() > kMaxLine) line = line.substr(0, kMaxLine) + "...";
        kept.push_back(scrub_credentials(std::move(line)));
    }
    std::string out;
    for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
        if (!out.empty()) out += '\n';
        out += *it;
    }
    return out;
}

}  // namespace ncbctl::util
