#pragma once
// The upgrade's in-window backup as a server-side copy (backup.in_window: clone, PostgreSQL only):
// `CREATE DATABASE <copy> TEMPLATE <db> STRATEGY FILE_COPY` (or WAL_LOG) while every node is stopped, proven by
// comparing the copy with its source (it accepts a connection, same relation list, same row counts of NocoBase's own
// tables); a rollback swaps it back in place by two renames in one transaction (well under a second at any
// size), keeping the failed database aside. Every statement runs through psql on the ToolRunner, so it works
// wherever `database.run_on` reaches the server. docs/backup.md ("In-window clone") is the contract.
// Failure semantics: Error (Remote with the server's line, Verification, Conflict for a name already taken or
// a session still connected); nothing here drops a database that is not a copy this run created.
#include <string>
#include <string_view>
#include <vector>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/tool_runner.hpp"

namespace ncbctl::backup {

// The names one run uses: `<db>__ncbctl_<run>` for the copy, `<db>__ncbctl_failed_<run>` for the database a
// rollback sets aside; the run id lowercased with `-` as `_` so psql needs no quotes, `<db>` shortened so
// each name fits PostgreSQL's 63 bytes. Pure.
struct CloneNames {
    std::string copy;
    std::string failed;
};
CloneNames clone_names(const std::string& db, const std::string& run_id);

// How CREATE DATABASE copies (backup.clone_strategy): the one place the inventory's word becomes the SQL one.
enum class CloneStrategy { WalLog, FileCopy };
CloneStrategy clone_strategy_of(std::string_view inventory_value);  // "wal_log" -> WalLog, else FileCopy
std::string_view to_sql(CloneStrategy s);                           // "WAL_LOG" | "FILE_COPY"

// The statements, names quoted as identifiers. Pure (unit-tested).
std::string clone_sql(const std::string& source, const std::string& copy, const std::string& owner,
                      CloneStrategy strategy = CloneStrategy::FileCopy);
// Terminates what is still connected to `db` or `copy`, waiting for each (pg_terminate_backend's timeout).
std::string terminate_sql(const std::string& db, const std::string& copy);
// One transaction: `db` becomes `failed`, `copy` becomes `db`.
std::string swap_sql(const std::string& db, const std::string& copy, const std::string& failed);
std::string drop_sql(const std::string& name);
// The NocoBase tables whose row counts a copy must match (present ones only): the version record, the
// migrations ledger, the plugin set.
const std::vector<std::string>& clone_count_tables();

// Preflight, read-only: PostgreSQL 15 or later (STRATEGY), the user has CREATEDB (or is superuser) and is a
// member of the database's owner (renames and TEMPLATE need both), neither name exists, and no session of
// another role is connected to the database (CREATE DATABASE ... TEMPLATE needs it alone; the nodes' own
// sessions end when they stop). Returns a one-line summary.
Result<std::string> clone_preflight(ToolRunner& tools, const DatabaseSpec& db, const CloneNames& names,
                                    const Deadline& deadline);

struct CloneResult {
    std::string copy;
    std::string strategy;  // the SQL word of the copy made now; empty for a reused copy (made by an earlier run)
    std::string verified;  // "142 relations, applicationVersion=1 migrations=310 applicationPlugins=63"
    bool reused = false;   // the copy existed (a resumed run) and matched its source
    double seconds = 0;    // create + verify
};
// Makes and verifies the copy. Sessions still on `db` (a node's connections closing) are waited for up to
// `wait_sessions`, then named in a Conflict error: nothing is terminated on the live database. An existing
// copy (a crashed run's) is verified and kept when it matches, else dropped and made again.
Result<CloneResult> clone_database(ToolRunner& tools, const DatabaseSpec& db, const std::string& copy,
                                   Duration wait_sessions, const Deadline& deadline,
                                   CloneStrategy strategy = CloneStrategy::FileCopy);

// Compares `copy` with `db`: relation list and the counts of clone_count_tables(). Returns the summary.
Result<std::string> verify_clone(ToolRunner& tools, const DatabaseSpec& db, const std::string& copy,
                                 const Deadline& deadline);

struct SwapResult {
    bool already = false;  // a resumed rollback: the swap had committed
    int terminated = 0;    // sessions ended first
    double seconds = 0;    // terminate + swap
};
// Rollback: the copy back in place of `db`, `db` kept as `names.failed`. Idempotent.
Result<SwapResult> swap_in_clone(ToolRunner& tools, const DatabaseSpec& db, const CloneNames& names,
                                 const Deadline& deadline);

Result<bool> database_exists(ToolRunner& tools, const DatabaseSpec& db, const std::string& name,
                             const Deadline& deadline);
// DROP DATABASE IF EXISTS ... WITH (FORCE).
Status drop_database(ToolRunner& tools, const DatabaseSpec& db, const std::string& name, const Deadline& deadline);

}  // namespace ncbctl::backup
