#pragma once
// A path that is handed to another program's own syntax (socat's address `UNIX-CONNECT:<path>`, where `,`
// starts an option such as `unlink-close` and `:` or `!!` separate parameters) must not carry any of that
// syntax. Rather than escape each program's grammar, such paths are restricted to characters no grammar we
// feed gives a meaning: the inventory refuses anything else at load time and the adapter checks again.
#include <string_view>

namespace ncbctl::util {

// Characters of a plain path: letters, digits and `_./@+~-`.
inline constexpr std::string_view kPlainPathChars = "letters, digits and `_./@+~-`";

// True when `s` is absolute ("/..."), at most 4096 bytes, and every character is one of kPlainPathChars.
bool is_plain_path(std::string_view s);

}  // namespace ncbctl::util
