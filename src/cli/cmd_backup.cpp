// `ncbctl backup run|download|list|verify|prune|restore` for cron and CI (docs/backup.md). run and verify and prune
// take the cluster lock every workflow takes, so a backup never overlaps an upgrade: when another run holds it, the job
// is skipped with exit 4 (LockHeld) and sends no ping.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include "backup/catalog.hpp"
#include "backup/database_dump.hpp"
#include "backup/ping.hpp"
#include "backup/retention.hpp"
#include "cli/cluster_lock.hpp"
#include "cli/context.hpp"
#include "cli/maintain_command.hpp"
#include "cli/run_options.hpp"
#include "nocobase/client.hpp"
#include "run/cluster_lock.hpp"
#include "run/journal.hpp"
#include "util/atomic_file.hpp"
#include "util/sha256.hpp"
#include "wiring/wiring.hpp"

namespace ncbctl::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct CommonFlags {
    std::string dest;
    std::string lock_wait = "0";
};

// What a job prints: kept for the failure ping's body; printed unless -q.
class JobLog {
public:
    explicit JobLog(bool quiet) : quiet_(quiet) {}
    void info(const std::string& line) {
        keep(line);
        if (!quiet_) std::cout << line << '\n' << std::flush;
    }
    void warn(const std::string& line) {
        keep("warning: " + line);
        std::cerr << "warning: " << line << '\n';
    }
    void error(const std::string& line) {
        keep("error: " + line);
        std::cerr << "ncbctl: " << line << '\n';
    }
    [[nodiscard]] std::string tail() const {
        std::string out;
        for (const auto& l : lines_) out += l + '\n';
        return out;
    }

private:
    void keep(const std::string& line) {
        lines_.push_back(line);
        if (lines_.size() > 20) lines_.pop_front();
    }
    bool quiet_;
    std::deque<std::string> lines_;
};

// ExitCode::LockHeld when another run holds the lock past --lock-wait.
std::expected<run::HeldLock, ExitCode> take_lock(const Context& ctx, const Inventory& inv, const CommonFlags& flags,
                                                 const std::string& command, JobLog& log) {
    auto wait = parse_lock_wait(flags.lock_wait);
    if (!wait) {
        log.error(wait.error().message);
        return std::unexpected(ExitCode::Usage);
    }
    auto held = hold_cluster_lock(ctx, inv, command, *wait);
    if (!held) {
        if (held.error().exit == ExitCode::LockHeld)
            log.error("backup " + command.substr(command.find(' ') + 1) + " skipped: " + held.error().message);
        else
            log.error(held.error().message);
        return std::unexpected(held.error().exit);
    }
    return std::move(*held);
}

std::optional<std::string> destination(const Inventory& inv, const CommonFlags& flags, JobLog& log) {
    std::string d = flags.dest.empty() ? inv.backup.destination : flags.dest;
    if (d.empty()) {
        log.error("no backup destination: set backup.destination in " + inv.source_path + " or pass --dest DIR");
        return std::nullopt;
    }
    return d;
}

// ---- run ------------------------------------------------------------------------------------------

struct BackupRunFlags {
    CommonFlags common;
    std::string method;
    std::string node;
    std::string ping;
    bool delete_on_node = false;
};

const Node* ready_node(const Inventory& inv, const std::string& wanted, JobLog& log) {
    for (const auto& n : inv.nodes) {
        if (!wanted.empty() && n.name != wanted) continue;
        auto st = nocobase::make_app_client(n, inv)->check(Deadline::after(10s));
        if (st.phase == AppPhase::Ready) return &n;
        log.info("node " + n.name + " is not ready (" + std::string(to_string(st.phase)) +
                 (st.message.empty() ? "" : ": " + st.message) + ")");
        if (!wanted.empty()) return nullptr;
    }
    return nullptr;
}

