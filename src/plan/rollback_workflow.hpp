#pragma once
// `ncbctl rollback RUN`: take a finished upgrade back on demand. Everything the plan needs from that run
// (its verified backup, each node's previous version) travels in the plan's args, so the builder stays pure
// and `resume` rebuilds the same plan. rollback_args() reads them from the upgrade's journal.
#include <map>
#include <string>

#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/plan.hpp"
#include "run/journal.hpp"

namespace ncbctl::plan {

// Phases: preflight, maintenance, stop, restore (the run's database backup, and storage when it took one),
// rollback (each node back on its previous version), first (canary ready), rest, live.
Result<Plan> build_rollback(const Inventory& inv, const std::map<std::string, std::string>& args);

// From an upgrade's journal: Usage error when it is not an upgrade, has no verified backup or never
// deployed; `went_live` tells whether traffic reached the new version (newer data would be lost).
struct RollbackSource {
    std::map<std::string, std::string> args;
    bool went_live = false;
};
Result<RollbackSource> rollback_args(const RunRecord& upgrade);

}  // namespace ncbctl::plan
