#pragma once
// Text for commands and messages: POSIX shell quoting (for the far side of ssh, and for showing a command
// line), and the last lines of a command's output for one-line errors.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ncbctl::util {

// Quotes one argument for a POSIX shell on the far side (ssh): 'it'\''s'. The only quoting function.
std::string shell_quote(std::string_view arg);
std::string shell_join(const std::vector<std::string>& argv);

// Last line(s) of a text for one-line error messages.
std::string last_lines(std::string_view text, std::size_t lines = 1, std::size_t max_chars = 300);

}  // namespace ncbctl::util
