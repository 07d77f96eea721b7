#pragma once
// What the backup destination holds, as the backup adapters (src/backup/catalog) write and read it and the
// backup jobs (src/workflow/backup_*) see it: one backup file with its manifest's facts, and the manifest of a
// downloaded API backup.
#include <cstdint>
#include <string>

namespace ncbctl {

struct BackupEntry {
    std::string path;
    std::string name;  // file name (a directory dump: the directory's name, bytes its files' sum)
    std::string kind;  // database | api
    std::int64_t time = 0;
    std::uint64_t bytes = 0;
    bool verified = false;  // manifest with sha256 + verified_by
    std::string sha256;
    std::string verified_by;
    std::string restorable_at;  // ISO-8601 UTC of the last proof (scratch restore / archive re-check)
    std::string restorable_by;
};

// Manifest of a downloaded API backup (.nbdata), in the format of database dumps' manifests.
struct ApiManifest {
    std::string path;
    std::string sha256;
    std::uint64_t bytes = 0;
    std::string node;
    std::string app_backup;  // the name the node gave it (backups:list)
    std::string nocobase_version;
    std::string dialect;
    double seconds = 0;
};

}  // namespace ncbctl
