#pragma once
#include "cli/context.hpp"

namespace ncbctl::cli {

// Parses argv, runs the chosen command, maps errors to the exit-code table. Never throws.
int run(int argc, char** argv);

// The explicit table of subcommands (commands.cpp). Only commands that really work are listed.
void register_commands(CLI::App& app, Context& ctx);

}  // namespace ncbctl::cli
