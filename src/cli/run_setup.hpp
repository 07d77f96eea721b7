#pragma once
// The two real ports a plan-running command needs before it runs or resumes a plan: the ActionRunner
// bound to the inventory (work dir of the run id) and the inventory's lock backend.
#include <expected>
#include <iostream>
#include <memory>
#include <string>

#include "ncbctl/action_runner.hpp"
#include "ncbctl/exit_code.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/lock.hpp"

namespace ncbctl::cli {

struct RunSetup {
    std::unique_ptr<ActionRunner> runner;
    std::unique_ptr<LockBackend> lock;
};

// On failure prints "ncbctl: <why>" to `err` and returns the exit code: Failed when the runner cannot be
// built, Usage when the lock backend cannot (an inventory problem).
std::expected<RunSetup, ExitCode> make_run_setup(const Inventory& inv, const std::string& state_dir,
                                                 const std::string& run_id, std::ostream& err = std::cerr);

}  // namespace ncbctl::cli
