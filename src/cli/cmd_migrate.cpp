// `ncbctl migrate rules|create|apply`: NocoBase's Migration manager (a commercial plugin) behind a
// capability check (src/workflow/migrate_job.hpp): flags, then the use case over the node's Migration manager
// (src/wiring) and the cluster lock. Only the capability check was verified live (docs/maintain.md).
#include <CLI/CLI.hpp>

#include <memory>

#include "cli/cluster_lock.hpp"
#include "cli/context.hpp"
#include "wiring/wiring.hpp"
#include "workflow/migrate_job.hpp"

namespace ncbctl::cli {
namespace {

ExitCode migrate(const Context& ctx, workflow::MigrateRequest req, const std::string& what) {
    auto inv = ctx.load();
    if (!inv) return ExitCode::Usage;
    workflow::MigratePorts ports{
        .lock = job_lock(ctx, *inv, Duration{0}),
        .manager = [&inv](const Node& n) { return wiring::make_migration_manager(n, *inv); },
    };
    req.what = what;
    return workflow::migrate(*inv, ports, req);
}

}  // namespace

void register_migrate(CLI::App& app, Context& ctx) {
    auto f = std::make_shared<workflow::MigrateRequest>();
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
