// `backup prune`: the retention's decisions over the destination's catalog, and the deletions.
#include <map>

#include "util/backup_names.hpp"
#include "workflow/backup_jobs.hpp"
#include "workflow/backup_steps.hpp"

namespace ncbctl::workflow {

PruneOutcome prune_backups(const BackupJob& job, const PruneRequest& req) {
    auto& log = job.log;
    PruneOutcome out;
    auto dest = backup_steps::destination(job);
    if (!dest) return {.code = ExitCode::Usage};
    Retention policy = job.inv.backup.retention;
    if (req.keep_last >= 0) policy.keep_last = req.keep_last;
    if (req.keep_daily >= 0) policy.keep_daily = req.keep_daily;
    if (req.keep_weekly >= 0) policy.keep_weekly = req.keep_weekly;
    std::optional<run::HeldLock> held;
    if (!req.dry_run) {
        auto h = backup_steps::take_lock(job, "backup prune");
        if (!h) return {.code = h.error()};
        held = std::move(*h);
    }
    auto entries = job.ports.list(*dest, job.inv.cluster);
    if (!entries) {
        log.error(entries.error().message);
        return {.code = ExitCode::Failed};
    }
    std::vector<backup::RetentionItem> items;
    std::map<std::string, const BackupEntry*> by_name;
    for (const auto& e : *entries) {
        items.push_back({e.name, e.time, e.verified});
        by_name[e.name] = &e;
    }
    out.decided = true;
    for (const auto& d : backup::select_retention(items, policy)) {
        const auto* e = by_name.at(d.name);
        out.rows.push_back({d.name, d.keep, d.reason, e->bytes});
        if (req.print)
            log.info(std::string(d.keep ? "keep   " : (req.dry_run ? "would delete " : "delete ")) + d.name +
                     (d.keep ? "  (" + d.reason + ")" : ""));
        if (d.keep || req.dry_run) continue;
        if (auto st = job.ports.remove(e->path); !st) {
            log.error("cannot delete " + e->path + ": " + st.error().message);
            out.code = ExitCode::Failed;
        }
    }
    return out;
}

}  // namespace ncbctl::workflow
