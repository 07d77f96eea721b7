#pragma once
// Recording fakes of the engine's ports for tests: an ActionRunner whose behaviour per step id is scripted
// and which records every call (with concurrency), an EventSink that keeps every event, a small inventory.
#include <algorithm>
#include <atomic>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <cstdlib>

#include "ncbctl/action_runner.hpp"
#include "ncbctl/cancel.hpp"
#include "ncbctl/inventory.hpp"

namespace ncbctl::testing {

struct Call {
    std::string kind;  // run | undo
    std::string step;
    std::string action;
    Params params;
    Params done_details;     // undo: what it received
    Duration deadline_left;  // remaining at the call
};

class RecordingRunner : public ActionRunner {
public:
    // Scripts (set before the run).
    std::map<std::string, std::deque<Error>> errors;  // returned on successive calls of a step, then success
    std::map<std::string, Duration> sleeps;           // a step sleeps this long (honouring deadline and abort)
    std::map<std::string, Params> details;            // returned details
    std::map<std::string, std::set<std::string>> secret_keys;
    std::map<std::string, Error> undo_errors;
    std::map<std::string, std::function<void()>> on_run;  // side effect at the start of a step
    Duration default_sleep{0};

    Result<StepResult> run(const Step& step, const Deadline& deadline, EventSink& events) override {
        enter(step.counts_out_of_service);
        {
            std::lock_guard lock(mu_);
            calls.push_back({"run", step.id, step.action, step.params, {}, deadline.remaining()});
        }
        if (auto it = on_run.find(step.id); it != on_run.end()) it->second();
        Event progress;
        progress.message = "working on " + step.id;
        events.on_event(progress);
        auto slept = sleep(step.id, deadline);
        leave(step.counts_out_of_service);
        if (!slept) return fail(slept.error());
        std::lock_guard lock(mu_);
        if (auto it = errors.find(step.id); it != errors.end() && !it->second.empty()) {
            Error e = it->second.front();
            it->second.pop_front();
            return fail(e);
        }
        StepResult r;
        if (auto it = details.find(step.id); it != details.end()) r.details = it->second;
        if (auto it = secret_keys.find(step.id); it != secret_keys.end()) r.secret_keys = it->second;
        return r;
    }

    Status undo(const Step& step, const StepResult& done, const Deadline& deadline, EventSink&) override {
        std::lock_guard lock(mu_);
        calls.push_back(
            {"undo", step.id, step.undo ? step.undo->action : "", step.params, done.details, deadline.remaining()});
        if (auto it = undo_errors.find(step.id); it != undo_errors.end()) return fail(it->second);
        return {};
    }

    std::vector<std::string> ids(const std::string& kind) const {
        std::lock_guard lock(mu_);
        std::vector<std::string> out;
        for (const auto& c : calls)
            if (c.kind == kind) out.push_back(c.step);
        return out;
    }
    int count(const std::string& step) const {
        std::lock_guard lock(mu_);
        return static_cast<int>(std::count_if(calls.begin(), calls.end(),
                                              [&](const Call& c) { return c.kind == "run" && c.step == step; }));
    }

    std::vector<Call> calls;
    std::atomic<int> running{0}, max_running{0}, oos_running{0}, max_oos_running{0};

private:
    void enter(bool oos) {
        int now = ++running;
        int prev = max_running.load();
        while (now > prev && !max_running.compare_exchange_weak(prev, now)) {}
        if (oos) {
            int o = ++oos_running;
            int p = max_oos_running.load();
            while (o > p && !max_oos_running.compare_exchange_weak(p, o)) {}
        }
    }
    void leave(bool oos) {
        --running;
        if (oos) --oos_running;
    }
    Status sleep(const std::string& id, const Deadline& deadline) {
        Duration d = default_sleep;
        {
            std::lock_guard lock(mu_);
            if (auto it = sleeps.find(id); it != sleeps.end()) d = it->second;
        }
        const auto until = Clock::now() + d;
        while (Clock::now() < until) {
            if (abort_requested()) return fail(ErrorCode::Cancelled, id + ": aborted");
            if (deadline.expired()) return fail(ErrorCode::Timeout, id + ": timed out", true);
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return {};
    }
    mutable std::mutex mu_;
};

class RecordingSink : public EventSink {
public:
    void on_event(const Event& e) override {
        std::lock_guard lock(mu);
        events.push_back(e);
    }
    std::vector<Event> of(EventKind k) const {
        std::lock_guard lock(mu);
        std::vector<Event> out;
        for (const auto& e : events)
            if (e.kind == k) out.push_back(e);
        return out;
    }
    mutable std::mutex mu;
    std::vector<Event> events;
};

// A fresh directory under /tmp, removed with everything in it.
struct TempDir {
    std::string path;
    // `base`: /dev/shm for tests whose thousands of fsyncs would only measure the disk.
    explicit TempDir(const std::string& base = "/tmp") {
        std::string tmpl = (std::filesystem::is_directory(base) ? base : "/tmp") + "/ncbctl-engine-XXXXXX";
        path = ::mkdtemp(tmpl.data());
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

inline std::vector<std::string> phase_names(const Plan& p) {
    std::vector<std::string> out;
    for (const auto& ph : p.phases) out.push_back(ph.name);
    return out;
}

inline Inventory make_inventory(int nodes, const std::string& hash = "hash-a") {
    Inventory inv;
    inv.source_path = "test.yaml";
    inv.cluster = "test";
    inv.content_hash = hash;
    for (int i = 1; i <= nodes; ++i) {
        Node n;
        n.name = "app" + std::to_string(i);
        n.url = "http://127.0.0.1:" + std::to_string(13000 + i);
        inv.nodes.push_back(n);
    }
    inv.canary = "app1";
    return inv;
}

}  // namespace ncbctl::testing
