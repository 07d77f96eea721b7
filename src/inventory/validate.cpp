// Cross-references between sections: every name that points at a node must name one, and maps keyed
// by node (haproxy servers, nginx upstreams) must cover every node, or the traffic switch would leave
// a node serving during maintenance.
#include "inventory/schema.hpp"
#include "inventory/suggest.hpp"

namespace ncbctl::inv {

namespace {

std::string not_a_node(const std::string& name, const NodeIndex& index) {
    std::string msg = shown(name) + " is not a node";
    // Bounded: a generated inventory can hold thousands of nodes and as many bad references.
    constexpr std::size_t kSuggestAmong = 500;
    constexpr std::size_t kListed = 10;
    if (index.order.size() <= kSuggestAmong) {
        std::vector<std::string_view> names(index.order.begin(), index.order.end());
        if (auto s = suggest(name, names)) return msg + "; did you mean `" + *s + "`?";
    }
    std::string list;
    for (std::size_t i = 0; i < index.order.size() && i < kListed; ++i)
        list += (list.empty() ? "" : ", ") + index.order[i];
    if (index.order.size() > kListed) list += ", ... (" + std::to_string(index.order.size()) + " in all)";
    return msg + " (nodes: " + list + ")";
}

// Reports a reference to an unknown node; true when it names a node.
bool check_ref(const std::string& name, const YAML::Mark& at, const std::string& path, const NodeIndex& index,
               Sink& sink) {
    if (index.by_name.contains(name)) return true;
    sink.error(at, sink.full() ? std::string() : path + ": " + not_a_node(name, index));
    return false;
}

void check_coverage(const std::map<std::string, std::string>& by_node, const std::map<std::string, YAML::Mark>& keys,
                    const YAML::Mark& at, const std::string& path, const NodeIndex& index, Sink& sink) {
    for (const auto& [name, mark] : keys) check_ref(name, mark, path, index, sink);
    for (const auto& name : index.order)
        if (!by_node.contains(name) && !keys.contains(name))
            sink.error(at, path + ": no entry for node `" + name + "` (every node must be listed)");
}

}  // namespace

void validate_references(const Inventory& inv, const NodeIndex& index, const RefMarks& marks, Sink& sink) {
    if (index.order.empty()) return;  // nothing to refer to; the nodes section reported why
    if (!inv.canary.empty()) check_ref(inv.canary, marks.canary, "canary", index, sink);

    const TrafficSpec& t = inv.traffic;
    if (!t.via_node.empty() && check_ref(t.via_node, marks.traffic_via_node, "traffic.via_node", index, sink) &&
        index.by_name.find(t.via_node)->second.driver == "docker") {
        sink.error(marks.traffic_via_node, "traffic.via_node: " + shown(t.via_node) +
                                               " is a docker node; the load balancer is reached over SSH, "
                                               "so via_node must be an ssh node");
    }
    if (t.driver == "haproxy" && marks.has_haproxy_servers)
        check_coverage(t.servers, marks.haproxy_server_keys, marks.haproxy_servers, "traffic.haproxy.servers", index,
                       sink);
    if (t.driver == "nginx" && marks.has_nginx_upstreams)
        check_coverage(t.upstreams, marks.nginx_upstream_keys, marks.nginx_upstreams, "traffic.nginx.upstreams", index,
                       sink);

    const std::string& run_on = inv.database.run_on;
    if (run_on.starts_with("node:")) {
        check_ref(run_on.substr(5), marks.database_run_on, "database.run_on", index, sink);
    } else if (run_on.starts_with("container:")) {
        const bool any_docker = std::any_of(inv.nodes.begin(), inv.nodes.end(),
                                            [](const Node& n) { return n.driver == DriverKind::Docker; });
        if (!any_docker)
            sink.error(marks.database_run_on,
                       "database.run_on: `container:` needs a docker node (its engine runs the container)");
    }
    if (inv.backup.method == "database" && !marks.has_database && marks.has_backup)
        sink.error(marks.backup, "backup: method `database` needs a `database:` section (or use `method: api`)");
    if (inv.backup.in_window == "clone" && inv.database.dialect != "postgres")
        sink.error(marks.backup_in_window,
                   "backup.in_window: `clone` needs PostgreSQL (CREATE DATABASE ... TEMPLATE); " +
                       inv.database.dialect + " backs up with `in_window: dump`");
    if (inv.backup.in_window == "clone" && inv.backup.method != "database")
        sink.error(marks.backup_in_window, "backup.in_window: `clone` needs `backup.method: database`");
    if (marks.backup_clone_strategy && inv.backup.in_window != "clone")
        sink.error(*marks.backup_clone_strategy,
                   "backup.clone_strategy is how `backup.in_window: clone` copies; set in_window: clone or drop it");

    if (!inv.lock.node.empty()) check_ref(inv.lock.node, marks.lock_node, "lock.node", index, sink);

    for (std::size_t i = 0; i < inv.checks.size() && i < marks.check_nodes.size(); ++i) {
        const auto& c = inv.checks[i];
        if (c.command && !c.command->node.empty())
            check_ref(c.command->node, marks.check_nodes[i].mark, marks.check_nodes[i].path, index, sink);
    }
}

}  // namespace ncbctl::inv