// Returns the summary line of the finished backup.
// `existing`: download that backup of the app instead of creating one (backup download).
Result<std::string> run_api_backup(const Inventory& inv, const Node& node, const std::string& dest,
                                   const std::string& base, bool delete_on_node, JobLog& log,
                                   const std::string& existing = "") {
    const auto started = Clock::now();
    const Deadline deadline = Deadline::after(std::chrono::duration_cast<Duration>(inv.timeouts.backup));
    auto client = nocobase::make_app_client(node, inv);
    auto name = existing.empty() ? client->backup_create(deadline) : Result<std::string>(existing);
    if (!name) return fail(name.error().with_context("node " + node.name + ": backup: "));
    log.info("node " + node.name + (existing.empty() ? " made backup " : " has backup ") + *name + "; downloading");
    std::error_code ec;
    if (auto d = util::create_private_directories(dest); !d) return fail(d.error());
    ::chmod(dest.c_str(), 0700);
    const std::string path = (fs::path(dest) / (base + ".nbdata")).string();
    if (fs::exists(path, ec))
        return fail(ErrorCode::Conflict, path + " already exists (two backups in the same second); run again");
    auto file = client->backup_download_verified(*name, path, deadline);
    if (!file) return fail(file.error());
    ::chmod(path.c_str(), 0600);
    backup::ApiManifest m{.path = path,
                          .sha256 = file->sha256,
                          .bytes = file->bytes,
                          .node = node.name,
                          .app_backup = *name,
                          .nocobase_version = file->version,
                          .dialect = file->dialect,
                          .seconds = std::chrono::duration<double>(Clock::now() - started).count()};
    if (auto w = backup::write_api_manifest(m); !w) return fail(w.error());
    if (delete_on_node) {
        if (auto d = client->backup_delete(*name, Deadline::after(60s)); !d)
            log.warn("node " + node.name + ": could not delete " + *name + " after download: " + d.error().message);
    }
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f", m.seconds);
    return "backup " + path + " (" + backup::human_bytes(m.bytes) + ", NocoBase " + file->version + ") sha256 " +
           m.sha256.substr(0, 12) + " verified in " + secs + " s";
}

ExitCode run_backup(const Context& ctx, const BackupRunFlags& flags) {
    JobLog log(ctx.opts.quiet);
    auto inv = ctx.load();
    if (!inv) return ExitCode::Usage;
    const std::string method = flags.method.empty() ? inv->backup.method : flags.method;
    if (method != "database" && method != "api") {
        log.error("--method " + method + ": expected database or api");
        return ExitCode::Usage;
    }
    auto dest = destination(*inv, flags.common, log);
    if (!dest) return ExitCode::Usage;
    backup::PingTargets pings{inv->backup.ping_start, inv->backup.ping_success, inv->backup.ping_failure};
    if (!flags.ping.empty()) backup::add_ping_base(pings, flags.ping);
    auto held = take_lock(ctx, *inv, flags.common, "backup run --method " + method, log);
    if (!held) return held.error();
    for (const auto& w : backup::send_pings(pings, backup::PingEvent::Start, "")) log.warn(w);

    const std::string base = backup::backup_base_name(inv->cluster, std::time(nullptr));
    Result<std::string> summary = fail(ErrorCode::Internal, "no backup method ran");
    ExitCode failure = ExitCode::Failed;
    if (method == "database") {
        auto tools = wiring::make_tool_runner(*inv);
        auto m =
            !tools ? Result<backup::DumpManifest>(fail(tools.error()))
                   : backup::dump_database(**tools, inv->database, *dest, base, "",
                                           Deadline::after(std::chrono::duration_cast<Duration>(inv->timeouts.backup)));
        if (m) {
            char secs[32];
            std::snprintf(secs, sizeof secs, "%.1f", m->seconds);
            summary = "backup " + m->path + " (" + backup::human_bytes(m->bytes) + ") sha256 " +
                      m->sha256.substr(0, 12) + " verified (" + m->verified_by + ") in " + secs + " s";
        } else {
            summary = fail(m.error());
        }
    } else if (const Node* node = ready_node(*inv, flags.node, log); node == nullptr) {
        summary = fail(ErrorCode::Unreachable,
                       flags.node.empty() ? "no node is ready for an API backup; start the cluster or use --method "
                                            "database"
                                          : "node " + flags.node + " is not ready for an API backup");
        failure = ExitCode::Preflight;
    } else {
        summary = run_api_backup(*inv, *node, *dest, base, flags.delete_on_node, log);
    }
    if (!summary) {
        log.error(summary.error().message);
        for (const auto& w : backup::send_pings(pings, backup::PingEvent::Failure, log.tail())) log.warn(w);
        return failure;
    }
    log.info(*summary);
    for (const auto& w : backup::send_pings(pings, backup::PingEvent::Success, log.tail())) log.warn(w);
    return ExitCode::Ok;
}

// ---- download -------------------------------------------------------------------------------------

struct DownloadFlags {
    CommonFlags common;
    std::string name;
    std::string node;
};

