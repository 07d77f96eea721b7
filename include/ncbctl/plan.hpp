#pragma once
// A workflow as data: ordered phases of steps. Building a plan touches nothing; the executor (src/run/)
// runs it, the journal records it, `ncbctl plan` prints it. Plans are value types, copied freely.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ncbctl/deadline.hpp"
#include "ncbctl/exit_code.hpp"

namespace ncbctl {

using Params = std::map<std::string, std::string>;

struct RetryPolicy {
    int attempts = 1;        // total tries; only Error.transient failures are retried
    Duration backoff{1000};  // before the 2nd try; doubled each further try, capped by the step deadline
};

// What to run to take back a completed step. It receives the step's recorded details (e.g. the backup file).
struct UndoAction {
    std::string action;
    Params params;
};

struct Step {
    std::string id;      // stable across builds of the same plan: "stop/app2"; journal and resume key
    std::string target;  // node name, or "cluster"
    std::string action;  // "node.stop", "traffic.maintenance", "backup.database"... (ActionRunner dispatch)
    Params params;
    Duration timeout{300000};  // the whole step, every attempt and backoff included
    RetryPolicy retry;
    std::optional<UndoAction> undo;
    bool counts_out_of_service = false;  // holds one slot of the cluster-wide out-of-service budget
    std::vector<std::string> after;      // ids of steps of the same phase that must succeed first
};

// What the executor does when a step of this phase fails.
enum class OnFailure {
    Stop,  // stop there, undo nothing: exit with `failure_exit`
    Undo,  // undo every completed step of the run in reverse order, then exit `failure_exit`
           // (NeedsHuman when an undo fails)
};

struct Phase {
    std::string name;
    std::string title;  // one line for the runbook
    bool parallel = false;
    std::vector<Step> steps;
    OnFailure on_failure = OnFailure::Stop;
    ExitCode failure_exit = ExitCode::Failed;
    bool always = false;             // runs whatever the phase selection (preflight: it changes nothing)
    std::vector<std::string> needs;  // phases that must have succeeded before this one (safety rules)
};

struct Plan {
    std::string workflow;  // "upgrade", "start", "stop"
    std::map<std::string, std::string> args;
    std::string inventory_hash;
    std::string fingerprint;  // see plan_fingerprint()
    std::vector<Phase> phases;

    [[nodiscard]] const Phase* find_phase(std::string_view name) const;
    [[nodiscard]] const Step* find_step(std::string_view id) const;
    [[nodiscard]] std::size_t step_count() const;
};

inline constexpr std::string_view kClusterTarget = "cluster";

}  // namespace ncbctl
