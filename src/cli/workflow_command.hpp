#pragma once
// What every plan-running command (upgrade, start, stop, maintain...) does around its plan: load the
// inventory, build and select the plan, confirm (a terminal asks; elsewhere --yes is required), take
// the lock, run with the real action runner, map the outcome to the exit-code table.
#include <functional>

#include "cli/context.hpp"
#include "cli/run_options.hpp"
#include "ncbctl/plan.hpp"
#include "plan/selection.hpp"

namespace CLI {
class App;
}

namespace ncbctl::cli {

struct WorkflowFlags {
    RunFlags run;
    plan::PhaseSelection selection;
};

void add_workflow_flags(CLI::App& cmd, WorkflowFlags& flags);

using PlanBuilder = std::function<Result<Plan>(const Inventory&)>;

ExitCode run_workflow(const Context& ctx, const PlanBuilder& build, const WorkflowFlags& flags);

}  // namespace ncbctl::cli
