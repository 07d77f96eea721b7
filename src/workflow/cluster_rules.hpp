#pragma once
// The cluster preflight's rules (docs/preflight.md): pure functions over facts recorded from every node, the
// load balancer and the backup destination. Gathering the facts is cluster_facts.cpp's job; these never touch
// a port, so each rule is unit-tested on recorded facts. Secrets and Redis URLs arrive as SHA-256 digests only:
// a finding names variables and nodes, never a value.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ncbctl::workflow {

enum class Severity { Error, Warning, Info };
std::string_view to_string(Severity s) noexcept;  // error | warning | info

struct Finding {
    Severity severity = Severity::Info;
    std::string check;               // versions | secrets | storage | cluster_mode | redis | lb | database
    std::vector<std::string> nodes;  // the nodes it names (may be empty: the cluster)
    std::string message;             // what is wrong, naming the nodes
    std::string fix;                 // what to do about it
};

// What a PING of a Redis URL in a node's cluster-mode environment showed (docs/preflight.md "Redis"). The URL
// is as the node sees it; ncbctl pings from its own machine, so some are not checkable from here.
enum class RedisAnswer { Answered, NoAnswer, TimedOut, NotCheckable };
struct RedisProbe {
    std::string variable;  // REDIS_URL, CACHE_REDIS_URL, ...
    RedisAnswer answer = RedisAnswer::NotCheckable;
    std::string detail;  // why, never the URL
};

// What one node showed. An unset optional: the fact could not be read on this node (not checkable).
struct NodeFacts {
    std::string node;
    std::string deployed_version;                           // image tag / release; empty: unknown
    std::optional<std::map<std::string, std::string>> env;  // variable -> sha256 of its value (set ones only)
    std::map<std::string, std::string> env_plain;           // non-secret values: DB_HOST, DB_PORT, DB_DATABASE
    std::string env_source;                                 // where the environment was read from
    std::optional<bool> storage_seen;                       // saw the nonce file (the writer: true)
    std::vector<RedisProbe> redis;                          // one per Redis URL variable it sets
};

struct ClusterFacts {
    std::vector<NodeFacts> nodes;
    bool storage_required = true;  // upgrade and maintain: an unshared storage is an error
    // The load balancer: the server names it serves (nullopt: the driver cannot list them), the names the
    // inventory maps its nodes to (node -> server), and its health check path (nullopt: not readable).
    std::optional<std::vector<std::string>> lb_servers;
    std::map<std::string, std::string> lb_expected;
    std::optional<std::string> lb_health_check;
    // The database the inventory backs up.
    std::string db_host, db_name;
    // upgrade: the version it goes to. Nodes split between it and one other version are an upgrade under way
    // (preflight runs again when a run resumes): info, not an error.
    std::string target_version;
};

// NocoBase's cluster-mode variables (docs/preflight.md "Cluster mode"), compared across nodes by digest.
const std::vector<std::string_view>& cluster_mode_variables();
// The shared secrets (APP_KEY, APP_AES_SECRET_KEY).
const std::vector<std::string_view>& secret_variables();
inline constexpr std::size_t kMaxClusterNodes = 32;  // NocoBase's worker-ID range
inline constexpr std::string_view kHealthCheckPath = "/api/__health_check";

std::vector<Finding> rule_versions(const ClusterFacts& f);
std::vector<Finding> rule_secrets(const ClusterFacts& f);
std::vector<Finding> rule_storage(const ClusterFacts& f);
std::vector<Finding> rule_cluster_mode(const ClusterFacts& f);
std::vector<Finding> rule_redis(const ClusterFacts& f);
std::vector<Finding> rule_lb(const ClusterFacts& f);
std::vector<Finding> rule_database(const ClusterFacts& f);
// Every rule, in that order; `strict`: warnings become errors.
std::vector<Finding> evaluate(const ClusterFacts& f, bool strict);
// One line: "error [secrets] nodes app1, app2: ...; fix: ...".
std::string format_finding(const Finding& f);

}  // namespace ncbctl::workflow
