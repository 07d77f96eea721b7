// The traffic.* family: the load balancer's switch, each change verified through the LB as a client sees
// it, and the start and end of the 503 window.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "ncbctl/actions.hpp"
#include "ncbctl/cancel.hpp"
#include "util/redact.hpp"
#include "workflow/cluster_runner.hpp"
#include "workflow/progress.hpp"
#include "workflow/state_files.hpp"

namespace ncbctl::workflow {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const ClusterRunner::Handlers& ClusterRunner::traffic_handlers() {
    static const Handlers table = {
        {actions::kTrafficStatus, &ClusterRunner::traffic_status},
        {actions::kTrafficMaintenance, &ClusterRunner::traffic},
        {actions::kTrafficLive, &ClusterRunner::traffic},
        {actions::kTrafficPin, &ClusterRunner::traffic},
        {actions::kTrafficServe, &ClusterRunner::traffic},
    };
    return table;
}

Result<StepResult> ClusterRunner::traffic_status(const std::string&, const Call& c) {
    auto t = traffic_switch();
    if (!t) return fail(t.error());
    std::lock_guard lock(traffic_mu_);
    const Deadline& deadline = c.deadline;
    StepResult out;
    auto st = (*t)->status(deadline);
    if (!st) return fail(st.error());
    out.details = {{"mode", std::string(to_string(st->mode))}, {"detail", st->detail}};
    // Every switch is verified through this URL later: one that does not answer fails now, unchanged.
    if (ports_.lb_get && !inv_.lb_url.empty()) {
        auto r = ports_.lb_get("/api/__health_check", deadline.capped(5s));
        // An LB the switch itself sets up (nginx cannot load its configuration before the include
        // exists) is not asked to answer first: the switch's own verification follows.
        if (!r && st->first_switch && param(c.step.params, "first_switch") == "true") {
            progress(c.events, "load balancer not set up yet (" + st->detail + "); " + util::redact_url(inv_.lb_url) +
                                   " does not answer (" + r.error().message +
                                   "): the switch sets it up and verifies it");
            return out;
        }
        if (!r)
            return fail(ErrorCode::Unreachable,
                        "load balancer " + util::redact_url(inv_.lb_url) +
                            " (api.lb_url) does not answer: " + r.error().message,
                        true);
        out.details["lb_status"] = std::to_string(r->first);
    }
    return out;
}

// maintenance, live, pin, serve: one switch, then verified through the LB.
Result<StepResult> ClusterRunner::traffic(const std::string& action, const Call& c) {
    const Step& step = c.step;
    const Deadline& deadline = c.deadline;
    EventSink& events = c.events;
    auto t = traffic_switch();
    if (!t) return fail(t.error());
    std::lock_guard lock(traffic_mu_);
    TrafficSwitch& sw = **t;
    StepResult out;
    // Workflows ask that traffic goes only to nodes that answer ready (require_ready): a node still booting
    // would fail requests (HAProxy takes a server leaving maintenance as up until its checks say otherwise;
    // nginx has no checks). `ncbctl traffic live` by hand switches as told.
    const bool require_ready = param(step.params, "require_ready") == "true";
    auto answers_ready = [&](const Node& n) {
        auto app = ports_.node_app(n);
        return app && (*app)->check(deadline).phase == AppPhase::Ready;
    };
    auto gate = [&](const Node& n) -> Status {
        // One answer is enough for a node that is already up (fan-out waited for it); only a node that is
        // not gets the full wait with its consecutive-ready rule.
        if (answers_ready(n)) return {};
        auto ready = wait_ready(n, "", step, deadline, events);
        if (!ready)
            return fail(ErrorCode::Verification,
                        ready.error().message + "; traffic stays on the maintenance page until it is ready",
                        ready.error().transient);
        return {};
    };
    if ((action == actions::kTrafficLive || action == actions::kTrafficPin) && require_ready) {
        for (const auto& n : inv_.nodes) {
            if (action == actions::kTrafficPin && n.name != param(step.params, "node")) continue;
            if (auto ok = gate(n); !ok) return fail(ok.error());
        }
    }
    // traffic.serve: `nodes` receive traffic. With `cumulative` (the --early-traffic joins, which run in
    // parallel) the nodes joined earlier in this run keep it: the run's work dir records every join, and
    // traffic_mu_ makes each read-serve-record whole, so two joins never drop each other's node. The record is
    // written before the switch, so a crash in between only makes the resumed join serve one node more.
    // Nodes joined earlier are re-checked with one readiness answer and left out when they do not answer.
    std::vector<std::string> serve_nodes;
    const std::string joined_file = state_file("traffic-joined");
    if (action == actions::kTrafficServe) {
        const std::set<std::string> asked = split(param(step.params, "nodes"));
        for (const auto& n : asked)
            if (inv_.find_node(n) == nullptr)
                return fail(ErrorCode::Internal, "step " + step.id + ": no node " + n + " to send traffic to");
        std::set<std::string> joined = asked;
        const bool cumulative = param(step.params, "cumulative") == "true";
        if (cumulative) joined.merge(split(read_small_file(joined_file)));
        for (const auto& n : inv_.nodes) {
            if (!joined.contains(n.name)) continue;
            if (require_ready && asked.contains(n.name)) {
                if (auto ok = gate(n); !ok) return fail(ok.error());
            } else if (require_ready && !answers_ready(n)) {
                progress(events, "node " + n.name + " does not answer ready: left out of the load balancer");
                continue;
            }
            serve_nodes.push_back(n.name);
        }
        if (cumulative)
            if (auto w = write_small_file(joined_file, join(joined)); !w) return fail(w.error());
    }
    Status changed;
    long want_status = 0;
    if (action == actions::kTrafficMaintenance) {
        changed = sw.maintenance(deadline);
        want_status = 503;
    } else if (action == actions::kTrafficLive) {
        changed = sw.live(deadline);
        want_status = 200;
    } else if (action == actions::kTrafficPin) {
        changed = sw.pin(param(step.params, "node"), deadline);
        want_status = 200;
    } else if (action == actions::kTrafficServe) {
        changed = sw.serve(serve_nodes, deadline);
        want_status = 200;
        if (!changed && changed.error().code == ErrorCode::Unsupported && param(step.params, "cumulative") == "true") {
            // A driver that cannot serve a set (traffic.command without `serve`): the traffic stays as it
            // is and the node joins with the live phase, as without --early-traffic joins.
            progress(events, changed.error().message + ": " + join(split(param(step.params, "nodes"))) +
                                 " joins when the fan-out is done");
            out.details = {{"serving", "unchanged"}};
            return out;
        }
        if (changed) {
            std::string listing;
            for (const auto& n : serve_nodes) listing += (listing.empty() ? "" : ",") + n;
            out.details["serving"] = listing;
            progress(events, "traffic to " + listing);
        }
    } else {
        return fail(ErrorCode::Internal, "step " + step.id + ": unknown traffic action " + action);
    }
    if (!changed) return fail(changed.error());
    // Verified through the LB itself, as a client sees it (the switch already read its own state back).
    if (ports_.lb_get && !inv_.lb_url.empty()) {
        long last = 0;
        std::string retry_after;
        const Deadline probe_deadline = deadline.capped(30s);
        while (true) {
            auto r = ports_.lb_get("/api/__health_check", probe_deadline.capped(5s));
            if (r) {
                last = r->first;
                retry_after = r->second;
                if (last == want_status && (want_status != 503 || !retry_after.empty())) break;
            }
            if (probe_deadline.expired() || abort_requested())
                return fail(ErrorCode::Verification,
                            "load balancer " + util::redact_url(inv_.lb_url) + " answers " + std::to_string(last) +
                                " after " + action + ", expected " + std::to_string(want_status) +
                                (want_status == 503 ? " with Retry-After" : ""),
                            true);
            std::this_thread::sleep_for(100ms);
        }
        out.details["lb_status"] = std::to_string(last);
        if (!retry_after.empty()) out.details["retry_after"] = retry_after;
    }
    const std::string since_file = state_file("maintenance-since");
    if (action == actions::kTrafficMaintenance || action == actions::kTrafficLive) {
        std::error_code ec;
        fs::remove(joined_file, ec);  // the joins of --early-traffic are over
    }
    if (action == actions::kTrafficMaintenance) {
        if (read_small_file(since_file).empty()) (void)write_small_file(since_file, std::to_string(now_ms()));
    } else {  // live, pin or serve: traffic is back (pin: --early-traffic ends the window)
        const std::string since = read_small_file(since_file);
        if (!since.empty()) {
            const double window = static_cast<double>(now_ms() - std::stoll(since)) / 1000.0;
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.1f", window);
            out.details["maintenance_window_s"] = buf;
            progress(events, std::string("503 window: ") + buf + " s");
            std::error_code ec;
            fs::remove(since_file, ec);
        }
    }
    return out;
}

}  // namespace ncbctl::workflow
