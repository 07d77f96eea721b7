#pragma once
// Loading the inventory as a command does: with SIGINT/SIGTERM taken for the load's duration (even when
// inherited as ignored, as for a background job of a script), so a Ctrl-C during a long load is not lost.
#include <expected>
#include <vector>

#include "cli/context.hpp"
#include "ncbctl/load_options.hpp"

namespace ncbctl::cli {

// Ctrl-C (or SIGTERM) while the inventory loads: nothing was started or locked yet, so run() unwinds
// to its top and exits 130 (ExitCode::Interrupted). Deliberately not a std::exception.
struct InterruptedWhileLoading {};

// load_inventory() on ctx.inventory_path(); throws InterruptedWhileLoading when a signal arrived during
// the load, whatever the load returned. Context::load() goes through it.
std::expected<Inventory, std::vector<Diagnostic>> read_inventory(const Context& ctx, const LoadOptions& opts);

}  // namespace ncbctl::cli
