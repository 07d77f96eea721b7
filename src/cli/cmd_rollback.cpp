// `ncbctl rollback [RUN]`: take a finished upgrade back on demand (its verified backup restored, every node
// back on its previous version). Refused once traffic went live on the new version — data written since
// would be lost — unless --force, confirmed by typing the cluster name (or --yes).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/workflow_command.hpp"
#include "plan/rollback_workflow.hpp"
#include "run/journal.hpp"

namespace ncbctl::cli {
namespace {

struct RollbackFlags {
    std::string run_id;
    bool force = false;
    WorkflowFlags wf;
};

ExitCode rollback(const Context& ctx, const RollbackFlags& flags) {
    auto inv = ctx.load();
    if (!inv) return ExitCode::Usage;
    const std::string state = ctx.state_dir_for(inv->cluster);
    std::optional<RunRecord> run;
    for (auto& r : list_runs(state)) {
        // The newest upgrade that changed something: one that found every node at --to already did nothing.
        if (flags.run_id.empty() ? r.workflow == "upgrade" && r.changed : r.run_id == flags.run_id) {
            run = std::move(r);
            break;
        }
    }
    if (!run) {
        std::cerr << "ncbctl: " << (flags.run_id.empty() ? "no upgrade run" : "no run " + flags.run_id) << " in "
                  << runs_dir(state) << " (see `ncbctl runs list`)\n";
        return ExitCode::Usage;
    }
    auto src = plan::rollback_args(*run);
    if (!src) {
        std::cerr << "ncbctl: " << src.error().message << '\n';
        return ExitCode::Usage;
    }
    if (src->went_live) {
        if (!flags.force) {
            std::cerr << "ncbctl: run " << run->run_id << " (" << run->command
                      << ") already gave traffic back: rolling back restores its backup and loses every change made "
                         "since. Pass --force to do it anyway.\n";
            return ExitCode::Usage;
        }
        if (!ctx.opts.yes) {
            if (::isatty(STDIN_FILENO) == 0) {
                std::cerr << "ncbctl: --force rollback needs --yes when standard input is not a terminal\n";
                return ExitCode::Usage;
            }
            std::cerr << "Every change made since run " << run->run_id
                      << " went live will be lost.\nType the cluster name (" << inv->cluster
                      << ") to confirm: " << std::flush;
            std::string typed;
            std::getline(std::cin, typed);
            if (typed != inv->cluster) {
                std::cerr << "ncbctl: not confirmed; nothing done\n";
                return ExitCode::Usage;
            }
        }
    }
    auto args = src->args;
    return run_workflow(
        ctx, [args](const Inventory& i) { return plan::build_rollback(i, args); }, flags.wf);
}

}  // namespace

void register_rollback(CLI::App& app, Context& ctx) {
    auto flags = std::make_shared<RollbackFlags>();
    auto* cmd = app.add_subcommand("rollback",
                                   "Take a finished upgrade back: its backup restored, every node on its "
                                   "previous version (default: the newest upgrade run that changed something)");
    cmd->add_option("RUN", flags->run_id, "Upgrade run id (see `ncbctl runs list`)")
        ->check(CLI::Validator(run_id_problem, "RUN"));
    cmd->add_flag("--force", flags->force,
                  "Roll back even though traffic went live since (changes made since are lost)");
    add_workflow_flags(*cmd, flags->wf);
    cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return rollback(ctx, *flags); }; });
}

}  // namespace ncbctl::cli
