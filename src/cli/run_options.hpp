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
// The check of a RUN argument (runs show, resume, rollback), as a CLI11 validator function: "" when the value
// has the shape of a run id (util/run_id.hpp), else the message; so an id like `../../x` is a usage error
// (exit 2) before any path is made of it. Use: ->check(CLI::Validator(run_id_problem, "RUN")).
std::string run_id_problem(const std::string& value);
// --lock-wait: a duration, or zero in any unit ("0", "0s") for not waiting (fail at once, exit 4, when
// the lock is held). Usage error, one line, when malformed or negative.
Result<Duration> parse_lock_wait(const std::string& value);
// Usage error when --lock-wait is malformed.
Result<run::SessionOptions> session_options(const Context& ctx, const Inventory& inv, const RunFlags& flags);

}  // namespace ncbctl::cli
