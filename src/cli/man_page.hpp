#pragma once
// The man pages, generated at build time (`ncbctl __man DIR`) from the command tree that parses the arguments:
// ncbctl(1) (global options, the commands, where the inventory is looked up, the environment, the exit-code
// table) and ncbctl-COMMAND(1) for each command, its subcommands as sections. roff (man(7)), no preprocessor.
#include <string>
#include <vector>

#include "cli/command_tree.hpp"

namespace ncbctl::cli {

struct ManPage {
    std::string file;  // "ncbctl.1", "ncbctl-upgrade.1"
    std::string text;
};

std::vector<ManPage> man_pages(const CommandInfo& root, const std::string& version);

// Text escaped for roff: backslashes, '-' as \-, a leading '.' or '\'' made literal.
std::string roff_escape(const std::string& s);

}  // namespace ncbctl::cli
