// `ncbctl upgrade --to VERSION`: the version-upgrade procedure (docs/engine.md) with a verified backup,
// a canary and automatic rollback.
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/workflow_command.hpp"
#include "plan/workflows.hpp"

namespace ncbctl::cli {

void register_upgrade(CLI::App& app, Context& ctx) {
    struct Flags {
        plan::UpgradeArgs args;
        WorkflowFlags wf;
    };
    auto flags = std::make_shared<Flags>();
    auto* cmd = app.add_subcommand(
        "upgrade",
        "Upgrade every node: 503 -> stop -> verified backup -> deploy -> canary -> verify -> fan-out -> live");
    cmd->add_option("--to", flags->args.to, "Target version (image tag or release)")->required();
    cmd->add_option("--canary", flags->args.canary, "Node started first (default: the inventory's canary)");
    cmd->add_flag("--no-rollback", flags->args.no_rollback,
                  "On failure leave the cluster stopped in maintenance for a human (exit 6) instead of rolling back");
    cmd->add_flag("--early-traffic", flags->args.early_traffic,
                  "After verify, serve traffic from the canary alone while the other nodes start (shorter 503 window; "
                  "one node carries the load meanwhile)");
    cmd->add_flag("--force", flags->args.force,
                  "Run the upgrade even when every node runs --to already (otherwise: nothing changes, exit 0)");
    cmd->add_flag("--strict", flags->args.strict,
                  "The cluster preflight's warnings are errors (exit 3; docs/preflight.md)");
    add_workflow_flags(*cmd, flags->wf);
    cmd->callback([&ctx, flags] {
        ctx.action = [&ctx, flags] {
            return run_workflow(
                ctx, [flags](const Inventory& inv) { return plan::build_upgrade(inv, flags->args); }, flags->wf);
        };
    });
}

void register_start(CLI::App& app, Context& ctx) {
    auto flags = std::make_shared<WorkflowFlags>();
    auto* cmd = app.add_subcommand(
        "start", "First start: one node until ready (plugins installed), then the others, then traffic live");
    add_workflow_flags(*cmd, *flags);
    cmd->callback(
        [&ctx, flags] { ctx.action = [&ctx, flags] { return run_workflow(ctx, plan::build_start, *flags); }; });
}

void register_stop(CLI::App& app, Context& ctx) {
    auto flags = std::make_shared<WorkflowFlags>();
    auto* cmd = app.add_subcommand("stop", "Traffic to the maintenance page, then every node stopped");
    add_workflow_flags(*cmd, *flags);
    cmd->callback(
        [&ctx, flags] { ctx.action = [&ctx, flags] { return run_workflow(ctx, plan::build_stop, *flags); }; });
}

}  // namespace ncbctl::cli
