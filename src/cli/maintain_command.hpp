#pragma once
// What `maintain` and its shortcuts (plugin add|enable|disable|remove, backup restore) share: the
// maintain plan's arguments plus the workflow flags, run through run_workflow (confirm, lock, run).
#include "cli/workflow_command.hpp"
#include "plan/maintain.hpp"

namespace ncbctl::cli {

struct MaintainFlags {
    plan::MaintainArgs args;
    WorkflowFlags wf;
};

void add_maintain_flags(CLI::App& cmd, MaintainFlags& flags);
ExitCode maintain_command(const Context& ctx, const MaintainFlags& flags);

}  // namespace ncbctl::cli
