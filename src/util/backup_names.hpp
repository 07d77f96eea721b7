#pragma once
// Backup file names, retention and sizes as text, shared by the backup adapters (src/backup/catalog) and the
// backup jobs (src/workflow/backup_*): pure functions, no file system.
// Backup retention: which backup files a prune keeps, as a pure function over dated names, so the rules
// are unit-tested without a file system. Names are `<cluster>-YYYYMMDDTHHMMSSZ.<ext>` (UTC), the names
// `ncbctl backup run` and the upgrade's backup phase write.
// Rules (restic-style, all counted over the UTC time in the name): keep_last N newest; keep_daily D:
// the newest backup of each of the D most recent days that have one; keep_weekly W: likewise per ISO
// week (Monday start). A backup kept by any rule is kept. The newest VERIFIED backup is always kept, and a
// policy of all zeros keeps everything (no policy = nothing is deleted).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ncbctl/inventory.hpp"

namespace ncbctl::backup {

struct BackupName {
    std::string cluster;
    std::int64_t time = 0;  // unix seconds, UTC
    std::string ext;        // pgdump | pgdir (a directory dump) | sql | nbdata
};

// nullopt when the name does not follow the pattern (other files in the directory are never touched).
std::optional<BackupName> parse_backup_name(const std::string& file_name);
// "<cluster>-YYYYMMDDTHHMMSSZ"
std::string backup_base_name(const std::string& cluster, std::int64_t unix_seconds);

struct RetentionItem {
    std::string name;
    std::int64_t time = 0;
    bool verified = false;
};

struct RetentionDecision {
    std::string name;
    bool keep = true;
    std::string reason;  // "last 1", "daily 2026-11-25", "weekly 2026-W48", "newest verified", "no policy"
};

// Decisions newest first, one per item.
std::vector<RetentionDecision> select_retention(std::vector<RetentionItem> items, const Retention& policy);

// "2026-11-26T07:41:17Z"
std::string utc_iso(std::int64_t unix_seconds);
// "512 B", "1.5 MiB"
std::string human_bytes(std::uint64_t bytes);

}  // namespace ncbctl::backup