ExitCode download_cmd(const Context& ctx, const DownloadFlags& flags) {
    JobLog log(ctx.opts.quiet);
    auto inv = ctx.load();
    if (!inv) return ExitCode::Usage;
    auto dest = destination(*inv, flags.common, log);
    if (!dest) return ExitCode::Usage;
    auto held = take_lock(ctx, *inv, flags.common, "backup download " + flags.name, log);
    if (!held) return held.error();
    const Node* node = ready_node(*inv, flags.node, log);
    if (node == nullptr) {
        log.error("no node is ready to download " + flags.name + " from; start the cluster");
        return ExitCode::Preflight;
    }
    auto summary = run_api_backup(*inv, *node, *dest, backup::backup_base_name(inv->cluster, std::time(nullptr)), false,
                                  log, flags.name);
    if (!summary) {
        log.error(summary.error().message);
        return ExitCode::Failed;
    }
    log.info(*summary);
    return ExitCode::Ok;
}

// ---- list -----------------------------------------------------------------------------------------

nlohmann::json entry_json(const backup::BackupEntry& e) {
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
    JobLog log(false);
    auto inv = ctx.load();
    if (!inv) return ExitCode::Usage;
    auto dest = destination(*inv, flags, log);
    if (!dest) return ExitCode::Usage;
    auto entries = backup::list_backups(*dest, inv->cluster);
    if (!entries) {
        log.error(entries.error().message);
        return ExitCode::Failed;
    }
    if (ctx.format() == OutputFormat::Json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& e : *entries) arr.push_back(entry_json(e));
        std::cout << arr.dump(2) << '\n';
        return ExitCode::Ok;
    }
    if (entries->empty()) {
        std::cout << "no backups of cluster " << inv->cluster << " in " << *dest << '\n';
        return ExitCode::Ok;
    }
    for (const auto& e : *entries) {
        std::printf("%-44s %-8s %10s  %-10s %s\n", e.name.c_str(), e.kind.c_str(), backup::human_bytes(e.bytes).c_str(),
                    e.verified ? "verified" : "UNVERIFIED",
                    e.restorable_at.empty() ? "" : ("restorable " + e.restorable_at).c_str());
    }
    return ExitCode::Ok;
}

// ---- verify ---------------------------------------------------------------------------------------

struct VerifyFlags {
    CommonFlags common;
    std::string file;
    bool latest = false;
};

Result<std::string> prove_restorable(const Inventory& inv, const std::string& path) {
    const Deadline deadline = Deadline::after(std::chrono::duration_cast<Duration>(inv.timeouts.backup));
    if (path.ends_with(".nbdata")) {
        auto m = backup::read_manifest(path);
        if (!m) return fail(m.error());
        // verify_backup_file reads the zip only: size and checksum are compared here.
        std::error_code ec;
        const auto size = fs::file_size(path, ec);
        if (ec || size != m->bytes)
            return fail(ErrorCode::Verification, path + ": size differs from its manifest (" + std::to_string(size) +
                                                     " vs " + std::to_string(m->bytes) + " bytes)");
        auto sum = util::sha256_file_hex(path);
        if (!sum) return fail(sum.error());
        if (*sum != m->sha256) return fail(ErrorCode::Verification, path + ": SHA-256 differs from its manifest");
        auto f = nocobase::verify_backup_file(path);
        if (!f) return fail(f.error());
        return "archive re-check: zip with _metadata.json and data, NocoBase " + f->version + ", sha256 matches";
    }
    auto tools = wiring::make_tool_runner(inv);
    if (!tools) return fail(tools.error());
    return backup::restore_to_scratch(**tools, inv.database, path, deadline);
}

ExitCode verify_cmd(const Context& ctx, const VerifyFlags& flags) {
    JobLog log(ctx.opts.quiet);
    auto inv = ctx.load();
    if (!inv) return ExitCode::Usage;
    std::string path = flags.file;
    if (flags.latest == !path.empty()) {
        log.error("backup verify needs exactly one of FILE or --latest");
        return ExitCode::Usage;
    }
    if (flags.latest) {
        auto dest = destination(*inv, flags.common, log);
        if (!dest) return ExitCode::Usage;
        auto entries = backup::list_backups(*dest, inv->cluster);
        if (!entries || entries->empty()) {
            log.error(entries ? "no backups of cluster " + inv->cluster + " in " + *dest : entries.error().message);
            return ExitCode::Failed;
        }
        path = entries->front().path;
    }
    auto held = take_lock(ctx, *inv, flags.common, "backup verify " + fs::path(path).filename().string(), log);
    if (!held) return held.error();
    auto proof = prove_restorable(*inv, path);
    if (!proof) {
        log.error(proof.error().message);
        return ExitCode::Failed;
    }
    if (auto st = backup::record_restorable(path, *proof); !st) {
        log.error(st.error().message);
        return ExitCode::Failed;
    }
    log.info(path + ": restorable (" + *proof + ")");
    return ExitCode::Ok;
}

