#pragma once
// Small constructors the workflow builders share (upgrade/start/stop, maintain, rollback).
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ncbctl/actions.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/plan.hpp"

namespace ncbctl::plan {

inline Duration ms(Seconds s) {
    return std::chrono::duration_cast<Duration>(s);
}

inline Step step(std::string id, std::string target, std::string_view action, Duration timeout, int attempts = 1,
                 Duration backoff = Duration{2000}) {
    Step s;
    s.id = std::move(id);
    s.target = std::move(target);
    s.action = std::string(action);
    s.timeout = timeout;
    s.retry = {attempts, backoff};
    return s;
}

inline UndoAction undo(std::string_view action, Params params = {}) {
    return UndoAction{std::string(action), std::move(params)};
}

inline Phase phase(std::string name, std::string title, bool parallel, OnFailure on_failure, ExitCode exit,
                   std::vector<std::string> needs = {}) {
    Phase p;
    p.name = std::move(name);
    p.title = std::move(title);
    p.parallel = parallel;
    p.on_failure = on_failure;
    p.failure_exit = exit;
    p.needs = std::move(needs);
    return p;
}

// preflight/cluster (docs/preflight.md): versions, shared secrets and storage, cluster-mode settings, the
// database, read from every node; `strict`: its warnings are errors. Reads only (the storage nonce file it
// writes is removed again).
inline Step cluster_preflight(const Inventory& inv, bool strict, const std::string& version = {}) {
    auto s = step("preflight/cluster", std::string(kClusterTarget), actions::kPreflightCluster,
                  ms(inv.timeouts.command) * 4);
    if (strict) s.params["strict"] = "1";
    if (!version.empty()) s.params["version"] = version;  // nodes already at it: an upgrade under way
    return s;
}

// Traffic back only to nodes that answer ready (the runner waits for each first).
inline Step gated(Step s) {
    s.params["require_ready"] = "true";
    return s;
}

// Phases "first" (`first` alone, until ready) and "rest" (the others in parallel, each ready), both
// stopping for a human on failure: how nodes boot on a database that one of them must bring up to date
// (first start installs, a rollback's first node runs the old version's start).
inline void add_first_then_rest(Plan& plan, const Inventory& inv, const Node& first, std::string first_title,
                                std::vector<std::string> needs) {
    auto one = phase("first", std::move(first_title), false, OnFailure::Stop, ExitCode::NeedsHuman, std::move(needs));
    one.steps.push_back(step("first/start/" + first.name, first.name, actions::kNodeStart, ms(inv.timeouts.start), 3));
    one.steps.push_back(step("first/ready/" + first.name, first.name, actions::kAppWaitReady, ms(inv.timeouts.ready)));
    plan.phases.push_back(std::move(one));

    auto rest =
        phase("rest", "start the other nodes, each ready", true, OnFailure::Stop, ExitCode::NeedsHuman, {"first"});
    for (const auto& n : inv.nodes) {
        if (n.name == first.name) continue;
        auto s = step("rest/start/" + n.name, n.name, actions::kNodeStart, ms(inv.timeouts.start), 3);
        auto r = step("rest/ready/" + n.name, n.name, actions::kAppWaitReady, ms(inv.timeouts.ready));
        r.after = {s.id};
        rest.steps.push_back(std::move(s));
        rest.steps.push_back(std::move(r));
    }
    plan.phases.push_back(std::move(rest));
}

// Phase "live": every node answers at the same version (`version` when given), then traffic back to
// every node that answers ready; a failure stops for a human.
inline Phase live_phase(const Inventory& inv, std::string title, std::vector<std::string> needs,
                        const std::string& version = "") {
    auto live = phase("live", std::move(title), false, OnFailure::Stop, ExitCode::NeedsHuman, std::move(needs));
    auto same =
        step("live/versions", std::string(kClusterTarget), actions::kVerifyVersions, ms(inv.timeouts.command), 3);
    if (!version.empty()) same.params["version"] = version;
    live.steps.push_back(std::move(same));
    live.steps.push_back(
        gated(step("live/traffic", std::string(kClusterTarget), actions::kTrafficLive, ms(inv.timeouts.command), 3)));
    return live;
}

}  // namespace ncbctl::plan
