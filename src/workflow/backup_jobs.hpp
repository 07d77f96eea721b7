#pragma once
// The backup jobs of `ncbctl backup run|download|list|verify|prune` (docs/backup.md) as use cases over
// BackupPorts: the command reads its flags, builds the ports (src/wiring) and calls one of these. run,
// download, verify and prune take the cluster lock every workflow takes, so a backup never overlaps an
// upgrade: when another run holds it the job is skipped with exit 4 (LockHeld) and sends no ping. The jobs
// are not journaled (no run id in `runs list`): what they did is their output, the backup file's manifest
// and, for run, the pings.
// Failure semantics: every failure is one line through the JobLog and an exit code (docs/exit-codes.md):
// 2 usage or inventory (no destination, a bad method, a bad --lock-wait), 3 no node ready, 4 lock held,
// 1 anything else.
#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "ncbctl/backup_catalog.hpp"
#include "ncbctl/exit_code.hpp"
#include "ncbctl/inventory.hpp"
#include "workflow/backup_ports.hpp"
#include "workflow/job_log.hpp"

namespace ncbctl::workflow {

struct BackupJob {
    const Inventory& inv;
    BackupPorts& ports;
    JobLog& log;
    std::string dest;  // --dest; empty: the inventory's backup.destination
};

struct BackupRunRequest {
    std::string method;  // database | api; empty: backup.method
    std::string node;    // api: the node that makes it; empty: the first ready one
    bool delete_on_node = false;
};
// Pings start, then success or failure (with the job's last lines).
ExitCode run_backup(const BackupJob& job, const BackupRunRequest& req);

// Downloads the app's backup `name` from `node` (empty: the first ready one) into the destination.
ExitCode download_backup(const BackupJob& job, const std::string& name, const std::string& node);

struct BackupListing {
    std::string dest;
    std::vector<BackupEntry> entries;  // newest first
};
std::expected<BackupListing, ExitCode> list_backups(const BackupJob& job);

// Proves `file` (or, with `latest`, the newest backup of the destination) restorable and records it in its
// manifest: a scratch-database restore of a dump, a re-check of an API backup's archive.
ExitCode verify_backup(const BackupJob& job, const std::string& file, bool latest);

struct PruneRequest {
    bool dry_run = false;
    int keep_last = -1, keep_daily = -1, keep_weekly = -1;  // < 0: backup.retention's
    bool print = true;                                      // one line per decision through the log
};
struct PruneRow {
    std::string name;
    bool keep = true;
    std::string reason;
    std::uint64_t bytes = 0;
};
struct PruneOutcome {
    ExitCode code = ExitCode::Ok;
    bool decided = false;  // the decisions were made (rows hold them), whatever the deletions did
    std::vector<PruneRow> rows;
};
// Deletes the backups outside the retention (never the newest verified one); dry_run deletes nothing and
// takes no lock.
PruneOutcome prune_backups(const BackupJob& job, const PruneRequest& req);

}  // namespace ncbctl::workflow
