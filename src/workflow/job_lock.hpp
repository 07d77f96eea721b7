#pragma once
// The cluster lock as a job outside a plan takes it (backup jobs, migrate): a function the command builds
// from the inventory's backend (src/cli/cluster_lock.hpp: run::acquire_cluster_lock, as every workflow takes
// it) and the use case calls with its command line once it knows it. The lock is held until the returned
// HeldLock goes out of scope.
#include <expected>
#include <functional>
#include <string>

#include "ncbctl/exit_code.hpp"
#include "run/cluster_lock.hpp"

namespace ncbctl::workflow {

struct LockRefused {
    ExitCode exit;        // run::lock_failure_exit: 4 held by another run, 2 inventory, 3 backend unreachable/refused
    std::string message;  // one line, naming the holder when held
};

using TakeLock = std::function<std::expected<run::HeldLock, LockRefused>(const std::string& command)>;

}  // namespace ncbctl::workflow
