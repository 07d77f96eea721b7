#pragma once
// Database-level backups (pg_dump -Fc / mysqldump), the backup the upgrade takes while every node is
// stopped. The tools run where database.run_on says, through a ToolRunner (this machine, a node's host over
// SSH, a container through the Engine API): the dump streams back into `<file>.partial` on this machine,
// hashed as it arrives (memory flat), is synced, proven readable (pg_restore --list fed the file through the
// same runner / mysqldump's completion line), then renamed; a manifest (<file>.json) records its SHA-256,
// size, verification and where it ran (synced with its directory). Restores stream the file into the
// restore tool's stdin through the same runner.
// Failure semantics: Error (Remote with the tool's last stderr line, Io, Timeout); a failed dump leaves
// no file behind (a killed ncbctl leaves at most `<file>.partial`, never the final name). The password comes
// from DatabaseSpec.password by reference and only travels as ToolCall::secret_env (PGPASSWORD / MYSQL_PWD),
// never on a command line or in a message.
#include <cstdint>
#include <string>
#include <string_view>

#include <vector>

#include "backup/dump_digest.hpp"
#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/tool_runner.hpp"

namespace ncbctl::backup {

struct DumpManifest {
    std::string path;     // final file
    std::string dialect;  // postgres | mysql | mariadb
    std::string database;
    std::string sha256;
    std::uint64_t bytes = 0;
    std::string created;        // ISO-8601 UTC
    std::string verified_by;    // "pg_restore --list: 152 entries"
    std::string run_id;         // empty for cron backups
    std::string ran_on;         // ToolRunner::where() of the dump: "local", "node app1 (root@h:22)", ...
    double seconds = 0;         // dump + verify
    std::string dumped_from;    // the server-side copy dumped instead of `database` (backup.in_window: clone)
    std::string dump_format;    // custom | directory (PostgreSQL) | sql (MySQL/MariaDB)
    bool data_offsets = false;  // custom file written by pg_dump -f: pg_restore -j may read it out of order
    // directory: each file's SHA-256 and size (`sha256` is their combined digest, `bytes` their sum).
    std::vector<FileDigest> files;
};

// Dumps `db` into `dest_dir/<base_name>.<ext>` (0600) and writes the manifest beside it. With
// database.dump_format: directory (PostgreSQL, tools on this machine) the dump is the directory
// `<base_name>.pgdir` (pg_dump -Fd -j N into `<dir>.partial`, each file hashed and synced, renamed into place
// whole); its manifest lists every file's SHA-256 (dump_digest.hpp). `dump_from`: dump
// that database of the same server instead (the upgrade's clone of `db`); the manifest still names `db`,
// which a restore replaces, and records the copy as `dumped_from`.
Result<DumpManifest> dump_database(ToolRunner& tools, const DatabaseSpec& db, const std::string& dest_dir,
                                   const std::string& base_name, const std::string& run_id, const Deadline& deadline,
                                   const std::string& dump_from = "");

// Re-checks an existing dump: size and SHA-256 against its manifest (a directory: the same files, each
// with its size and SHA-256, nothing more), then readability.
Result<DumpManifest> verify_dump(ToolRunner& tools, const DatabaseSpec& db, const std::string& path,
                                 const Deadline& deadline);

// Restores a dump into the inventory's database, replacing its content (rollback). First its size and
// SHA-256 against the manifest (the dump was proven readable when made); a mismatch refuses to restore
// before anything is dropped. pg_restore runs
// database.jobs jobs when it reads the dump by name: a directory, or a custom file pg_dump wrote itself
// (pg_dump_args.hpp); a dump streamed into its stdin is restored by one job. PostgreSQL: the
// database is dropped and re-created from the maintenance database when the user may do so, else the
// dump is restored with --clean --if-exists. MySQL/MariaDB: the database is dropped and re-created with its
// character set and collation when the user may, else the dump is replayed over it. Every node must be
// stopped (the caller's contract).
Status restore_dump(ToolRunner& tools, const DatabaseSpec& db, const std::string& path, const Deadline& deadline);

// Proves a dump restorable without touching the live database: verify_dump (its hash taken while the restore
// reads the file, on another thread), then pg_restore into a new
// scratch database `ncbctl_verify_<random>` on the same server (pg_restore / mysql fed the file), count its
// tables, and drop it (also on failure). Needs CREATEDB (PostgreSQL) or CREATE/DROP on that name (MySQL).
// Returns "pg_restore into scratch database X: N tables" (or "mysql restore into ...").
Result<std::string> restore_to_scratch(ToolRunner& tools, const DatabaseSpec& db, const std::string& path,
                                       const Deadline& deadline);

// Preflight, read-only, through the runner: the dump, restore and query tools exist where they run (exit
// 127 there: NotFound naming the place and the tool), PostgreSQL's pg_dump major is at least the server's
// (Unsupported), and the credentials work (a trivial query; Unreachable with the server's line). Returns a
// one-line summary ("pg_dump 15 >= server 15 via node app1 (...)").
Result<std::string> check_database(ToolRunner& tools, const DatabaseSpec& db, const Deadline& deadline);
// Size of the database in bytes (an upper bound for its compressed dump: free-space preflight).
Result<std::uint64_t> database_size(ToolRunner& tools, const DatabaseSpec& db, const Deadline& deadline);
// "pg_dump (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)" -> 15: the first number of a --version line (0 when
// none). Pure, for the version preflight.
int client_major(std::string_view version_line);

// Replaces `path` with `text` through a temp file (mode 0600 from creation) and a rename; the file, then its
// directory, are fsynced, so a crash leaves the old or the new content, never half a file. Error: Io.
Status write_private_file(const std::string& path, const std::string& text);

Result<DumpManifest> read_manifest(const std::string& dump_path);

// PostgreSQL quoting for SQL built here: an identifier ("a""b") and a string literal ('it''s').
std::string pg_ident(const std::string& s);
std::string pg_literal(const std::string& s);
// psql -X -A -t -v ON_ERROR_STOP=1 in `dbname` where the tools run (database.run_on), the password as a
// secret: its stdout without the trailing newline, or Remote with the server's last line.
Result<std::string> run_psql(ToolRunner& tools, const DatabaseSpec& db, const std::string& dbname,
                             const std::string& sql, const Deadline& deadline);
std::string manifest_path(const std::string& dump_path);

}  // namespace ncbctl::backup
