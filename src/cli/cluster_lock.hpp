#pragma once
// The cluster lock for a command that changes the cluster outside a plan (backup jobs, migrate): the
// inventory's backend from the wiring, then run::acquire_cluster_lock, as every workflow takes it
// (src/run/session.cpp). The use cases get it as a workflow::TakeLock and call it with their command line.
#include <expected>
#include <string>

#include "cli/context.hpp"
#include "ncbctl/exit_code.hpp"
#include "ncbctl/inventory.hpp"
#include "run/cluster_lock.hpp"
#include "workflow/job_lock.hpp"

namespace ncbctl::cli {

using workflow::LockRefused;

std::expected<run::HeldLock, LockRefused> hold_cluster_lock(const Context& ctx, const Inventory& inv,
                                                            const std::string& command, Duration wait);

// hold_cluster_lock waiting `wait`, as a use case's lock port. `ctx` and `inv` must outlive it.
workflow::TakeLock job_lock(const Context& ctx, const Inventory& inv, Duration wait);
// The same waiting --lock-wait's `lock_wait` (30s, 5m): a malformed value refuses the lock with exit 2 when
// the use case asks for it.
workflow::TakeLock job_lock(const Context& ctx, const Inventory& inv, const std::string& lock_wait);

}  // namespace ncbctl::cli