// ---- prune ----------------------------------------------------------------------------------------

struct PruneFlags {
    CommonFlags common;
    bool dry_run = false;
    int keep_last = -1, keep_daily = -1, keep_weekly = -1;
};

ExitCode prune_cmd(const Context& ctx, const PruneFlags& flags) {
    JobLog log(ctx.opts.quiet && !flags.dry_run);
    auto inv = ctx.load();
    if (!inv) return ExitCode::Usage;
    auto dest = destination(*inv, flags.common, log);
    if (!dest) return ExitCode::Usage;
    Retention policy = inv->backup.retention;
    if (flags.keep_last >= 0) policy.keep_last = flags.keep_last;
    if (flags.keep_daily >= 0) policy.keep_daily = flags.keep_daily;
    if (flags.keep_weekly >= 0) policy.keep_weekly = flags.keep_weekly;
    std::optional<run::HeldLock> held;
    if (!flags.dry_run) {
        auto h = take_lock(ctx, *inv, flags.common, "backup prune", log);
        if (!h) return h.error();
        held = std::move(*h);
    }
    auto entries = backup::list_backups(*dest, inv->cluster);
    if (!entries) {
        log.error(entries.error().message);
        return ExitCode::Failed;
    }
    std::vector<backup::RetentionItem> items;
    std::map<std::string, const backup::BackupEntry*> by_name;
    for (const auto& e : *entries) {
        items.push_back({e.name, e.time, e.verified});
        by_name[e.name] = &e;
    }
    auto decisions = backup::select_retention(items, policy);
    nlohmann::json out = nlohmann::json::array();
    ExitCode code = ExitCode::Ok;
    for (const auto& d : decisions) {
        const auto* e = by_name.at(d.name);
        out.push_back({{"name", d.name}, {"keep", d.keep}, {"reason", d.reason}, {"bytes", e->bytes}});
        if (ctx.format() != OutputFormat::Json)
            log.info(std::string(d.keep ? "keep   " : (flags.dry_run ? "would delete " : "delete ")) + d.name +
                     (d.keep ? "  (" + d.reason + ")" : ""));
        if (d.keep || flags.dry_run) continue;
        std::error_code ec;
        fs::remove_all(e->path, ec);  // a directory dump (.pgdir) is a tree
        if (!ec) fs::remove(backup::manifest_path(e->path), ec);
        if (ec) {
            log.error("cannot delete " + e->path + ": " + ec.message());
            code = ExitCode::Failed;
        }
    }
    if (ctx.format() == OutputFormat::Json) std::cout << out.dump(2) << '\n';
    return code;
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
    run->add_option("--method", rf->method, "database (pg_dump/mysqldump) or api (Backup manager on a ready node)")
        ->check(CLI::IsMember({"database", "api"}));
    run->add_option("--node", rf->node, "api: the node that makes the backup (default: the first ready one)");
    run->add_option("--ping", rf->ping, "Healthchecks-style base URL: URL/start, URL on success, URL/fail");
    run->add_flag("--delete-on-node", rf->delete_on_node, "api: delete the app's copy once downloaded and verified");
    add_common(*run, rf->common, true);
    run->callback([&ctx, rf] { ctx.action = [&ctx, rf] { return run_backup(ctx, *rf); }; });

    auto df = std::make_shared<DownloadFlags>();
    auto* download = cmd->add_subcommand(
        "download", "Download a backup the app holds (backups:list) into the destination, verified, with a manifest");
    download->add_option("NAME", df->name, "Backup name, e.g. backup_20261126_003317_9301.nbdata")->required();
    download->add_option("--node", df->node, "Node to download from (default: the first ready one)");
    add_common(*download, df->common, true);
    download->callback([&ctx, df] { ctx.action = [&ctx, df] { return download_cmd(ctx, *df); }; });

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
    verify->callback([&ctx, vf] { ctx.action = [&ctx, vf] { return verify_cmd(ctx, *vf); }; });

    auto pf = std::make_shared<PruneFlags>();
    auto* prune = cmd->add_subcommand("prune", "Delete backups outside the retention (never the newest verified)");
    prune->add_flag("--dry-run", pf->dry_run, "Print what would be deleted");
    prune->add_option("--keep-last", pf->keep_last, "Override backup.retention.keep_last");
    prune->add_option("--keep-daily", pf->keep_daily, "Override backup.retention.keep_daily");
    prune->add_option("--keep-weekly", pf->keep_weekly, "Override backup.retention.keep_weekly");
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
