#pragma once
// Shell completion scripts for bash and zsh, generated at build time (`ncbctl __completion bash|zsh`) from the
// command tree that parses the arguments: commands, flags, the values of flags with fixed choices, files and
// directories. Node names and run ids are asked of ncbctl itself when completing (`ncbctl [-i FILE]
// [--state-dir DIR] __complete nodes|runs`), so they come from the inventory the command line names.
#include <string>
#include <string_view>

#include "cli/command_tree.hpp"

namespace ncbctl::cli {

// "bash" or "zsh"; an empty string for any other shell.
std::string completion_script(const CommandInfo& root, std::string_view shell);

}  // namespace ncbctl::cli
