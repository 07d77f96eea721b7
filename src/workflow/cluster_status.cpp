#include "workflow/cluster_status.hpp"

#include <future>

#include "drivers/registry.hpp"
#include "ncbctl/journal.hpp"
#include "nocobase/client.hpp"
#include "run/cluster_lock.hpp"

namespace ncbctl::workflow {

namespace {

NodeStatus probe_node(const Inventory& inv, const Node& n, const Deadline& deadline) {
    NodeStatus s;
    s.name = n.name;
    s.driver = n.driver == DriverKind::Docker ? "docker" : "ssh";
    if (auto d = drivers::make_node_driver(n, inv); !d) {
        s.node_error = d.error().message;
    } else if (auto p = (*d)->probe(deadline); !p) {
        s.node_error = p.error().message;
    } else {
        s.node = *p;
    }
    s.app = nocobase::make_app_client(n, inv)->check(deadline);
    return s;
}

}  // namespace

ClusterStatus collect_status(const Inventory& inv, const std::string& state_dir, const Deadline& deadline) {
    ClusterStatus out;
    out.cluster = inv.cluster;
    std::vector<std::future<NodeStatus>> nodes;
    for (const auto& n : inv.nodes)
        nodes.push_back(std::async(std::launch::async, [&inv, &n, &deadline] { return probe_node(inv, n, deadline); }));
    auto traffic = std::async(std::launch::async, [&inv, &deadline]() -> Result<TrafficState> {
        auto runner = drivers::make_runner(inv.traffic.via_node, inv);
        if (!runner) return fail(runner.error());
        auto sw = make_traffic_switch(inv, std::move(*runner));
        if (!sw) return fail(ErrorCode::Inventory, "unknown traffic driver " + inv.traffic.driver);
        return sw->status(deadline);
    });
    if (auto lock = run::make_lock_backend(inv, state_dir); !lock) {
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
    return out;
}

}  // namespace ncbctl::workflow
