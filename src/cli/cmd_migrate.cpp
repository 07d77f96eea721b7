// `ncbctl migrate rules|create|apply`: NocoBase's Migration manager (a commercial plugin) behind a
// capability check: when the plugin is not enabled on the node, exit 3 (Preflight) with one line saying
// so and nothing else happens. Only the capability check was verified live (docs/maintain.md).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/cluster_lock.hpp"
#include "cli/context.hpp"
#include "nocobase/client.hpp"  // the Migration manager API is not a port yet
#include "run/cluster_lock.hpp"
#include "run/journal.hpp"
#include "wiring/wiring.hpp"

namespace ncbctl::cli {
namespace {

using namespace std::chrono_literals;

struct MigrateFlags {
    std::string node;
    std::string rule;
    std::string title;
    std::string file;
};

ExitCode migrate(const Context& ctx, const MigrateFlags& f, const std::string& what) {
    auto inv = ctx.load();
    if (!inv) return ExitCode::Usage;
    const Node* node = f.node.empty() ? &inv->canary_node() : inv->find_node(f.node);
    if (node == nullptr) {
        std::cerr << "ncbctl: --node " << f.node << " is not a node of " << inv->source_path << '\n';
        return ExitCode::Usage;
    }
    auto client = nocobase::make_app_client(*node, *inv);
    const Deadline deadline = Deadline::after(std::chrono::duration_cast<Duration>(inv->timeouts.upgrade));
    auto available = client->migration_available(Deadline::after(60s));
    if (!available) {
        std::cerr << "ncbctl: node " << node->name << ": " << available.error().message << '\n';
        return ExitCode::Preflight;
    }
    if (!*available) {
        std::cerr << "ncbctl: node " << node->name
                  << ": the Migration manager (commercial plugin @nocobase/plugin-migration-manager) is not enabled; "
                     "install and enable it under a NocoBase licence, then run ncbctl migrate again\n";
        return ExitCode::Preflight;
    }
    if (what == "rules") {
        auto rules = client->migration_rules(deadline);
        if (!rules) {
            std::cerr << "ncbctl: " << rules.error().message << '\n';
            return ExitCode::Failed;
        }
        for (const auto& r : *rules) std::cout << r.id << '\t' << r.name << '\n';
        return ExitCode::Ok;
    }
    // Changes go under the cluster lock like every workflow.
    auto lock = hold_cluster_lock(ctx, *inv, "migrate " + what, Duration{0});
    if (!lock) {
        std::cerr << "ncbctl: " << lock.error().message << '\n';
        return lock.error().exit;
    }
    if (what == "create") {
        auto name = client->migration_create(f.rule, f.title, deadline);
        if (!name) {
            std::cerr << "ncbctl: " << name.error().message << '\n';
            return ExitCode::Failed;
        }
        const std::string dir = inv->backup.destination.empty() ? "." : inv->backup.destination;
        const std::string path = (std::filesystem::path(dir) / *name).string();
        auto sum = client->migration_download(*name, path, deadline);
        if (!sum) {
            std::cerr << "ncbctl: " << sum.error().message << '\n';
            return ExitCode::Failed;
        }
        std::cout << "migration " << path << " sha256 " << *sum << '\n';
        return ExitCode::Ok;
    }
    auto check = client->migration_check(f.file, deadline);
    if (!check) {
        std::cerr << "ncbctl: " << check.error().message << '\n';
        return ExitCode::Preflight;
    }
    if (auto st = client->migration_execute(f.file, deadline); !st) {
        std::cerr << "ncbctl: " << st.error().message << '\n';
        return ExitCode::Failed;
    }
    std::cout << "migration " << f.file << " applied on node " << node->name << '\n';
    return ExitCode::Ok;
}

}  // namespace

void register_migrate(CLI::App& app, Context& ctx) {
    auto f = std::make_shared<MigrateFlags>();
    auto* cmd = app.add_subcommand("migrate", "Migration manager (commercial plugin): rules, create, apply");
    cmd->require_subcommand(1);
    cmd->add_option("--node", f->node, "Node to talk to (default: the canary)");
    auto* rules = cmd->add_subcommand("rules", "List the migration rules");
    rules->callback([&ctx, f] { ctx.action = [&ctx, f] { return migrate(ctx, *f, "rules"); }; });
    auto* create = cmd->add_subcommand("create", "Generate a migration file with a rule and download it");
    create->add_option("--rule", f->rule, "Rule id")->required();
    create->add_option("--title", f->title, "Title");
    create->callback([&ctx, f] { ctx.action = [&ctx, f] { return migrate(ctx, *f, "create"); }; });
    auto* apply = cmd->add_subcommand("apply", "Check then execute a migration file on the node");
    apply->add_option("FILE", f->file, "Migration file")->required()->check(CLI::ExistingFile);
    apply->callback([&ctx, f] { ctx.action = [&ctx, f] { return migrate(ctx, *f, "apply"); }; });
}

}  // namespace ncbctl::cli
