// `ncbctl backup run|download|list|verify|prune|restore` for cron and CI (docs/backup.md): flags, then one use
// case of src/workflow/backup_jobs.hpp over the real ports (wiring::make_backup_ports) and the cluster lock;
// restore is the maintain workflow with one restore.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/cluster_lock.hpp"
#include "cli/context.hpp"
#include "cli/maintain_command.hpp"
#include "util/backup_names.hpp"
#include "wiring/wiring.hpp"
#include "workflow/backup_jobs.hpp"

namespace ncbctl::cli {
namespace {

namespace fs = std::filesystem;

struct CommonFlags {
    std::string dest;
    std::string lock_wait = "0";
};

struct BackupRunFlags {
    CommonFlags common;
    workflow::BackupRunRequest req;
    std::string ping;
};

struct DownloadFlags {
    CommonFlags common;
    std::string name;
    std::string node;
};

struct VerifyFlags {
    CommonFlags common;
    std::string file;
    bool latest = false;
};

struct PruneFlags {
    CommonFlags common;
    workflow::PruneRequest req;
};

// Loads the inventory, builds the ports and the log, and runs `job` with them; exit 2 when the inventory
// does not load.
template <typename Job>
ExitCode with_job(const Context& ctx, const CommonFlags& flags, bool quiet, const std::string& ping, Job job) {
    auto inv = ctx.load();
    if (!inv) return ExitCode::Usage;
    auto ports = wiring::make_backup_ports(*inv, ping);
    ports.lock = job_lock(ctx, *inv, flags.lock_wait);
    workflow::JobLog log(quiet);
    return job(workflow::BackupJob{*inv, ports, log, flags.dest});
}

nlohmann::json entry_json(const BackupEntry& e) {
    return {{"name", e.name},
            {"path", e.path},
            {"kind", e.kind},
            {"created", backup::utc_iso(e.time)},
            {"bytes", e.bytes},
            {"verified", e.verified},
            {"sha256", e.sha256},
            {"verified_by", e.verified_by},
            {"restorable_at", e.restorable_at},
            {"restorable_by", e.restorable_by}};
}

ExitCode list_cmd(const Context& ctx, const CommonFlags& flags) {
    return with_job(ctx, flags, false, "", [&ctx](const workflow::BackupJob& job) {
        auto listing = workflow::list_backups(job);
        if (!listing) return listing.error();
        if (ctx.format() == OutputFormat::Json) {
            nlohmann::json arr = nlohmann::json::array();
            for (const auto& e : listing->entries) arr.push_back(entry_json(e));
            std::cout << arr.dump(2) << '\n';
            return ExitCode::Ok;
        }
        if (listing->entries.empty()) {
            std::cout << "no backups of cluster " << job.inv.cluster << " in " << listing->dest << '\n';
            return ExitCode::Ok;
        }
        for (const auto& e : listing->entries) {
            std::printf("%-44s %-8s %10s  %-10s %s\n", e.name.c_str(), e.kind.c_str(),
                        backup::human_bytes(e.bytes).c_str(), e.verified ? "verified" : "UNVERIFIED",
                        e.restorable_at.empty() ? "" : ("restorable " + e.restorable_at).c_str());
        }
        return ExitCode::Ok;
    });
}

ExitCode prune_cmd(const Context& ctx, PruneFlags flags) {
    flags.req.print = ctx.format() != OutputFormat::Json;
    return with_job(
        ctx, flags.common, ctx.opts.quiet && !flags.req.dry_run, "", [&ctx, &flags](const workflow::BackupJob& job) {
            auto out = workflow::prune_backups(job, flags.req);
            if (out.decided && ctx.format() == OutputFormat::Json) {
                nlohmann::json arr = nlohmann::json::array();
                for (const auto& r : out.rows)
                    arr.push_back({{"name", r.name}, {"keep", r.keep}, {"reason", r.reason}, {"bytes", r.bytes}});
                std::cout << arr.dump(2) << '\n';
            }
            return out.code;
        });
}

void add_common(CLI::App& cmd, CommonFlags& f, bool lock) {
    cmd.add_option("--dest", f.dest, "Backup directory (default: the inventory's backup.destination)");
    if (lock)
        cmd.add_option("--lock-wait", f.lock_wait,
                       "Wait this long for the cluster lock (30s, 5m); past it the job is skipped with exit 4")
            ->capture_default_str();
}

}  // namespace

void register_backup(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("backup", "Backups for cron and CI: run, list, verify, prune, restore");
    cmd->require_subcommand(1);

    auto rf = std::make_shared<BackupRunFlags>();
    auto* run = cmd->add_subcommand("run", "Take a backup (database dump or the app's Backup manager) under the lock");
    run->add_option("--method", rf->req.method, "database (pg_dump/mysqldump) or api (Backup manager on a ready node)")
        ->check(CLI::IsMember({"database", "api"}));
    run->add_option("--node", rf->req.node, "api: the node that makes the backup (default: the first ready one)");
    run->add_option("--ping", rf->ping, "Healthchecks-style base URL: URL/start, URL on success, URL/fail");
    run->add_flag("--delete-on-node", rf->req.delete_on_node,
                  "api: delete the app's copy once downloaded and verified");
    add_common(*run, rf->common, true);
    run->callback([&ctx, rf] {
        ctx.action = [&ctx, rf] {
            return with_job(ctx, rf->common, ctx.opts.quiet, rf->ping,
                            [rf](const workflow::BackupJob& job) { return workflow::run_backup(job, rf->req); });
        };
    });

    auto df = std::make_shared<DownloadFlags>();
    auto* download = cmd->add_subcommand(
        "download", "Download a backup the app holds (backups:list) into the destination, verified, with a manifest");
    download->add_option("NAME", df->name, "Backup name, e.g. backup_20261126_003317_9301.nbdata")->required();
    download->add_option("--node", df->node, "Node to download from (default: the first ready one)");
    add_common(*download, df->common, true);
    download->callback([&ctx, df] {
        ctx.action = [&ctx, df] {
            return with_job(ctx, df->common, ctx.opts.quiet, "", [df](const workflow::BackupJob& job) {
                return workflow::download_backup(job, df->name, df->node);
            });
        };
    });

    auto lf = std::make_shared<CommonFlags>();
    auto* list = cmd->add_subcommand("list", "Backups of this cluster, newest first (verified, size, last proof)");
    add_common(*list, *lf, false);
    list->callback([&ctx, lf] { ctx.action = [&ctx, lf] { return list_cmd(ctx, *lf); }; });

    auto vf = std::make_shared<VerifyFlags>();
    auto* verify = cmd->add_subcommand(
        "verify", "Prove a backup restorable (scratch-database restore / archive re-check); records it");
    verify->add_option("FILE", vf->file, "Backup file");
    verify->add_flag("--latest", vf->latest, "The newest backup of the destination");
    add_common(*verify, vf->common, true);
    verify->callback([&ctx, vf] {
        ctx.action = [&ctx, vf] {
            return with_job(ctx, vf->common, ctx.opts.quiet, "", [vf](const workflow::BackupJob& job) {
                return workflow::verify_backup(job, vf->file, vf->latest);
            });
        };
    });

    auto pf = std::make_shared<PruneFlags>();
    auto* prune = cmd->add_subcommand("prune", "Delete backups outside the retention (never the newest verified)");
    prune->add_flag("--dry-run", pf->req.dry_run, "Print what would be deleted");
    prune->add_option("--keep-last", pf->req.keep_last, "Override backup.retention.keep_last");
    prune->add_option("--keep-daily", pf->req.keep_daily, "Override backup.retention.keep_daily");
    prune->add_option("--keep-weekly", pf->req.keep_weekly, "Override backup.retention.keep_weekly");
    add_common(*prune, pf->common, true);
    prune->callback([&ctx, pf] { ctx.action = [&ctx, pf] { return prune_cmd(ctx, *pf); }; });

    // The maintain workflow with one restore: the other nodes are stopped while the canary restores.
    struct RestoreFlags {
        MaintainFlags m;
        std::string target;
    };
    auto rsf = std::make_shared<RestoreFlags>();
    auto* restore = cmd->add_subcommand(
        "restore", "Restore an app backup (a name on the node, or a local .nbdata file) with the others stopped");
    restore->add_option("NAME|FILE", rsf->target, "Backup name from backups:list, or a downloaded .nbdata")->required();
    add_maintain_flags(*restore, rsf->m);
    restore->callback([&ctx, rsf] {
        ctx.action = [&ctx, rsf] {
            std::string t = rsf->target;
            if (t.ends_with(".nbdata") && fs::exists(t)) t = fs::absolute(t).string();
            auto a = plan::parse_maintain_action("restore:" + t);
            if (!a) {
                std::cerr << "ncbctl: " << a.error().message << '\n';
                return ExitCode::Usage;
            }
            rsf->m.args.actions = {*a};
            return maintain_command(ctx, rsf->m);
        };
    });
}

}  // namespace ncbctl::cli
