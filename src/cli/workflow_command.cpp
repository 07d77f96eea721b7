#include "cli/workflow_command.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "cli/run_setup.hpp"
#include "plan/render.hpp"
#include "run/journal.hpp"
#include "run/session.hpp"

namespace ncbctl::cli {
namespace {

// A terminal gets the runbook and a question; anything else must say --yes (CI, timers).
bool confirmed(const Context& ctx, const Plan& plan) {
    if (ctx.opts.yes) return true;
    if (::isatty(STDIN_FILENO) == 0) {
        std::cerr << "ncbctl: " << plan.workflow
                  << " changes the cluster and standard input is not a terminal: pass --yes to run it "
                     "non-interactively (review it first with `ncbctl plan "
                  << plan.workflow << "`)\n";
        return false;
    }
    std::cerr << plan::render_text(plan) << "\nProceed? [y/N] " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    return answer == "y" || answer == "Y" || answer == "yes";
}

}  // namespace

void add_workflow_flags(CLI::App& cmd, WorkflowFlags& flags) {
    add_run_flags(cmd, flags.run);
    cmd.add_option("--only-phase", flags.selection.only, "Run only this phase (CI); safety rules still apply");
    cmd.add_option("--from-phase", flags.selection.from, "Start at this phase (earlier phases must have succeeded)");
    cmd.add_option("--until-phase", flags.selection.until, "Stop after this phase");
}

ExitCode run_workflow(const Context& ctx, const PlanBuilder& build, const WorkflowFlags& flags) {
    auto inv = ctx.load();
    if (!inv) return ExitCode::Usage;
    auto opts = session_options(ctx, *inv, flags.run);
    if (!opts) {
        std::cerr << "ncbctl: " << opts.error().message << '\n';
        return ExitCode::Usage;
    }
    auto full = build(*inv);
    if (!full) {
        std::cerr << "ncbctl: " << full.error().message << '\n';
        return ExitCode::Usage;
    }
    auto satisfied = flags.selection.empty() ? std::set<std::string>{} : run::satisfied_phases(opts->state_dir, *full);
    auto plan = plan::select_phases(*full, flags.selection, satisfied);
    if (!plan) {
        std::cerr << "ncbctl: " << plan.error().message << '\n';
        return ExitCode::Usage;
    }
    if (!confirmed(ctx, *plan)) return ExitCode::Usage;
    opts->run_id = new_run_id();
    auto setup = make_run_setup(*inv, opts->state_dir, opts->run_id);
    if (!setup) return setup.error();
    return run::run_plan(*plan, *setup->runner, *setup->lock, *opts);
}

}  // namespace ncbctl::cli
