// The engine: see executor.hpp for the contract. Workers pick ready steps under one mutex; events are
// emitted under the same mutex so the journal order is the order things happened in.
#include "run/executor.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "ncbctl/actions.hpp"
#include "ncbctl/cancel.hpp"

namespace ncbctl::run {
namespace {

using namespace std::chrono_literals;
constexpr auto kPoll = 50ms;  // signal handlers cannot notify a condition variable: poll the flags

std::int64_t ms_since(Clock::time_point t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

std::string result_name(ExitCode c) {
    switch (c) {
        case ExitCode::Ok:
            return "ok";
        case ExitCode::Preflight:
            return "preflight-failed";
        case ExitCode::RolledBack:
            return "rolled-back";
        case ExitCode::NeedsHuman:
            return "needs-human";
        case ExitCode::Interrupted:
            return "interrupted";
        default:
            return "failed";
    }
}

enum class Outcome { Ok, Failed, Interrupted };

struct StepRun {
    Outcome outcome = Outcome::Ok;
    StepResult result;
    std::optional<Error> error;
};

class Engine {
public:
    Engine(const Plan& plan, ActionRunner& runner, EventSink& sink, const ExecOptions& opts)
        : plan_(plan), runner_(runner), sink_(sink), opts_(opts) {}

    RunOutcome run();

private:
    // Forwards runner progress as step.progress events through the engine's ordered, redacting emitter.
    class ProgressSink : public EventSink {
    public:
        ProgressSink(Engine& e, const Step& s, const std::string& phase) : engine_(e), step_(s), phase_(phase) {}
        void on_event(const Event& in) override {
            Event e = in;
            e.kind = EventKind::StepProgress;
            e.phase = phase_;
            e.step = step_.id;
            e.target = step_.target;
            e.action = step_.action;
            engine_.emit(std::move(e));
        }

    private:
        Engine& engine_;
        const Step& step_;
        const std::string& phase_;
    };

    // Ordered under the lock; made durable outside it, so parallel steps share the journal's fsyncs.
    // Returns once the event is durable: a step runs only after its step.started is.
    void emit(Event e) {
        const bool journaled = e.kind != EventKind::StepProgress;
        {
            std::lock_guard lock(emit_mu_);
            emit_locked(std::move(e));
        }
        if (journaled) sink_.sync();
    }
    void emit_locked(Event e) {
        e.ts_ms = unix_ms_now();
        e.run_id = opts_.run_id;
        e.message = redact(e.message);
        for (auto& [k, v] : e.details) v = redact(v);
        if (e.error) e.error->message = redact(e.error->message);
        sink_.on_event(e);
    }
    Event step_event(EventKind k, const Phase& p, const Step& s) const {
        Event e;
        e.kind = k;
        e.phase = p.name;
        e.step = s.id;
        e.target = s.target;
        e.action = s.action;
        return e;
    }
    bool journal_broken() const { return opts_.journal != nullptr && !opts_.journal->ok(); }
    // The cluster lock was not renewed for stale_after/2: no step starts (running ones finish), the run
    // ends interrupted and resumable. Sticky: a renewal after the lapse does not restart the run.
    bool lock_lapsed() {
        if (lock_lapsed_) return true;
        if (!opts_.lock_fresh || opts_.lock_fresh()) return false;
        lock_lapsed_ = true;
        return true;
    }

    StepRun run_step(const Phase& p, const Step& s);
    Outcome run_phase(const Phase& p, PhaseSummary& summary);
    std::optional<std::string> unchanged_by_forecast(const Phase& p) const;
    void worker(const Phase& p);
    bool rollback(RunOutcome& out);
    void finish(RunOutcome& out, ExitCode code, const std::string& state);
    [[nodiscard]] std::string interrupted_state(const std::string& where) const {
        if (lock_lapsed_)
            return "stopped " + where + ": the cluster lock could not be renewed; once its backend answers, " +
                   "continue with: " + opts_.resume_command;
        return "interrupted " + where + "; continue with: " + opts_.resume_command;
    }

    const Plan& plan_;
    ActionRunner& runner_;
    EventSink& sink_;
    const ExecOptions& opts_;
    std::mutex emit_mu_;  // event order; never held while a runner runs

    // Phase state, guarded by mu_.
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<char> dispatched_;
    std::size_t running_ = 0;
    bool phase_failed_ = false;
    bool phase_interrupted_ = false;
    int out_of_service_ = 0;
    std::atomic<bool> lock_lapsed_{false};

    std::map<std::string, StepResult> done_;  // step id -> result (this session and earlier ones)
    std::set<std::string> undone_before_;
    std::vector<std::string> failures_;
};

StepRun Engine::run_step(const Phase& p, const Step& s) {
    const Deadline deadline = Deadline::after(s.timeout);
    ProgressSink progress(*this, s, p.name);
    Duration backoff = s.retry.backoff;
    const int attempts = std::max(1, s.retry.attempts);
    for (int attempt = 1;; ++attempt) {
        auto r = runner_.run(s, deadline, progress);
        if (r) return {Outcome::Ok, std::move(*r), std::nullopt};
        Error err = r.error();
        // A step cut short by Ctrl-C did not fail: resume re-runs it.
        if (err.code == ErrorCode::Cancelled || abort_requested()) return {Outcome::Interrupted, {}, err};
        if (!err.transient || attempt >= attempts || deadline.expired()) return {Outcome::Failed, {}, err};
        if (lock_lapsed() || stop_requested()) return {Outcome::Interrupted, {}, err};
        const Duration wait = std::min(backoff, deadline.remaining());
        Event e = step_event(EventKind::StepRetry, p, s);
        e.attempt = attempt;
        e.error = err;
        e.duration_ms = wait.count();
        emit(std::move(e));
        for (auto until = Clock::now() + wait; Clock::now() < until;) {
            if (lock_lapsed() || stop_requested()) return {Outcome::Interrupted, {}, err};
            std::this_thread::sleep_for(std::min<Clock::duration>(kPoll, until - Clock::now()));
        }
        backoff *= 2;
        Event again = step_event(EventKind::StepStarted, p, s);
        again.attempt = attempt + 1;
        emit(std::move(again));
    }
}

void Engine::worker(const Phase& p) {
    std::unique_lock lock(mu_);
    for (;;) {
        if (phase_failed_ || phase_interrupted_) return;
        std::optional<std::size_t> next;
        bool pending = false;
        for (std::size_t i = 0; i < p.steps.size(); ++i) {
            if (dispatched_[i] != 0) continue;
            pending = true;
            const Step& s = p.steps[i];
            bool deps_done =
                std::all_of(s.after.begin(), s.after.end(), [&](const auto& id) { return done_.contains(id); });
            if (!deps_done) continue;
            if (s.counts_out_of_service && opts_.max_out_of_service > 0 && out_of_service_ >= opts_.max_out_of_service)
                continue;
            next = i;
            break;
        }
        if (!pending) return;
        if (lock_lapsed() || stop_requested() || journal_broken()) {
            phase_interrupted_ = true;
            return;
        }
        if (!next) {
            if (running_ == 0) {  // nothing runs and nothing can start: an `after` names a missing step
                failures_.push_back(p.name + ": steps wait for steps that are not in this phase (a plan bug)");
                phase_failed_ = true;
                return;
            }
            cv_.wait_for(lock, kPoll);
            continue;
        }
        const Step& s = p.steps[*next];
        dispatched_[*next] = 1;
        ++running_;
        if (s.counts_out_of_service) ++out_of_service_;
        {
            Event e = step_event(EventKind::StepStarted, p, s);
            e.attempt = 1;
            e.details = s.params;
            emit(std::move(e));
        }
        lock.unlock();
        const auto t0 = Clock::now();
        StepRun r;
        try {
            r = run_step(p, s);
        } catch (const std::exception& ex) {  // a bug in a runner: fail the step, keep the journal whole
            r = {Outcome::Failed, {}, Error{ErrorCode::Internal, s.id + ": internal error (a bug): " + ex.what()}};
        }
        Event fin = step_event(EventKind::StepFinished, p, s);
        fin.duration_ms = ms_since(t0);
        fin.result = r.outcome == Outcome::Ok ? "ok" : r.outcome == Outcome::Failed ? "failed" : "interrupted";
        fin.details = r.result.details;
        for (const auto& k : r.result.secret_keys)
            if (auto it = fin.details.find(k); it != fin.details.end()) it->second = kRedacted;
        fin.error = r.error;
        emit(std::move(fin));
        lock.lock();
        --running_;
        if (s.counts_out_of_service) --out_of_service_;
        if (r.outcome == Outcome::Ok) {
            done_[s.id] = std::move(r.result);
        } else if (r.outcome == Outcome::Failed) {
            phase_failed_ = true;
            failures_.push_back(s.id + ": " + redact(r.error ? r.error->message : "failed") +
                                (r.error ? " (" + std::string(to_string(r.error->code)) + ")" : ""));
        } else {
            phase_interrupted_ = true;
        }
        cv_.notify_all();
    }
}

Outcome Engine::run_phase(const Phase& p, PhaseSummary& summary) {
    {
        std::lock_guard lock(mu_);
        dispatched_.assign(p.steps.size(), 0);
        for (std::size_t i = 0; i < p.steps.size(); ++i)
            if (done_.contains(p.steps[i].id)) dispatched_[i] = 1;  // finished in an earlier session
        phase_failed_ = false;
        phase_interrupted_ = false;
        running_ = 0;
    }
    Event start;
    start.kind = EventKind::PhaseStarted;
    start.phase = p.name;
    emit(std::move(start));
    const auto t0 = Clock::now();
    const std::size_t slots =
        p.parallel ? std::min<std::size_t>(static_cast<std::size_t>(std::max(1, opts_.parallel)), p.steps.size()) : 1;
    if (slots <= 1) {
        worker(p);
    } else {
        std::vector<std::jthread> workers;
        workers.reserve(slots);
        for (std::size_t i = 0; i < slots; ++i) workers.emplace_back([this, &p] { worker(p); });
    }
    const Outcome o = phase_failed_ ? Outcome::Failed : phase_interrupted_ ? Outcome::Interrupted : Outcome::Ok;
    summary.duration_ms = ms_since(t0);
    summary.result = o == Outcome::Ok ? "ok" : o == Outcome::Failed ? "failed" : "interrupted";
    Event fin;
    fin.kind = EventKind::PhaseFinished;
    fin.phase = p.name;
    fin.result = summary.result;
    fin.duration_ms = summary.duration_ms;
    emit(std::move(fin));
    return o;
}

// Why the run has nothing to do, when phase `p` holds forecast steps and every one of them reported so.
std::optional<std::string> Engine::unchanged_by_forecast(const Phase& p) const {
    std::string why;
    bool any = false;
    for (const auto& s : p.steps) {
        if (!s.params.contains(std::string(actions::kForecast))) continue;
        any = true;
        auto done = done_.find(s.id);
        if (done == done_.end()) return std::nullopt;
        auto u = done->second.details.find(std::string(actions::kUnchanged));
        if (u == done->second.details.end()) return std::nullopt;
        why += (why.empty() ? "" : "; ") + u->second;
    }
    if (!any) return std::nullopt;
    return why;
}

bool Engine::rollback(RunOutcome& out) {
    bool ok = true;
    for (auto pit = plan_.phases.rbegin(); pit != plan_.phases.rend(); ++pit) {
        for (auto sit = pit->steps.rbegin(); sit != pit->steps.rend(); ++sit) {
            const Step& s = *sit;
            auto it = done_.find(s.id);
            if (it == done_.end() || !s.undo || undone_before_.contains(s.id)) continue;
            if (abort_requested()) {
                out.undo_failures.push_back(s.id + ": not undone (aborted by a second interrupt)");
                ok = false;
                continue;
            }
            Event e = step_event(EventKind::UndoStarted, *pit, s);
            e.action = s.undo->action;
            emit(std::move(e));
            const auto t0 = Clock::now();
            Step undo_step = s;
            for (const auto& [k, v] : s.undo->params) undo_step.params[k] = v;
            const Deadline deadline = Deadline::after(s.timeout);
            ProgressSink progress(*this, s, pit->name);
            Status st;
            Duration backoff = s.retry.backoff;
            for (int attempt = 1;; ++attempt) {
                st = runner_.undo(undo_step, it->second, deadline, progress);
                if (st || !st.error().transient || attempt >= std::max(1, s.retry.attempts) || deadline.expired() ||
                    abort_requested())
                    break;
                std::this_thread::sleep_for(std::min(backoff, deadline.remaining()));
                backoff *= 2;
            }
            Event fin = step_event(EventKind::UndoFinished, *pit, s);
            fin.action = s.undo->action;
            fin.duration_ms = ms_since(t0);
            fin.result = st ? "ok" : "failed";
            if (!st) fin.error = st.error();
            emit(std::move(fin));
            if (st) {
                out.undone.push_back(s.id);
            } else {
                ok = false;
                out.undo_failures.push_back(s.id + " (" + s.undo->action + "): " + redact(st.error().message));
            }
        }
    }
    return ok;
}

void Engine::finish(RunOutcome& out, ExitCode code, const std::string& state) {
    out.exit = code;
    out.result = result_name(code);
    out.failures = failures_;
    out.cluster_state = state;
    Event e;
    if (code == ExitCode::Interrupted) {
        e.kind = EventKind::RunInterrupted;
        e.message = state;
    } else {
        e.kind = EventKind::RunFinished;
        e.result = out.result;
        e.message = state;
    }
    e.exit_code = to_int(code);
    if (e.kind == EventKind::RunFinished) e.details["changed"] = out.changed ? "true" : "false";
    emit(std::move(e));
}

RunOutcome Engine::run() {
    RunOutcome out;
    const auto t0 = Clock::now();
    std::set<std::string> phases_done;
    if (opts_.previous != nullptr) {
        for (const auto& [id, rec] : opts_.previous->steps) {
            if (rec.state == StepState::Ok) done_[id] = StepResult{rec.details, {}};
            if (rec.state == StepState::Undone) undone_before_.insert(id);
        }
        phases_done.insert(opts_.previous->phases_ok.begin(), opts_.previous->phases_ok.end());
    }
    {
        Event e;
        e.kind = opts_.previous != nullptr ? EventKind::RunResumed : EventKind::RunStarted;
        e.message = opts_.command;
        e.details = {{"ncbctl_version", NCBCTL_VERSION},
                     {"workflow", plan_.workflow},
                     {"fingerprint", plan_.fingerprint},
                     {"inventory_hash", plan_.inventory_hash}};
        e.plan = &plan_;
        emit(std::move(e));
    }

    for (const auto& p : plan_.phases) {
        PhaseSummary sum;
        sum.name = p.name;
        sum.steps = p.steps.size();
        for (const auto& s : p.steps)
            if (std::find(sum.targets.begin(), sum.targets.end(), s.target) == sum.targets.end())
                sum.targets.push_back(s.target);
        out.phases.push_back(sum);
    }
    for (std::size_t i = 0; i < plan_.phases.size(); ++i) {
        const Phase& p = plan_.phases[i];
        PhaseSummary& sum = out.phases[i];
        const bool all_done =
            std::all_of(p.steps.begin(), p.steps.end(), [&](const Step& s) { return done_.contains(s.id); });
        if (all_done && phases_done.contains(p.name)) {
            sum.result = "done-earlier";
            continue;
        }
        if (journal_broken()) {
            for (std::size_t j = i; j < plan_.phases.size(); ++j) out.phases[j].result = "not-run";
            out.duration_ms = ms_since(t0);
            finish(out, ExitCode::Failed, opts_.journal->error() + "; stopped before phase " + p.name);
            return out;
        }
        if (lock_lapsed() || stop_requested()) {
            for (std::size_t j = i; j < plan_.phases.size(); ++j) out.phases[j].result = "not-run";
            out.duration_ms = ms_since(t0);
            finish(out, ExitCode::Interrupted, interrupted_state("before phase " + p.name));
            return out;
        }
        const Outcome o = run_phase(p, sum);
        if (o == Outcome::Ok) {
            if (auto why = unchanged_by_forecast(p)) {
                for (std::size_t j = i + 1; j < plan_.phases.size(); ++j) out.phases[j].result = "skipped";
                out.duration_ms = ms_since(t0);
                out.changed = false;
                finish(out, ExitCode::Ok, "nothing to do, nothing changed: " + *why + " (--force runs it anyway)");
                return out;
            }
            continue;
        }
        for (std::size_t j = i + 1; j < plan_.phases.size(); ++j) out.phases[j].result = "not-run";
        out.duration_ms = ms_since(t0);
        if (o == Outcome::Interrupted && journal_broken()) {
            finish(out, ExitCode::Failed, opts_.journal->error() + "; stopped in phase " + p.name);
            return out;
        }
        if (o == Outcome::Interrupted) {
            finish(out, ExitCode::Interrupted, interrupted_state("in phase " + p.name));
            return out;
        }
        if (p.on_failure == OnFailure::Stop) {
            finish(out, p.failure_exit,
                   p.failure_exit == ExitCode::Preflight
                       ? "preflight failed in phase " + p.name + "; nothing was changed"
                       : "stopped at phase " + p.name + "; steps done so far are left as they are" +
                             (p.failure_exit == ExitCode::NeedsHuman
                                  ? "; fix the cause, then continue with: " + opts_.resume_command
                                  : std::string()));
            return out;
        }
        const bool undone = rollback(out);
        out.duration_ms = ms_since(t0);
        if (undone)
            finish(out, p.failure_exit,
                   "phase " + p.name + " failed; every completed step was undone (" +
                       std::to_string(out.undone.size()) + " undo actions)");
        else
            finish(out, ExitCode::NeedsHuman,
                   "phase " + p.name + " failed and " + std::to_string(out.undo_failures.size()) +
                       " undo action(s) failed: a human is needed");
        return out;
    }
    out.duration_ms = ms_since(t0);
    finish(out, ExitCode::Ok, "every phase succeeded");
    return out;
}

}  // namespace

RunOutcome execute(const Plan& plan, ActionRunner& runner, EventSink& sink, const ExecOptions& opts) {
    Engine engine(plan, runner, sink, opts);
    return engine.run();
}

}  // namespace ncbctl::run
