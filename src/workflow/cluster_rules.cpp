#include "workflow/cluster_rules.hpp"

#include <algorithm>
#include <set>
#include <tuple>

namespace ncbctl::workflow {
namespace {

std::string join(const std::vector<std::string>& v, std::string_view sep = ", ") {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
    return out;
}

std::vector<std::string> names(const std::vector<const NodeFacts*>& v) {
    std::vector<std::string> out;
    for (const auto* n : v) out.push_back(n->node);
    return out;
}

// The checkable nodes grouped by what they hold for `key` (a digest or a plain value; "" = unset).
std::map<std::string, std::vector<std::string>> group_by(const ClusterFacts& f, std::string_view key, bool plain) {
    std::map<std::string, std::vector<std::string>> groups;
    for (const auto& n : f.nodes) {
        if (!n.env) continue;
        const auto& m = plain ? n.env_plain : *n.env;
        auto it = m.find(std::string(key));
        groups[it == m.end() ? std::string() : it->second].push_back(n.node);
    }
    return groups;
}

// "app1, app2 have one value, app3 another, app4 none" without the values.
std::string describe_groups(const std::map<std::string, std::vector<std::string>>& groups) {
    std::vector<std::string> parts;
    int k = 0;
    for (const auto& [value, nodes] : groups)
        parts.push_back(join(nodes) + (value.empty() ? ": unset" : ": value " + std::string(1, char('A' + k++))));
    return join(parts, "; ");
}

std::vector<std::string> all_nodes(const std::map<std::string, std::vector<std::string>>& groups) {
    std::vector<std::string> out;
    for (const auto& [v, nodes] : groups) out.insert(out.end(), nodes.begin(), nodes.end());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> not_checkable(const ClusterFacts& f) {
    std::vector<std::string> out;
    for (const auto& n : f.nodes)
        if (!n.env) out.push_back(n.node);
    return out;
}

}  // namespace

std::string_view to_string(Severity s) noexcept {
    switch (s) {
        case Severity::Error:
            return "error";
        case Severity::Warning:
            return "warning";
        case Severity::Info:
            return "info";
    }
    return "info";
}

const std::vector<std::string_view>& cluster_mode_variables() {
    static const std::vector<std::string_view> v = {
        "CACHE_DEFAULT_STORE",    "CACHE_REDIS_URL", "PUBSUB_ADAPTER_REDIS_URL", "LOCK_ADAPTER_DEFAULT",
        "LOCK_ADAPTER_REDIS_URL", "QUEUE_ADAPTER",   "QUEUE_ADAPTER_REDIS_URL",  "REDIS_URL",
        "WORKER_ID_REDIS_URL",
    };
    return v;
}

const std::vector<std::string_view>& secret_variables() {
    static const std::vector<std::string_view> v = {"APP_KEY", "APP_AES_SECRET_KEY"};
    return v;
}

std::vector<Finding> rule_versions(const ClusterFacts& f) {
    std::map<std::string, std::vector<std::string>> by_version;
    std::vector<std::string> unknown;
    for (const auto& n : f.nodes)
        (n.deployed_version.empty() ? unknown : by_version[n.deployed_version]).push_back(n.node);
    std::vector<Finding> out;
    if (by_version.size() > 1) {
        std::vector<std::string> parts, nodes;
        for (const auto& [v, ns] : by_version) {
            parts.push_back(join(ns) + " " + v);
            nodes.insert(nodes.end(), ns.begin(), ns.end());
        }
        const bool under_way = by_version.size() == 2 && by_version.contains(f.target_version);
        out.push_back({under_way ? Severity::Info : Severity::Error, "versions", nodes,
                       "nodes deploy different versions (" + join(parts, "; ") + ")" +
                           (under_way ? ": an upgrade to " + f.target_version + " under way" : ""),
                       under_way ? "none: this upgrade brings the others to " + f.target_version
                                 : "bring every node to one version first (ncbctl upgrade --to VERSION --force)"});
    }
    if (!unknown.empty())
        out.push_back({Severity::Info, "versions", unknown, "the deployed version of " + join(unknown) + " is unknown",
                       "set the node's version command (service.version) so it can be compared"});
    return out;
}

std::vector<Finding> rule_secrets(const ClusterFacts& f) {
    std::vector<Finding> out;
    for (auto var : secret_variables()) {
        auto groups = group_by(f, var, false);
        if (groups.size() <= 1) continue;  // all equal, all unset, or nothing checkable
        out.push_back({Severity::Error, "secrets", all_nodes(groups),
                       std::string(var) + " differs between nodes (" + describe_groups(groups) +
                           "; compared by SHA-256, values not shown)",
                       "give every node the same " + std::string(var) +
                           " (tokens signed on one node fail on another: \"invalid signature\")"});
    }
    if (auto nc = not_checkable(f); !nc.empty())
        out.push_back({Severity::Info, "secrets", nc, "the service environment of " + join(nc) + " is not checkable",
                       "use a preset whose environment ncbctl reads (systemd, docker-compose, supervisord, pm2, a .env "
                       "in app_dir)"});
    return out;
}

std::vector<Finding> rule_storage(const ClusterFacts& f) {
    std::vector<Finding> out;
    std::vector<const NodeFacts*> unseen, unchecked;
    for (const auto& n : f.nodes) {
        if (!n.storage_seen)
            unchecked.push_back(&n);
        else if (!*n.storage_seen)
            unseen.push_back(&n);
    }
    if (!unseen.empty())
        out.push_back({f.storage_required ? Severity::Error : Severity::Warning, "storage", names(unseen),
                       "storage/ is not shared: " + join(names(unseen)) +
                           " did not see the file written into storage/ through another node",
                       "mount one shared storage/ on every node (the upgrade marker and the plugins live there)"});
    if (!unchecked.empty() && f.nodes.size() > 1)
        out.push_back({Severity::Info, "storage", names(unchecked),
                       "storage/ sharing not checkable on " + join(names(unchecked)),
                       "set the storage directory (docker.upgrade_marker_dir, service.storage_dir or app_dir)"});
    return out;
}

std::vector<Finding> rule_cluster_mode(const ClusterFacts& f) {
    std::vector<Finding> out;
    if (f.nodes.size() > kMaxClusterNodes)
        out.push_back({Severity::Error,
                       "cluster_mode",
                       {},
                       std::to_string(f.nodes.size()) + " nodes: NocoBase's worker IDs cover at most " +
                           std::to_string(kMaxClusterNodes),
                       "split the cluster into clusters of at most 32 nodes"});
    bool any_adapter = false, any_checkable = false;
    for (auto var : cluster_mode_variables()) {
        auto groups = group_by(f, var, false);
        for (const auto& [v, ns] : groups) {
            any_checkable = true;
            any_adapter = any_adapter || !v.empty();
        }
        if (groups.size() <= 1) continue;
        out.push_back({Severity::Error, "cluster_mode", all_nodes(groups),
                       std::string(var) + " differs between nodes (" + describe_groups(groups) +
                           "; compared by SHA-256, values not shown)",
                       "set the same " + std::string(var) + " on every node"});
    }
    if (f.nodes.size() > 1 && any_checkable && !any_adapter)
        out.push_back({Severity::Warning,
                       "cluster_mode",
                       {},
                       "the cluster runs without cluster-mode adapters (no cache, pub/sub, lock, queue or worker-ID "
                       "Redis configured on any node)",
                       "configure NocoBase's cluster mode (docs/preflight.md \"Cluster mode\"), or ignore for a test "
                       "cluster"});
    return out;
}

std::vector<Finding> rule_redis(const ClusterFacts& f) {
    // (answer, detail, variable) -> nodes: one finding per Redis URL variable and outcome.
    std::map<std::tuple<RedisAnswer, std::string, std::string>, std::vector<std::string>> groups;
    for (const auto& n : f.nodes)
        for (const auto& p : n.redis)
            if (p.answer != RedisAnswer::Answered) groups[{p.answer, p.detail, p.variable}].push_back(n.node);
    std::vector<Finding> out;
    for (const auto& [key, nodes] : groups) {
        const auto& [answer, detail, var] = key;
        if (answer == RedisAnswer::NotCheckable) {
            out.push_back({Severity::Info, "redis", nodes, var + " is not checkable from here: " + detail,
                           "check it on the node: redis-cli -u \"$" + var + "\" ping, in the service's environment"});
            continue;
        }
        const bool timed_out = answer == RedisAnswer::TimedOut;
        out.push_back({timed_out ? Severity::Warning : Severity::Error, "redis", nodes,
                       "the Redis in " + var + " does not answer a PING from here (" + detail + ")" +
                           (timed_out ? ": down, or not reachable from this machine" : ""),
                       "start that Redis or correct " + var +
                           " on those nodes (cluster mode needs it: without it the nodes' caches, locks and "
                           "sync signals break)"});
    }
    return out;
}

std::vector<Finding> rule_lb(const ClusterFacts& f) {
    std::vector<Finding> out;
    if (f.lb_servers) {
        std::set<std::string> served(f.lb_servers->begin(), f.lb_servers->end()), expected;
        std::vector<std::string> missing, unknown;
        for (const auto& [node, server] : f.lb_expected) {
            expected.insert(server);
            if (!served.contains(server)) missing.push_back(node);
        }
        for (const auto& s : served)
            if (!expected.contains(s)) unknown.push_back(s);
        if (!unknown.empty())
            out.push_back({Severity::Error,
                           "lb",
                           {},
                           "the load balancer serves server(s) the inventory does not list: " + join(unknown),
                           "remove them from the LB's backend or add the nodes to the inventory"});
        if (!missing.empty())
            out.push_back({Severity::Error, "lb", missing,
                           "the load balancer does not serve " + join(missing) + " (inventory nodes)",
                           "add them to the LB's backend or fix traffic.servers"});
    }
    if (f.lb_health_check && *f.lb_health_check != kHealthCheckPath)
        out.push_back({Severity::Warning,
                       "lb",
                       {},
                       "the load balancer's health check is " +
                           (f.lb_health_check->empty() ? std::string("a TCP check") : *f.lb_health_check) +
                           ", not NocoBase's readiness " + std::string(kHealthCheckPath),
                       "check GET " + std::string(kHealthCheckPath) + " (expect 200)"});
    return out;
}

std::vector<Finding> rule_database(const ClusterFacts& f) {
    std::vector<Finding> out;
    for (std::string_view var : {"DB_HOST", "DB_PORT", "DB_DATABASE"}) {
        auto groups = group_by(f, var, true);
        groups.erase(std::string());  // unset: NocoBase's default, not shown by the environment
        if (groups.size() > 1) {
            std::vector<std::string> parts;
            for (const auto& [v, ns] : groups) parts.push_back(join(ns) + " " + v);
            out.push_back({Severity::Error, "database", all_nodes(groups),
                           std::string(var) + " differs between nodes (" + join(parts, "; ") + ")",
                           "point every node at the one database"});
        } else if (var == "DB_DATABASE" && groups.size() == 1 && !f.db_name.empty() &&
                   groups.begin()->first != f.db_name) {
            out.push_back({Severity::Error, "database", groups.begin()->second,
                           "the nodes use database " + groups.begin()->first + ", the inventory backs up " + f.db_name,
                           "set database.name to the database the nodes use"});
        } else if (var == "DB_HOST" && groups.size() == 1 && !f.db_host.empty() && groups.begin()->first != f.db_host) {
            out.push_back({Severity::Info, "database", groups.begin()->second,
                           "the nodes reach the database at " + groups.begin()->first + ", the inventory at " +
                               f.db_host + " (may be the same server under another name)",
                           "check that database.host names the server the nodes use"});
        }
    }
    return out;
}

std::vector<Finding> evaluate(const ClusterFacts& f, bool strict) {
    std::vector<Finding> out;
    for (auto rule :
         {rule_versions, rule_secrets, rule_storage, rule_cluster_mode, rule_redis, rule_lb, rule_database}) {
        auto r = rule(f);
        out.insert(out.end(), r.begin(), r.end());
    }
    if (strict)
        for (auto& x : out)
            if (x.severity == Severity::Warning) x.severity = Severity::Error;
    return out;
}

std::string format_finding(const Finding& f) {
    std::string s = std::string(to_string(f.severity)) + " [" + f.check + "] ";
    if (!f.nodes.empty()) s += (f.nodes.size() == 1 ? "node " : "nodes ") + join(f.nodes) + ": ";
    return s + f.message + "; fix: " + f.fix;
}

}  // namespace ncbctl::workflow
