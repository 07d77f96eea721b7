#pragma once
// Flags shared by every command that runs a plan (upgrade, start, stop, resume...): --parallel,
// --lock-wait, --max-out-of-service, and how they turn into run::SessionOptions for an inventory.
#include <string>

#include "cli/context.hpp"
#include "run/session.hpp"

namespace ncbctl::cli {

struct RunFlags {
    int parallel = 4;
    std::string lock_wait = "0";
    int max_out_of_service = 0;
};

void add_run_flags(CLI::App& cmd, RunFlags& flags);
// --lock-wait: a duration, or zero in any unit ("0", "0s") for not waiting (fail at once, exit 4, when
// the lock is held). Usage error, one line, when malformed or negative.
Result<Duration> parse_lock_wait(const std::string& value);
// Usage error when --lock-wait is malformed.
Result<run::SessionOptions> session_options(const Context& ctx, const Inventory& inv, const RunFlags& flags);

}  // namespace ncbctl::cli
