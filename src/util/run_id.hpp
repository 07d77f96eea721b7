#pragma once
// The shape of a run id, which names the run's journal (`<state>/runs/<id>.jsonl`) and work directory:
// `YYYYMMDDTHHMMSSZ-xxxxxx` (UTC time, six lowercase hex digits), as new_run_id() makes them. Every id that
// comes from outside (the command line, a journal's content, a lock holder file, local or on a node) is
// checked against it before it is used, so no `../../x` can make ncbctl read or write outside its state.
#include <string_view>

namespace ncbctl::util {

inline constexpr std::string_view kRunIdShape = "YYYYMMDDTHHMMSSZ-xxxxxx, e.g. 20261126T024512Z-3f9a1c";

// True when `s` is exactly 8 digits, `T`, 6 digits, `Z`, `-`, 6 lowercase hex digits.
constexpr bool is_run_id(std::string_view s) {
    if (s.size() != 23) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        const bool digit = c >= '0' && c <= '9';
        bool ok = false;
        if (i < 8 || (i > 8 && i < 15))
            ok = digit;
        else if (i == 8)
            ok = c == 'T';
        else if (i == 15)
            ok = c == 'Z';
        else if (i == 16)
            ok = c == '-';
        else
            ok = digit || (c >= 'a' && c <= 'f');
        if (!ok) return false;
    }
    return true;
}

}  // namespace ncbctl::util
