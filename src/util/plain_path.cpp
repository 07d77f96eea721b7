#include "util/plain_path.hpp"

#include <algorithm>

namespace ncbctl::util {

bool is_plain_path(std::string_view s) {
    if (!s.starts_with('/') || s.size() > 4096) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
               c == '/' || c == '@' || c == '+' || c == '~' || c == '-';
    });
}

}  // namespace ncbctl::util
