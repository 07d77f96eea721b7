#pragma once
// Every port the cluster's actions use, as one bundle: the runner, `validate --connect` and `status` take it,
// the wiring (src/wiring/cluster_ports.cpp) fills it with the real adapters and the unit tests with
// recording fakes. A port left empty means "not available here" where the caller allows it (lb_get, sizes).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "ncbctl/app_client.hpp"
#include "ncbctl/http_get.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/lock.hpp"
#include "ncbctl/node_driver.hpp"
#include "ncbctl/package_registry.hpp"
#include "ncbctl/plan.hpp"
#include "ncbctl/traffic_switch.hpp"

namespace ncbctl::workflow {

// A Redis server a node's cluster-mode variable names (docs/preflight.md "Redis"), parsed from its URL by the
// preflight; the password only travels to the client's AUTH.
struct RedisAddress {
    std::string host;  // IPv6 without brackets
    int port = 6379;
    int db = 0;
    std::string user, password;
};

struct ClusterPorts {
    std::function<Result<NodeDriverPtr>(const Node&)> node_driver;
    std::function<Result<std::unique_ptr<AppClient>>(const Node&)> node_app;  // the node's direct URL
    std::function<Result<std::unique_ptr<TrafficSwitch>>()> traffic;
    // GET on the load-balanced URL: status code and Retry-After (for "verified through the LB").
    std::function<Result<std::pair<long, std::string>>(const std::string& path, const Deadline&)> lb_get;
    HttpGet http_get;  // the inventory's http checks (a node's URL or the LB's)
    std::function<Status(const Deadline&)> database_check;
    std::function<Result<std::uint64_t>(const Deadline&)> database_size;
    std::function<Result<Params>(const std::string& base_name, const Deadline&)> database_dump;  // path, sha256...
    std::function<Status(const std::string& path, const Deadline&)> database_restore;
    std::function<Result<Params>(const std::string& base_name, const Deadline&)> storage_archive;
    std::function<Status(const std::string& path, const Deadline&)> storage_restore;
    // backup.in_window: clone (PostgreSQL): the run's copy and set-aside names, the preflight, the copy made
    // and verified, the swap back, the dump taken from the copy, and the copy's drop (src/backup/database_clone).
    std::function<std::pair<std::string, std::string>(const std::string& run_id)> clone_names;  // copy, failed
    std::function<Result<std::string>(const std::string& copy, const std::string& failed, const Deadline&)> clone_check;
    std::function<Result<Params>(const std::string& copy, const Deadline&)> database_clone;
    std::function<Result<Params>(const std::string& copy, const std::string& failed, const Deadline&)> clone_swap;
    std::function<Result<Params>(const std::string& base_name, const std::string& copy, const Deadline&)>
        database_dump_copy;
    std::function<Result<Params>(const std::string& path, const Deadline&)> dump_verify;  // sha256, verified_by
    std::function<Result<bool>(const std::string& name, const Deadline&)> database_exists;
    std::function<Status(const std::string& name, const Deadline&)> database_drop;
    RegistryLookup registry;  // app.registry_check
    // lock.backend redis or node: read who holds the shared lock (validate --connect); empty for the local lock.
    std::function<Result<std::optional<LockHolder>>(const Deadline&)> lock_read;
    // PING a Redis the nodes use, from this machine: ok on PONG; NotFound when the host does not resolve here;
    // Timeout, Unreachable, Auth or Protocol otherwise. Messages name neither the URL nor the password. Empty: the
    // preflight reports the Redis URLs as not checkable.
    std::function<Status(const RedisAddress&, const Deadline&)> redis_ping;
};

}  // namespace ncbctl::workflow
