#include "workflow/connectivity.hpp"
#include "util/quote.hpp"
#include "util/redact.hpp"

#include <future>

namespace ncbctl::workflow {
namespace {

ConnectResult failed(ConnectResult r, std::string why) {
    r.detail = std::move(why);
    return r;
}

ConnectResult probe_node(const Node& n, const ClusterPorts& ports, const Deadline& d) {
    ConnectResult r{.target = "node " + n.name};
    auto driver = ports.node_driver(n);
    if (!driver) return failed(r, driver.error().message);
    auto st = (*driver)->probe(d);
    if (!st) return failed(r, st.error().message);
    if (!st->reachable) return failed(r, st->detail.empty() ? "the driver did not reach the host" : st->detail);
    r.ok = true;
    r.detail = std::string(n.driver == DriverKind::Docker ? "docker" : "ssh") + ", service " +
               std::string(to_string(st->service)) +
               (st->deployed_version.empty() ? "" : ", deployed " + st->deployed_version);
    return r;
}

ConnectResult check_api(const Node& n, const ClusterPorts& ports, const Deadline& d) {
    ConnectResult r{.target = "api " + n.name};
    auto app = ports.node_app(n);
    if (!app) return failed(r, app.error().message);
    const AppStatus s = (*app)->check(d);
    std::string what = std::string(to_string(s.phase)) + (s.code.empty() ? "" : " " + s.code) +
                       (s.version.empty() ? "" : " " + s.version);
    if (s.phase == AppPhase::Down) return failed(r, util::redact_url(n.url) + " does not answer: " + s.message);
    if (s.phase == AppPhase::Unknown)
        return failed(
            r, util::redact_url(n.url) + " answers HTTP " + std::to_string(s.http_status) + " but not as NocoBase");
    r.ok = true;
    r.detail = util::redact_url(n.url) + " " + what;
    return r;
}

ConnectResult check_traffic(const Inventory& inv, const ClusterPorts& ports, const Deadline& d) {
    ConnectResult r{.target = "traffic"};
    auto sw = ports.traffic();
    if (!sw) return failed(r, sw.error().message);
    auto st = (*sw)->status(d);
    if (!st) return failed(r, inv.traffic.driver + ": " + st.error().message);
    // An LB that answers but is not set up for ncbctl (include missing, socket below admin, a health check
    // that is not NocoBase's) fails here with the command that fixes it, not at the first switch.
    auto gaps = (*sw)->setup_gaps(d);
    if (!gaps) return failed(r, inv.traffic.driver + ": " + gaps.error().message);
    if (!gaps->empty()) {
        std::string why;
        for (const auto& g : *gaps) why += (why.empty() ? "" : "; ") + g;
        return failed(r, inv.traffic.driver + " not set up for ncbctl: " + why);
    }
    std::string serving;
    for (const auto& s : st->serving_nodes) serving += (serving.empty() ? "" : ",") + s;
    r.ok = true;
    r.detail = inv.traffic.driver + ", mode " + std::string(to_string(st->mode)) +
               (serving.empty() ? "" : ", serving " + serving);
    return r;
}

ConnectResult check_database(const Inventory& inv, const ClusterPorts& ports, const Deadline& d) {
    const DatabaseSpec& db = inv.database;
    ConnectResult r{.target = "database"};
    const std::string where = db.dialect + " " + db.host + ":" + std::to_string(db.port) + "/" + db.name;
    if (auto st = ports.database_check(d); !st) return failed(r, where + ": " + st.error().message);
    r.ok = true;
    r.detail = where;
    return r;
}

// The shared lock's backend answers and takes our credentials; who holds it is shown, never changed.
ConnectResult check_lock(const Inventory& inv, const ClusterPorts& ports, const Deadline& d) {
    ConnectResult r{.target = "lock"};
    const std::string where =
        inv.lock.backend == "redis" ? "redis " + util::redact_url(inv.lock.redis.url) : "lock " + inv.lock.backend;
    auto held = ports.lock_read(d);
    if (!held) return failed(r, where + ": " + held.error().message);
    r.ok = true;
    r.detail =
        where + (*held ? ", held by run " + util::quote((*held)->run_id) + " (" + util::quote((*held)->command) + ")"
                       : ", free");
    return r;
}

}  // namespace

std::vector<ConnectResult> check_connectivity(const Inventory& inv, const ClusterPorts& ports,
                                              const Deadline& deadline) {
    std::vector<std::future<ConnectResult>> jobs;
    auto launch = [&jobs](auto fn) { jobs.push_back(std::async(std::launch::async, std::move(fn))); };
    for (const auto& n : inv.nodes) {
        launch([&n, &ports, &deadline] { return probe_node(n, ports, deadline); });
        launch([&n, &ports, &deadline] { return check_api(n, ports, deadline); });
    }
    launch([&inv, &ports, &deadline] { return check_traffic(inv, ports, deadline); });
    if (!inv.database.name.empty()) launch([&inv, &ports, &deadline] { return check_database(inv, ports, deadline); });
    if (ports.lock_read) launch([&inv, &ports, &deadline] { return check_lock(inv, ports, deadline); });
    std::vector<ConnectResult> out;
    out.reserve(jobs.size());
    for (auto& j : jobs) out.push_back(j.get());
    return out;
}

}  // namespace ncbctl::workflow
