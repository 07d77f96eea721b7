// Draining a node before it stops. The workflow has already switched traffic away from it (verified through
// the LB), so it gets no new requests; requests still in flight and WebSockets run on. Stopping it at once
// would cut them (a client sees a 502 or a reset). So node.stop first waits until the LB holds no connection
// open to the node, at most timeouts.drain, then closes what is left: a browser's WebSocket reconnects to a
// serving node, or meets the maintenance page. Parallel stops drain in parallel.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "ncbctl/cancel.hpp"
#include "workflow/cluster_runner.hpp"
#include "workflow/progress.hpp"

namespace ncbctl::workflow {
namespace {

using namespace std::chrono_literals;

std::string seconds(std::chrono::steady_clock::duration d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", std::chrono::duration<double>(d).count());
    return buf;
}

}  // namespace

void ClusterRunner::drain(const Node& node, const Deadline& deadline, EventSink& events, StepResult& out) {
    const auto limit = inv_.timeouts.drain;
    if (limit.count() <= 0 || !ports_.traffic) return;
    auto t = traffic_switch();
    if (!t) return;  // the switch steps before this one reported it
    TrafficSwitch& sw = **t;
    const std::string who = "node " + node.name + ": ";
    auto count = [&]() -> Result<int> {
        std::lock_guard lock(traffic_mu_);
        return sw.open_sessions(node.name, deadline.capped(5s));
    };
    auto open = count();
    if (!open) {
        if (open.error().code != ErrorCode::Unsupported)
            progress(events, who + "cannot count its connections at the load balancer (" + open.error().message +
                                 "); stopping without a drain");
        return;
    }
    out.details["open_connections"] = std::to_string(*open);
    if (*open == 0) return;
    {
        std::lock_guard lock(traffic_mu_);
        auto st = sw.status(deadline.capped(5s));
        if (st && std::ranges::find(st->admitted_nodes, node.name) != st->admitted_nodes.end()) {
            progress(events, who + "the load balancer still sends it new requests; stopping without a drain");
            return;
        }
    }
    progress(events, who + "waiting for " + std::to_string(*open) +
                         " open connection(s) at the load balancer (at most " + std::to_string(limit.count()) +
                         " s, timeouts.drain)");
    const auto start = std::chrono::steady_clock::now();
    const Deadline until = deadline.capped(limit);
    int left = *open;
    // 100 ms, growing to 500 ms: a short request is seen done at once, and an LB reached through SSH (one
    // socat per read) is asked at most twice a second during a long wait.
    std::chrono::milliseconds every = 100ms;
    while (left > 0 && !until.expired() && !abort_requested()) {
        std::this_thread::sleep_for(every);
        every = std::min<std::chrono::milliseconds>(every * 3 / 2, 500ms);
        auto now = count();
        if (!now) {
            progress(events, who + "cannot count its connections any more (" + now.error().message + "); stopping it");
            return;
        }
        left = *now;
    }
    out.details["drain_s"] = seconds(std::chrono::steady_clock::now() - start);
    if (left == 0) return;
    std::lock_guard lock(traffic_mu_);
    if (auto closed = sw.close_sessions(node.name, deadline.capped(5s)); !closed) {
        out.details["open_at_stop"] = std::to_string(left);
        const std::string why = closed.error().code == ErrorCode::Unsupported
                                    ? std::string("this load balancer cannot close them")
                                    : "closing them failed: " + closed.error().message;
        progress(events, who + std::to_string(left) + " connection(s) still open after " + out.details["drain_s"] +
                             " s; " + why + "; stopping the node with them open");
        return;
    }
    out.details["closed_connections"] = std::to_string(left);
    progress(events, who + "closed " + std::to_string(left) + " connection(s) still open after " +
                         out.details["drain_s"] + " s (long requests or WebSockets; clients reconnect)");
}

}  // namespace ncbctl::workflow
