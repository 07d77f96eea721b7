#pragma once
// Pure workflow builders: Inventory + arguments -> Plan. Nothing here touches a node; the same inputs
// always give the same plan (same step ids, same fingerprint), which resume and CI reviews rely on.
#include <map>
#include <string>
#include <vector>

#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/plan.hpp"

namespace ncbctl::plan {

struct UpgradeArgs {
    std::string to;              // target version (image tag / release)
    std::string canary;          // empty: the inventory's canary
    bool no_rollback = false;    // failures after the window opened leave the cluster in maintenance (exit 6)
    bool early_traffic = false;  // after verify, traffic goes live pinned to the canary during the fan-out
    bool force = false;          // run even when every node runs `to` already (no forecast: actions.hpp)
    bool strict = false;         // the cluster preflight's warnings are errors (docs/preflight.md)
};

// Phases: preflight, maintenance, stop, backup, upgrade, canary, verify, fanout, live (docs/engine.md).
Result<Plan> build_upgrade(const Inventory& inv, const UpgradeArgs& args);
// First start: preflight, maintenance, first (one node, ready), rest, live (docs/engine.md).
Result<Plan> build_start(const Inventory& inv);
// Full stop: preflight, maintenance, stop.
Result<Plan> build_stop(const Inventory& inv);

// Rebuilds a plan from its workflow name and args (as recorded): the explicit table of workflows.
Result<Plan> build_workflow(const Inventory& inv, const std::string& workflow,
                            const std::map<std::string, std::string>& args);
std::vector<std::string> workflow_names();

// sha256 over the inventory content hash, the workflow name and the sorted args.
std::string plan_fingerprint(const std::string& inventory_hash, const std::string& workflow,
                             const std::map<std::string, std::string>& args);
// "upgrade --to 2.2.16" from the workflow and args.
std::string command_line(const std::string& workflow, const std::map<std::string, std::string>& args);

}  // namespace ncbctl::plan
