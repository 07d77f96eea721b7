#pragma once
// One run from start to end: cluster lock (with heartbeat), journal, reporters, signal handlers, the
// executor, the summary and the exit code. Used by the workflow commands and by `resume`.
#include <iosfwd>
#include <set>
#include <string>

#include "ncbctl/action_runner.hpp"
#include "ncbctl/exit_code.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/lock.hpp"
#include "ncbctl/plan.hpp"
#include "run/journal.hpp"
#include "run/reporters.hpp"

namespace ncbctl::run {

struct SessionOptions {
    std::string state_dir;
    std::string ncbctl_prefix = "ncbctl";  // "ncbctl -i prod.yaml": for the printed resume command
    int parallel = 4;
    int max_out_of_service = 0;
    Duration lock_wait{0};
    Seconds stale_after{120};
    ReporterKind reporter = ReporterKind::Plain;
    bool color = false;
    std::ostream* out = nullptr;  // stdout when null
    std::ostream* err = nullptr;  // stderr when null
    std::string run_id;           // new_run_id() when empty
};

ExitCode run_plan(const Plan& plan, ActionRunner& runner, LockBackend& lock, const SessionOptions& opts);

// Finds the run to resume: `run_id`, or the newest resumable run. Usage error when there is none, when it
// cannot be resumed (finished, rolled back), or when the inventory changed since it started and !force.
Result<RunRecord> find_resumable(const std::string& state_dir, const std::string& run_id,
                                 const std::string& inventory_hash, bool force);
ExitCode resume_run(const RunRecord& record, ActionRunner& runner, LockBackend& lock, const SessionOptions& opts);

// Phases that succeeded in earlier runs of the same workflow, args and inventory (for phase selection).
std::set<std::string> satisfied_phases(const std::string& state_dir, const Plan& plan);

}  // namespace ncbctl::run
