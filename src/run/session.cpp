#include "run/session.hpp"

#include <algorithm>
#include <iostream>

#include "plan/workflows.hpp"
#include "run/cluster_lock.hpp"
#include "run/signals.hpp"
#include "util/quote.hpp"
#include "util/run_id.hpp"

namespace ncbctl::run {
namespace {

std::ostream& out_of(const SessionOptions& o) {
    return o.out != nullptr ? *o.out : std::cout;
}
std::ostream& err_of(const SessionOptions& o) {
    return o.err != nullptr ? *o.err : std::cerr;
}

ExitCode execute_session(const Plan& plan, ActionRunner& runner, LockBackend& lock_backend, const SessionOptions& opts,
                         const std::string& run_id, const RunRecord* previous) {
    const std::string command = plan::command_line(plan.workflow, plan.args);
    if (!util::is_run_id(run_id)) {  // it names the journal and the work directory
        err_of(opts) << "ncbctl: " << util::quote(run_id) << " is not a run id (" << util::kRunIdShape << ")\n";
        return ExitCode::Failed;
    }
    const std::string resume_cmd = opts.ncbctl_prefix + " resume " + run_id;
    auto lock = acquire_cluster_lock(lock_backend, run_id, previous ? "resume " + run_id : command, opts.lock_wait,
                                     opts.stale_after);
    if (!lock) {
        err_of(opts) << "ncbctl: " << lock.error().message << '\n';
        return lock_failure_exit(lock.error());
    }
    auto journal = Journal::open(journal_path(opts.state_dir, run_id));
    if (!journal) {
        err_of(opts) << "ncbctl: " << journal.error().message << '\n';
        return ExitCode::Failed;
    }
    SignalGuard signals;
    auto reporter = make_reporter(opts.reporter, out_of(opts), err_of(opts), opts.color);
    FanoutSink sink({journal->get(), reporter.get()});
    ExecOptions eo;
    eo.run_id = run_id;
    eo.command = command;
    eo.parallel = opts.parallel;
    eo.max_out_of_service = opts.max_out_of_service;
    eo.previous = previous;
    eo.resume_command = resume_cmd;
    eo.journal = journal->get();
    eo.lock_fresh = [held = lock->get()] { return held->fresh(); };
    RunOutcome outcome = execute(plan, runner, sink, eo);
    reporter.reset();  // the live view stops drawing before the summary
    if (opts.reporter == ReporterKind::Quiet)
        print_final_line(out_of(opts), command, run_id, outcome);
    else if (opts.reporter != ReporterKind::Json) {
        auto timeline = read_timeline((*journal)->path());  // the whole run, earlier sessions included
        print_summary(out_of(opts), command, run_id, outcome, timeline ? &*timeline : nullptr);
    }
    if (outcome.exit == ExitCode::Interrupted || outcome.exit == ExitCode::NeedsHuman)
        err_of(opts) << "ncbctl: continue with: " << resume_cmd << '\n';
    if (!(*journal)->ok()) err_of(opts) << "ncbctl: " << (*journal)->error() << '\n';
    return outcome.exit;
}

}  // namespace

ExitCode run_plan(const Plan& plan, ActionRunner& runner, LockBackend& lock, const SessionOptions& opts) {
    const std::string run_id = opts.run_id.empty() ? new_run_id() : opts.run_id;
    return execute_session(plan, runner, lock, opts, run_id, nullptr);
}

Result<RunRecord> find_resumable(const std::string& state_dir, const std::string& run_id,
                                 const std::string& inventory_hash, bool force) {
    RunRecord rec;
    if (!run_id.empty() && !util::is_run_id(run_id))
        return fail(ErrorCode::Usage, util::quote(run_id) + " is not a run id (" + std::string(util::kRunIdShape) +
                                          "; see `ncbctl runs list`)");
    if (!run_id.empty()) {
        auto r = read_journal(journal_path(state_dir, run_id));
        if (!r)
            return fail(ErrorCode::Usage,
                        "no run " + run_id + " in " + runs_dir(state_dir) + " (see `ncbctl runs list`)");
        rec = std::move(*r);
    } else {
        auto runs = list_runs(state_dir);
        auto it = std::find_if(runs.begin(), runs.end(), [](const RunRecord& r) { return r.resumable(); });
        if (it == runs.end()) return fail(ErrorCode::Usage, "no interrupted run to resume in " + runs_dir(state_dir));
        rec = std::move(*it);
    }
    if (!rec.plan) return fail(ErrorCode::Usage, "run " + rec.run_id + ": its journal records no plan; cannot resume");
    if (!rec.resumable())
        return fail(ErrorCode::Usage, "run " + rec.run_id + " cannot be resumed: it " +
                                          (rec.undos > 0 ? "was rolled back" : "finished (" + rec.result + ")"));
    if (rec.inventory_hash != inventory_hash && !force)
        return fail(ErrorCode::Usage, "the inventory changed since run " + rec.run_id + " started (sha256 " +
                                          rec.inventory_hash.substr(0, 12) + " then, " + inventory_hash.substr(0, 12) +
                                          " now); review the change, then resume with --force");
    return rec;
}

ExitCode resume_run(const RunRecord& record, ActionRunner& runner, LockBackend& lock, const SessionOptions& opts) {
    return execute_session(*record.plan, runner, lock, opts, record.run_id, &record);
}

std::set<std::string> satisfied_phases(const std::string& state_dir, const Plan& plan) {
    std::set<std::string> out;
    for (const auto& r : list_runs(state_dir)) {
        if (!r.plan || r.workflow != plan.workflow || r.inventory_hash != plan.inventory_hash || r.undos > 0) continue;
        bool same_args = true;
        for (const auto& [k, v] : plan.args)
            if (!k.ends_with("-phase") && (!r.plan->args.contains(k) || r.plan->args.at(k) != v)) same_args = false;
        if (!same_args) continue;
        out.insert(r.phases_ok.begin(), r.phases_ok.end());
    }
    return out;
}

}  // namespace ncbctl::run
