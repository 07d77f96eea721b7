// `ncbctl plan upgrade --to V | start | stop`: the exact steps a workflow would run, touching nothing.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

#include "cli/context.hpp"
#include "plan/render.hpp"
#include "plan/selection.hpp"
#include "plan/traffic_workflows.hpp"
#include "plan/workflows.hpp"
#include "run/session.hpp"

namespace ncbctl::cli {
namespace {

struct PlanFlags {
    plan::UpgradeArgs upgrade;
    plan::PhaseSelection selection;
};

void add_selection(CLI::App* cmd, plan::PhaseSelection& sel) {
    cmd->add_option("--only-phase", sel.only, "Only this phase (preflight always runs)");
    cmd->add_option("--from-phase", sel.from, "From this phase on");
    cmd->add_option("--until-phase", sel.until, "Up to and including this phase");
}

ExitCode print_plan(const Context& ctx, const std::function<Result<Plan>(const Inventory&)>& build,
                    const plan::PhaseSelection& sel) {
    auto inv = ctx.load();
    if (!inv) return ExitCode::Usage;
    auto full = build(*inv);
    if (!full) {
        std::cerr << "ncbctl: " << full.error().message << '\n';
        return ExitCode::Usage;
    }
    auto satisfied =
        sel.empty() ? std::set<std::string>{} : run::satisfied_phases(ctx.state_dir_for(inv->cluster), *full);
    auto selected = plan::select_phases(*full, sel, satisfied);
    if (!selected) {
        std::cerr << "ncbctl: " << selected.error().message << '\n';
        return ExitCode::Usage;
    }
    if (ctx.format() == OutputFormat::Json)
        std::cout << plan::to_json(*selected).dump(2) << '\n';
    else
        std::cout << plan::render_text(*selected);
    return ExitCode::Ok;
}

}  // namespace

void register_plan(CLI::App& app, Context& ctx) {
    auto* cmd =
        app.add_subcommand("plan", "Print the exact steps of a workflow (text or --output json), touching nothing");
    cmd->require_subcommand(1);
    auto flags = std::make_shared<PlanFlags>();  // lives as long as the callbacks

    auto* up =
        cmd->add_subcommand("upgrade", "The version upgrade: stop+503, backup, upgrade, canary, verify, fan-out, live");
    up->add_option("--to", flags->upgrade.to, "Target version (image tag / release)")->required();
    up->add_option("--canary", flags->upgrade.canary, "Canary node (default: the inventory's)");
    up->add_flag("--no-rollback", flags->upgrade.no_rollback,
                 "On failure after the window opened, leave it for a human");
    up->add_flag("--early-traffic", flags->upgrade.early_traffic,
                 "After verify, the canary serves alone while the others start");
    up->add_flag("--force", flags->upgrade.force, "No forecast: the upgrade runs even when every node has --to");
    add_selection(up, flags->selection);
    up->callback([&ctx, flags] {
        ctx.action = [&ctx, flags] {
            return print_plan(
                ctx, [flags](const Inventory& inv) { return plan::build_upgrade(inv, flags->upgrade); },
                flags->selection);
        };
    });

    auto* start = cmd->add_subcommand("start", "First start: one node, ready, then the others, then traffic");
    add_selection(start, flags->selection);
    start->callback(
        [&ctx, flags] { ctx.action = [&ctx, flags] { return print_plan(ctx, plan::build_start, flags->selection); }; });

    auto* stop = cmd->add_subcommand("stop", "Full stop: traffic to maintenance, every node stopped");
    add_selection(stop, flags->selection);
    stop->callback(
        [&ctx, flags] { ctx.action = [&ctx, flags] { return print_plan(ctx, plan::build_stop, flags->selection); }; });

    // `ncbctl traffic maintenance|live|pin NODE` as plans (their workflow names, as journaled).
    using Builder = Result<Plan> (*)(const Inventory&);
    for (const auto& [name, fn] :
         {std::pair<const char*, Builder>{"traffic-maintenance", plan::build_traffic_maintenance},
          std::pair<const char*, Builder>{"traffic-live", plan::build_traffic_live}}) {
        const Builder build = fn;
        cmd->add_subcommand(name, "The load balancer switch of `ncbctl traffic`")->callback([&ctx, flags, build] {
            ctx.action = [&ctx, flags, build] { return print_plan(ctx, build, flags->selection); };
        });
    }
    auto node = std::make_shared<std::string>();
    auto* pin = cmd->add_subcommand("traffic-pin", "Only --node serves (`ncbctl traffic pin NODE`)");
    pin->add_option("--node", *node, "Inventory node")->required();
    pin->callback([&ctx, flags, node] {
        ctx.action = [&ctx, flags, node] {
            return print_plan(
                ctx, [node](const Inventory& inv) { return plan::build_traffic_pin(inv, *node); }, flags->selection);
        };
    });
}

}  // namespace ncbctl::cli
