#pragma once
// The `ncbctl traffic maintenance|live|pin NODE` changes as tiny plans, so they are locked and journaled
// like every other change (`runs list` shows who put the cluster in maintenance, and when). Pure: the
// same inventory and node always give the same plan.
//
// Phases: preflight (traffic.status: the LB answers; a failure exits 3, nothing changed), then traffic
// (the one switch, verified through the LB; a failure exits 1). Nothing is undone: the switch is the
// whole run, and each target mode is safe to be left in.
#include <string>

#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/plan.hpp"

namespace ncbctl::plan {

// Workflow "traffic-maintenance": every client gets 503 + Retry-After (bypass requests excepted).
Result<Plan> build_traffic_maintenance(const Inventory& inv);
// Workflow "traffic-live": every node serves. Its preflight lets an LB that a switch sets up (nginx without
// its include file yet) not answer (param first_switch).
Result<Plan> build_traffic_live(const Inventory& inv);
// Workflow "traffic-pin", arg "node": only that node serves. Usage error when it is not an inventory node.
Result<Plan> build_traffic_pin(const Inventory& inv, const std::string& node);

}  // namespace ncbctl::plan
