// `ncbctl plugin add|enable|disable|remove NAME...` (the maintain workflow with one action per name) and
// `ncbctl plugin list` (each node's view, read only: no scale-down).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <map>
#include <memory>

#include "cli/maintain_command.hpp"
#include "wiring/plugin_package.hpp"
#include "wiring/wiring.hpp"

namespace ncbctl::cli {
namespace {

using namespace std::chrono_literals;

ExitCode list_plugins(const Context& ctx, bool all) {
    auto inv = ctx.load();
    if (!inv) return ExitCode::Usage;
    // plugin -> node -> "enabled 1.8.27" / "disabled 1.8.27"; a node that does not answer is reported once.
    std::map<std::string, std::map<std::string, PluginInfo>> table;
    std::map<std::string, std::string> down;
    for (const auto& n : inv->nodes) {
        auto list = wiring::make_app_client(n, *inv)->plugins(Deadline::after(30s));
        if (!list) {
            down[n.name] = list.error().message;
            continue;
        }
        for (const auto& p : *list)
            if (all || !p.built_in) table[p.name][n.name] = p;
    }
    if (ctx.format() == OutputFormat::Json) {
        nlohmann::json out{{"plugins", nlohmann::json::object()}, {"unreachable", down}};
        for (const auto& [name, nodes] : table)
            for (const auto& [node, p] : nodes)
                out["plugins"][name][node] = {{"enabled", p.enabled},
                                              {"installed", p.installed},
                                              {"version", p.version},
                                              {"package", p.package_name}};
        std::cout << out.dump(2) << '\n';
    } else {
        std::printf("%-36s", "PLUGIN");
        for (const auto& n : inv->nodes) std::printf(" %-22s", n.name.c_str());
        std::printf("\n");
        for (const auto& [name, nodes] : table) {
            std::printf("%-36s", name.c_str());
            for (const auto& n : inv->nodes) {
                auto it = nodes.find(n.name);
                std::string cell = down.contains(n.name) ? "?"
                                   : it == nodes.end()   ? "-"
                                                         : std::string(it->second.enabled     ? "enabled "
                                                                       : it->second.installed ? "disabled "
                                                                                              : "not installed ") +
                                                             it->second.version;
                std::printf(" %-22s", cell.c_str());
            }
            std::printf("\n");
        }
        for (const auto& [node, why] : down) std::fprintf(stderr, "warning: node %s: %s\n", node.c_str(), why.c_str());
    }
    return down.size() == inv->nodes.size() ? ExitCode::Failed : ExitCode::Ok;
}

void add_shortcut(CLI::App& parent, Context& ctx, const std::string& verb, const std::string& help) {
    struct Flags {
        MaintainFlags m;
        std::vector<std::string> names;
    };
    auto flags = std::make_shared<Flags>();
    auto* cmd = parent.add_subcommand(verb, help);
    cmd->add_option(
           "NAME", flags->names,
           verb == "add" ? "npm package, e.g. @nocobase/plugin-sample-hello" : "plugin name (sample-hello) or package")
        ->required();
    if (verb == "add")
        cmd->add_option("--registry", flags->m.args.registry, "npm registry URL the node downloads from")
            ->envname("NPM_CONFIG_REGISTRY")
            ->required();
    add_maintain_flags(*cmd, flags->m);
    cmd->callback([&ctx, flags, verb] {
        ctx.action = [&ctx, flags, verb] {
            flags->m.args.actions.clear();
            for (const auto& n : flags->names) {
                auto a = plan::parse_maintain_action(verb + ":" + n);
                if (!a) {
                    std::cerr << "ncbctl: " << a.error().message << '\n';
                    return ExitCode::Usage;
                }
                flags->m.args.actions.push_back(*a);
            }
            return maintain_command(ctx, flags->m);
        };
    });
}

// `plugin upgrade NAME[@VERSION]... | FILE.tgz...`: pm:update on the canary, then the canary restarts with
// NocoBase's upgrade marker (plugin migrations), then the others start on the new code.
void add_upgrade(CLI::App& parent, Context& ctx) {
    struct Flags {
        MaintainFlags m;
        std::vector<std::string> targets;
        std::string version;
    };
    auto flags = std::make_shared<Flags>();
    auto* cmd = parent.add_subcommand(
        "upgrade", "Upgrade plugins (pm:update on one node, which restarts and migrates; the others restart)");
    cmd->add_option("PLUGIN", flags->targets,
                    "plugin name or package, NAME@VERSION, or a package file (.tgz from `npm pack`)")
        ->required();
    cmd->add_option("--registry", flags->m.args.registry, "npm registry URL the node downloads from")
        ->envname("NPM_CONFIG_REGISTRY");
    cmd->add_option("--version", flags->version, "version to install (one PLUGIN only; default: the latest)");
    add_maintain_flags(*cmd, flags->m);
    cmd->callback([&ctx, flags] {
        ctx.action = [&ctx, flags] {
            auto usage = [](const std::string& msg) {
                std::cerr << "ncbctl: " << msg << '\n';
                return ExitCode::Usage;
            };
            if (!flags->version.empty() && flags->targets.size() != 1)
                return usage("plugin upgrade: --version applies to one plugin; write NAME@VERSION for several");
            flags->m.args.actions.clear();
            flags->m.args.files.clear();
            for (const auto& t : flags->targets) {
                std::string target = t;
                if (wiring::looks_like_package_file(t)) {
                    auto pkg = wiring::read_plugin_package(t);
                    if (!pkg) return usage(pkg.error().message);
                    flags->m.args.files[pkg->name] = pkg->path;
                    target = pkg->name + "@" + pkg->version;
                } else if (!flags->version.empty()) {
                    target += "@" + flags->version;
                }
                auto a = plan::parse_maintain_action("upgrade:" + target);
                if (!a) return usage(a.error().message);
                flags->m.args.actions.push_back(*a);
            }
            return maintain_command(ctx, flags->m);
        };
    });
}

}  // namespace

void register_plugin(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("plugin", "Plugins: cluster view, and add/enable/disable/remove through maintain");
    cmd->require_subcommand(1);
    auto all = std::make_shared<bool>(false);
    auto* list = cmd->add_subcommand("list", "Enabled/version of each plugin on every node (read only)");
    list->add_flag("--all", *all, "Include built-in plugins");
    list->callback([&ctx, all] { ctx.action = [&ctx, all] { return list_plugins(ctx, *all); }; });
    add_shortcut(*cmd, ctx, "add", "Download plugins onto the cluster (maintain: add on one node, others restart)");
    add_shortcut(*cmd, ctx, "enable", "Enable plugins: on one node while the others are stopped, then all verified");
    add_shortcut(*cmd, ctx, "disable", "Disable plugins (same procedure)");
    add_shortcut(*cmd, ctx, "remove", "Remove plugins (disabled first when enabled; same procedure)");
    add_upgrade(*cmd, ctx);
}

}  // namespace ncbctl::cli
