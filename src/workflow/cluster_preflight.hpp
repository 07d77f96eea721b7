#pragma once
// The cluster preflight (preflight.cluster, docs/preflight.md) outside a run: `validate --connect` runs the
// same step on the same ports and reports its findings.
#include <string>
#include <vector>

#include "ncbctl/deadline.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/plan.hpp"
#include "workflow/cluster_ports.hpp"

namespace ncbctl::workflow {

struct PreflightReport {
    std::vector<std::string> lines;  // one finding each (format_finding)
    std::vector<Params> details;     // finding, severity, nodes, fix; same order
    bool ok = true;                  // no error among them
    std::string error;               // the step's failure, when !ok
};

PreflightReport run_cluster_preflight(const Inventory& inv, ClusterPorts ports, bool strict, const Deadline& d);

}  // namespace ncbctl::workflow
