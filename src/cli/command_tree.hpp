#pragma once
// A plain description of the CLI11 command tree that parses ncbctl's arguments (commands.cpp), for the
// generators of the man pages and the shell completions: they read what the parser will accept, so they
// cannot drift from it. Hidden commands and options (empty CLI11 group) are left out.
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace ncbctl::cli {

// What a value of an option or positional is completed with.
enum class ValueKind {
    None,    // a flag
    Text,    // anything
    Choice,  // one of `choices` (CLI::IsMember)
    Node,    // a node name of the inventory
    Run,     // a run id of the cluster's journals
    File,    // a local file
    Dir,     // a local directory
};

struct OptionInfo {
    std::vector<std::string> names;  // "-i", "--inventory"; empty for a positional
    std::string positional;          // "RUN", "node"
    std::string description;
    std::string value_name;  // "FILE", "DURATION", "N"... (empty for a flag)
    ValueKind kind = ValueKind::None;
    std::vector<std::string> choices;
    std::string default_value;
    bool required = false;
    bool repeatable = false;  // a positional taking several values
};

struct CommandInfo {
    std::string name;  // "run"; the root is "ncbctl"
    std::string path;  // "backup run"; "" for the root
    std::string description;
    std::vector<OptionInfo> options;      // without the help flag
    std::vector<OptionInfo> positionals;  // in order
    std::vector<CommandInfo> subcommands;
    bool needs_subcommand = false;
};

CommandInfo describe_tree(const CLI::App& root);

}  // namespace ncbctl::cli
