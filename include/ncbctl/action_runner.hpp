#pragma once
// The port the executor dispatches every step to. The real runner (node drivers, traffic switch, NocoBase
// client) is built by make_action_runner() (src/run/action_runner_factory.hpp); tests use recording fakes.
// Failure semantics: an Error fails the step; the executor retries it only when `transient` is set and
// attempts remain. Every action must be idempotent ("already stopped" is success): resume re-runs the step
// that was in flight when a run died. Runners must honour the Deadline and abort_requested().
#include <set>
#include <string>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "ncbctl/events.hpp"
#include "ncbctl/plan.hpp"

namespace ncbctl {

struct StepResult {
    Params details;                     // recorded in the journal, handed back to undo
    std::set<std::string> secret_keys;  // keys of `details` whose value is never written anywhere
};

class ActionRunner {
public:
    virtual ~ActionRunner() = default;
    ActionRunner() = default;
    ActionRunner(const ActionRunner&) = delete;
    ActionRunner& operator=(const ActionRunner&) = delete;

    // Called from worker threads, several at once for a parallel phase. `events` takes progress messages.
    virtual Result<StepResult> run(const Step& step, const Deadline& deadline, EventSink& events) = 0;
    // Takes back `step`, which completed with `done` (details as recorded, possibly by an earlier process).
    virtual Status undo(const Step& step, const StepResult& done, const Deadline& deadline, EventSink& events) = 0;
};

}  // namespace ncbctl
