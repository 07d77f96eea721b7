#pragma once
// Phase selection for CI (--only-phase / --from-phase / --until-phase). Failure semantics: a selection that
// names an unknown phase or breaks a safety rule (a phase whose `needs` neither run before it in this
// selection nor succeeded earlier for the same plan) is a Usage error (exit 2) saying what to run instead.
#include <set>
#include <string>

#include "ncbctl/error.hpp"
#include "ncbctl/plan.hpp"

namespace ncbctl::plan {

struct PhaseSelection {
    std::string only, from, until;
    [[nodiscard]] bool empty() const { return only.empty() && from.empty() && until.empty(); }
};

// Keeps the selected phases (plus `always` phases). `satisfied`: phases that succeeded in an earlier run
// of the same workflow, args and inventory. The selection is recorded in the plan's args.
Result<Plan> select_phases(const Plan& plan, const PhaseSelection& sel, const std::set<std::string>& satisfied);

}  // namespace ncbctl::plan
