#include "util/shell_text.hpp"

#include <vector>

namespace ncbctl::util {

std::string shell_quote(std::string_view arg) {
    if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789@%_-+=:,./") == std::string_view::npos)
        return std::string(arg);
    std::string out = "'";
    for (char c : arg) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    out += '\'';
    return out;
}

std::string shell_join(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) {
        if (!out.empty()) out += ' ';
        out += shell_quote(a);
    }
    return out;
}

std::string last_lines(std::string_view text, std::size_t lines, std::size_t max_chars) {
    std::vector<std::string_view> kept;
    while (!text.empty() && kept.size() < lines) {
        auto nl = text.rfind('\n');
        std::string_view line = nl == std::string_view::npos ? text : text.substr(nl + 1);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(0, nl);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
        if (!line.empty()) kept.insert(kept.begin(), line);
    }
    std::string out;
    for (auto l : kept) {
        if (!out.empty()) out += " | ";
        out += l;
    }
    if (out.size() > max_chars) out = "..." + out.substr(out.size() - max_chars);
    return out;
}

}  // namespace ncbctl::util
