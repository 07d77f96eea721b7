// `ncbctl maintain [--canary N] [--registry URL] -- VERB:TARGET...`: the in-app maintenance procedure
// (docs/maintain.md) around any list of plugin and restore actions. The shortcuts
// (`plugin add|enable|disable|remove`, `backup restore`) build the same plan through maintain_command().
#include "cli/maintain_command.hpp"
#include "wiring/plugin_package.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

namespace ncbctl::cli {

void add_maintain_flags(CLI::App& cmd, MaintainFlags& flags) {
    cmd.add_option("--canary", flags.args.canary, "The node that stays up and performs the actions");
    cmd.add_flag("--force", flags.args.force,
                 "Run the cycle even when every action's target state holds already (otherwise: nothing changes, "
                 "exit 0)");
    cmd.add_flag("--strict", flags.args.strict,
                 "The cluster preflight's warnings are errors (exit 3; docs/preflight.md)");
    add_workflow_flags(cmd, flags.wf);
}

ExitCode maintain_command(const Context& ctx, const MaintainFlags& flags) {
    return run_workflow(
        ctx, [&flags](const Inventory& inv) { return plan::build_maintain(inv, flags.args); }, flags.wf);
}

void register_maintain(CLI::App& app, Context& ctx) {
    struct Flags {
        MaintainFlags m;
        std::vector<std::string> actions;
    };
    auto flags = std::make_shared<Flags>();
    auto* cmd = app.add_subcommand("maintain",
                                   "In-app maintenance: pin traffic to one node, stop the others, act through the "
                                   "API, verify, start the others, verify all, live");
    cmd->add_option(
           "ACTIONS", flags->actions,
           "add:PACKAGE enable:NAME disable:NAME remove:NAME upgrade:NAME[@VERSION]|FILE.tgz restore:BACKUP (in "
           "order)")
        ->required();
    cmd->add_option("--registry", flags->m.args.registry, "npm registry URL the node downloads added plugins from");
    add_maintain_flags(*cmd, flags->m);
    cmd->callback([&ctx, flags] {
        ctx.action = [&ctx, flags] {
            flags->m.args.actions.clear();
            flags->m.args.files.clear();
            for (const auto& a : flags->actions) {
                auto parsed = plan::parse_maintain_action(a);
                if (!parsed) {
                    std::cerr << "ncbctl: " << parsed.error().message << '\n';
                    return ExitCode::Usage;
                }
                if (parsed->kind == "plugin_update" && wiring::looks_like_package_file(parsed->target)) {
                    auto pkg = wiring::read_plugin_package(parsed->target);
                    if (!pkg) {
                        std::cerr << "ncbctl: " << pkg.error().message << '\n';
                        return ExitCode::Usage;
                    }
                    flags->m.args.files[pkg->name] = pkg->path;
                    parsed->target = pkg->name + "@" + pkg->version;
                }
                flags->m.args.actions.push_back(*parsed);
            }
            return maintain_command(ctx, flags->m);
        };
    });
}

}  // namespace ncbctl::cli
