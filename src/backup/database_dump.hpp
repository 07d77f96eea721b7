#pragma once
// Database-level backups (pg_dump -Fc / mysqldump), the backup the upgrade takes while every node is
// stopped. A dump counts only once it is complete, checksummed and proven readable: it is written under
// a temporary name, verified (pg_restore --list / mysqldump's completion line), synced, then renamed, and a
// manifest (<file>.json) records its SHA-256, size and verification (synced with its directory).
// Failure semantics: Error (Remote with the tool's last stderr line, Io, Timeout); a failed dump leaves
// no file behind. The password comes from DatabaseSpec.password by reference and only ever travels in
// the child's environment (PGPASSWORD / MYSQL_PWD), never on a command line or in a message.
#include <cstdint>
#include <string>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"

namespace ncbctl::backup {

struct DumpManifest {
    std::string path;     // final file
    std::string dialect;  // postgres | mysql | mariadb
    std::string database;
    std::string sha256;
    std::uint64_t bytes = 0;
    std::string created;      // ISO-8601 UTC
    std::string verified_by;  // "pg_restore --list: 152 entries"
    std::string run_id;       // empty for cron backups
    double seconds = 0;       // dump + verify
};

// Dumps `db` into `dest_dir/<base_name>.<ext>` (0600) and writes the manifest beside it.
Result<DumpManifest> dump_database(const DatabaseSpec& db, const std::string& dest_dir, const std::string& base_name,
                                   const std::string& run_id, const Deadline& deadline);

// Re-checks an existing dump: size and SHA-256 against its manifest, then readability.
Result<DumpManifest> verify_dump(const DatabaseSpec& db, const std::string& path, const Deadline& deadline);

// Restores a dump into the inventory's database, replacing its content (rollback). PostgreSQL: the
// database is dropped and re-created from the maintenance database when the user may do so, else the
// dump is restored with --clean --if-exists. Every node must be stopped (the caller's contract).
Status restore_dump(const DatabaseSpec& db, const std::string& path, const Deadline& deadline);

// Proves a dump restorable without touching the live database: verify_dump, then pg_restore into a new
// scratch database `ncbctl_verify_<random>` on the same server, count its tables, and drop it (also on
// failure). Needs CREATEDB for the inventory's user. Returns "pg_restore into scratch database X: N tables".
// PostgreSQL only (Unsupported for MySQL/MariaDB).
Result<std::string> restore_to_scratch(const DatabaseSpec& db, const std::string& path, const Deadline& deadline);

// Connects and runs a trivial query (preflight: the database is reachable with the inventory's credentials).
Status check_database(const DatabaseSpec& db, const Deadline& deadline);
// Size of the database in bytes (an upper bound for its compressed dump: free-space preflight).
Result<std::uint64_t> database_size(const DatabaseSpec& db, const Deadline& deadline);

// Replaces `path` with `text` through a temp file (mode 0600 from creation) and a rename; the file, then its
// directory, are fsynced, so a crash leaves the old or the new content, never half a file. Error: Io.
Status write_private_file(const std::string& path, const std::string& text);

Result<DumpManifest> read_manifest(const std::string& dump_path);
std::string manifest_path(const std::string& dump_path);

}  // namespace ncbctl::backup
