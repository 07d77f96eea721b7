#pragma once
// The one way a value that came from outside (inventory keys and values, command-line arguments, run ids,
// journal and lock-file content, node output) is echoed to a terminal or a log line: a value that could move
// the cursor, clear the screen, retitle the window, start a new line that looks like ncbctl's own, or hide
// text with bidirectional overrides is shown escaped, never raw.
#include <string>
#include <string_view>

namespace ncbctl::util {

// `value` unchanged when it is non-empty and every character is printable: ASCII 0x20..0x7e, or valid UTF-8
// of a printable code point (not C1 controls, not bidirectional or zero-width format characters, not the
// line/paragraph separators). Otherwise the C-style quoted form: `"` + value + `"` with `\\`, `\"`, `\n`,
// `\r`, `\t` and every other unprintable byte as `\xNN` (an unprintable code point as `\u{XXXX}`), so the
// result is one line of printable ASCII. The empty string is `""`. Never fails.
std::string quote(std::string_view value);

// True when quote(value) would return `value` unchanged.
bool is_printable(std::string_view value);

}  // namespace ncbctl::util
