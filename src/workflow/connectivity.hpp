#pragma once
// `ncbctl validate --connect`: reach every target of an inventory at once (node drivers, node APIs, the
// load balancer, the database) and say, per target, whether it answered. Reads only; never changes
// anything. Every check shares one deadline, so the whole costs the slowest target, not their sum.
#include <string>
#include <vector>

#include "workflow/cluster_runner.hpp"

namespace ncbctl::workflow {

struct ConnectResult {
    std::string target;  // "node app1", "api app1", "traffic", "database", "lock"
    bool ok = false;
    std::string detail;  // what answered (OK) or why not, naming what to check (FAIL); never a secret
};

// In a fixed order: per node its driver then its API (inventory order), then traffic, then the database
// (skipped when the inventory has no database section), then the shared lock's backend (lock.backend redis
// or node; the local lock has nothing to reach). An API counts as reachable when NocoBase answers
// in any state (booting, stopped, failed...): down or a non-NocoBase answer is a failure.
std::vector<ConnectResult> check_connectivity(const Inventory& inv, const ClusterPorts& ports,
                                              const Deadline& deadline);

}  // namespace ncbctl::workflow
