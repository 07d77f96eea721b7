#pragma once
#include <optional>
#include <string>

#include "cli/context.hpp"

namespace ncbctl::cli {

// Parses argv, runs the chosen command, maps errors to the exit-code table. Never throws.
int run(int argc, char** argv);

// The explicit table of subcommands (commands.cpp). Only commands that really work are listed.
void register_commands(CLI::App& app, Context& ctx);

// For a command line CLI11 refused: "unknown command `X` for `ncbctl plan`; did you mean ...? (commands:
// ...)" when a word where a subcommand belongs names none; nullopt otherwise (CLI11's message stands).
std::optional<std::string> unknown_command_message(const CLI::App& app, int argc, const char* const* argv);

}  // namespace ncbctl::cli
