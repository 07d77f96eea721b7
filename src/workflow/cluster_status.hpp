#pragma once
// `ncbctl status`: one read-only look at the whole cluster, every node probed at once (its cost is one
// node's answer time, not N). Nothing here changes anything.
#include <optional>
#include <string>
#include <vector>

#include "ncbctl/app_client.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/lock.hpp"
#include "ncbctl/node_driver.hpp"
#include "ncbctl/traffic_switch.hpp"
#include "workflow/cluster_ports.hpp"
#include "workflow/cluster_preflight.hpp"

namespace ncbctl::workflow {

struct NodeStatus {
    std::string name;
    std::string driver;             // docker | ssh
    std::optional<NodeState> node;  // nullopt: error
    std::string node_error;
    AppStatus app;
};

struct ClusterStatus {
    std::string cluster;
    std::vector<NodeStatus> nodes;
    std::optional<TrafficState> traffic;
    std::string traffic_error;
    std::optional<LockHolder> lock;
    std::string lock_error;
    std::string last_run;      // id
    std::string last_command;  // "upgrade --to 2.2.15"
    std::string last_result;   // ok | failed | interrupted | ...
    int last_exit = -1;
    std::string next_action;  // the next safe command when a run was interrupted, else empty
    // `status --deep`: the cluster preflight's findings (docs/preflight.md); nullopt without --deep.
    std::optional<PreflightReport> checks;
};

// `lock`: the inventory's lock backend (only read), or why there is none (shown as the lock's state).
using LockPort = Result<std::unique_ptr<LockBackend>>;
// `deep`: then the cluster preflight's checks (bounded by `checks_deadline`), after the status itself; they read
// only, except the storage check's nonce file (created through one node, removed at once).
ClusterStatus collect_status(const Inventory& inv, const ClusterPorts& ports, const LockPort& lock,
                             const std::string& state_dir, const Deadline& deadline, bool deep = false,
                             const Deadline& checks_deadline = Deadline::after(Duration{0}));

}  // namespace ncbctl::workflow
