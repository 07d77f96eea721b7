#pragma once
// The cluster lock for a command that changes the cluster outside a plan (backup jobs, migrate): the
// inventory's backend from the wiring, then run::acquire_cluster_lock, as every workflow takes it.
#include <expected>
#include <string>

#include "cli/context.hpp"
#include "ncbctl/exit_code.hpp"
#include "ncbctl/inventory.hpp"
#include "run/cluster_lock.hpp"

namespace ncbctl::cli {

struct LockRefused {
    ExitCode exit;        // run::lock_failure_exit: 4 held by another run, 2 inventory, 3 backend unreachable/refused
    std::string message;  // one line, naming the holder when held
};

std::expected<run::HeldLock, LockRefused> hold_cluster_lock(const Context& ctx, const Inventory& inv,
                                                            const std::string& command, Duration wait);

}  // namespace ncbctl::cli
