#pragma once
// Runs a Plan: phases in order; inside a phase, ready steps (their `after` steps done) on up to `parallel`
// workers; one deadline per step covering every attempt; retries with doubling backoff for transient errors
// only; a cluster-wide budget of steps that take a node out of service; cancellation (1st interrupt: start
// nothing new, let running steps finish; 2nd: runners abort); on failure the phase's policy (stop, or undo the
// completed steps in reverse plan order). Every transition goes to `sink` (journal + reporters), in order.
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ncbctl/action_runner.hpp"
#include "ncbctl/events.hpp"
#include "ncbctl/exit_code.hpp"
#include "ncbctl/plan.hpp"
#include "run/journal.hpp"

namespace ncbctl::run {

struct ExecOptions {
    std::string run_id;
    std::string command;  // "upgrade --to 2.2.16" for run.started
    int parallel = 4;
    int max_out_of_service = 0;  // 0: no limit
    // Resume: the journal read back. Ok steps are skipped (their details kept for undo), the rest re-run.
    const RunRecord* previous = nullptr;
    std::string resume_command;        // printed and journaled when interrupted: "ncbctl resume RUN"
    const Journal* journal = nullptr;  // when set, a journal write failure stops the run
    // When set and false, no step starts (as after a first interrupt) and the run ends interrupted: the
    // cluster lock was not renewed recently enough (ClusterLock::fresh).
    std::function<bool()> lock_fresh;
};

struct PhaseSummary {
    std::string name;
    std::string result;  // ok | failed | interrupted | done-earlier | not-run
    std::int64_t duration_ms = 0;
    std::size_t steps = 0;
    std::vector<std::string> targets;  // distinct, plan order
};

struct RunOutcome {
    ExitCode exit = ExitCode::Ok;
    std::string result;  // ok | failed | preflight-failed | rolled-back | needs-human | interrupted
    std::vector<PhaseSummary> phases;
    std::vector<std::string> failures;  // "stop/app2: node app2: ... (timeout)"
    std::vector<std::string> undone;    // step ids undone, in undo order
    std::vector<std::string> undo_failures;
    std::string cluster_state;  // one line: what state the cluster was left in
    // False when the run ended after its forecast said every target state already holds (actions.hpp
    // kForecast), so nothing was changed: like Ansible's changed=0.
    bool changed = true;
    std::int64_t duration_ms = 0;
};

RunOutcome execute(const Plan& plan, ActionRunner& runner, EventSink& sink, const ExecOptions& opts);

}  // namespace ncbctl::run
