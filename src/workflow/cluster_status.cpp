#include "workflow/cluster_status.hpp"

#include <future>

#include "run/cluster_lock.hpp"
#include "run/journal.hpp"

namespace ncbctl::workflow {

namespace {

NodeStatus probe_node(const ClusterPorts& ports, const Node& n, const Deadline& deadline) {
    NodeStatus s;
    s.name = n.name;
    s.driver = n.driver == DriverKind::Docker ? "docker" : "ssh";
    if (auto d = ports.node_driver(n); !d) {
        s.node_error = d.error().message;
    } else if (auto p = (*d)->probe(deadline); !p) {
        s.node_error = p.error().message;
    } else {
        s.node = *p;
    }
    if (auto app = ports.node_app(n); app)
        s.app = (*app)->check(deadline);
    else
        s.app.message = app.error().message;
    return s;
}

}  // namespace

ClusterStatus collect_status(const Inventory& inv, const ClusterPorts& ports, const LockPort& lock,
                             const std::string& state_dir, const Deadline& deadline, bool deep,
                             const Deadline& checks_deadline) {
    ClusterStatus out;
    out.cluster = inv.cluster;
    std::vector<std::future<NodeStatus>> nodes;
    for (const auto& n : inv.nodes)
        nodes.push_back(
            std::async(std::launch::async, [&ports, &n, &deadline] { return probe_node(ports, n, deadline); }));
    auto traffic = std::async(std::launch::async, [&ports, &deadline]() -> Result<TrafficState> {
        auto sw = ports.traffic();
        if (!sw) return fail(sw.error());
        return (*sw)->status(deadline);
    });
    if (!lock) {
        out.lock_error = lock.error().message;
    } else if (auto h = (*lock)->read(deadline); !h) {
        out.lock_error = h.error().message;
    } else {
        out.lock = *h;
    }
    auto runs = list_runs(state_dir);
    if (!runs.empty()) {
        const RunRecord& r = runs.front();
        out.last_run = r.run_id;
        out.last_command = r.command;
        out.last_result = r.result;
        out.last_exit = r.exit_code;
        if (r.resumable() && !(out.lock && !run::holder_is_stale(*out.lock, inv.lock.stale_after)))
            out.next_action = "ncbctl resume " + r.run_id;
    }
    for (auto& f : nodes) out.nodes.push_back(f.get());
    if (auto t = traffic.get(); t)
        out.traffic = *t;
    else
        out.traffic_error = t.error().message;
    if (deep) out.checks = run_cluster_preflight(inv, ports, false, checks_deadline);
    return out;
}

}  // namespace ncbctl::workflow
