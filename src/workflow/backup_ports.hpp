#pragma once
// Every port the backup jobs (src/workflow/backup_jobs.hpp) use, as one bundle: the wiring
// (src/wiring/backup_ports.cpp) fills it with the real adapters (the NocoBase client, database dumps, the
// destination directory's catalog, Healthchecks pings) and the unit tests with recording fakes
// (tests/unit/fakes/backup_ports.hpp). The command adds the cluster lock (`lock`).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ncbctl/app_client.hpp"
#include "ncbctl/backup_catalog.hpp"
#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"
#include "workflow/job_lock.hpp"

namespace ncbctl::workflow {

enum class PingEvent { Start, Success, Failure };

// A database dump, written and proven readable, with its manifest beside it.
struct DumpDone {
    std::string path;
    std::string sha256;
    std::uint64_t bytes = 0;
    std::string verified_by;
    double seconds = 0;
};

// An API backup downloaded to a path (0600) and checked: a zip holding _metadata.json and data.
struct ApiBackupFile {
    std::string sha256;
    std::uint64_t bytes = 0;
    std::string version;  // NocoBase version that wrote it
    std::string dialect;
};

// What a backup's manifest says of its file.
struct ManifestFacts {
    std::string sha256;
    std::uint64_t bytes = 0;
};

// One node's Backup manager through one client (one keep-alive connection, so every task poll reaches the
// node that started the task): backups:create (waits for the task), the verified download to a path (0600),
// backups:destroy.
struct NodeBackups {
    std::function<Result<std::string>(const Deadline&)> create;
    std::function<Result<ApiBackupFile>(const std::string& name, const std::string& path, const Deadline&)> download;
    std::function<Status(const std::string& name, const Deadline&)> remove;
};

struct BackupPorts {
    TakeLock lock;
    // The node's NocoBase API, for its readiness.
    std::function<std::unique_ptr<AppClient>(const Node&)> node_app;
    std::function<NodeBackups(const Node&)> node_backups;
    // pg_dump / mysqldump of the inventory's database into dir/<base>.<ext> where database.run_on says.
    std::function<Result<DumpDone>(const std::string& dir, const std::string& base, const Deadline&)> database_dump;
    // A database dump restored into a scratch database and counted: how, in one line.
    std::function<Result<std::string>(const std::string& path, const Deadline&)> scratch_restore;
    // An API backup's archive read again: its NocoBase version.
    std::function<Result<std::string>(const std::string& path)> archive_version;
    // Every ping URL of the event; one warning line per failed URL (URLs redacted).
    std::function<std::vector<std::string>(PingEvent, const std::string& body)> ping;

    // The destination directory.
    std::function<Status(const std::string& dir)> make_dir;  // created if missing, 0700
    std::function<bool(const std::string& path)> exists;
    std::function<std::uint64_t(const std::string& path)> file_size;  // UINT64_MAX when unreadable
    std::function<Result<std::string>(const std::string& path)> sha256;
    std::function<Result<std::vector<BackupEntry>>(const std::string& dir, const std::string& cluster)> list;
    std::function<Result<ManifestFacts>(const std::string& path)> manifest;
    std::function<Status(const ApiManifest&)> write_api_manifest;
    std::function<Status(const std::string& path, const std::string& how)> record_restorable;
    std::function<Status(const std::string& path)> remove;  // the file, then its manifest
    std::function<std::int64_t()> now;                      // unix seconds, for the backup's name
};

}  // namespace ncbctl::workflow
