#include "backup/database_clone.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "backup/clone_space.hpp"
#include "backup/database_dump.hpp"
#include "util/backup_names.hpp"

namespace ncbctl::backup {
namespace {

constexpr std::size_t kMaxIdent = 63;  // NAMEDATALEN - 1

constexpr const char* kMaintenanceDb = "postgres";

std::string suffix_of(const std::string& run_id) {
    std::string s;
    for (char c : run_id) {
        if (c >= 'A' && c <= 'Z')
            s += static_cast<char>(c - 'A' + 'a');
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            s += c;
        else
            s += '_';
    }
    return s;
}

std::string fit(const std::string& db, const std::string& tail) {
    const std::size_t room = tail.size() >= kMaxIdent ? 0 : kMaxIdent - tail.size();
    return db.substr(0, std::min(db.size(), room)) + tail;
}

Result<std::string> admin(ToolRunner& tools, const DatabaseSpec& db, const std::string& sql, const Deadline& d) {
    return run_psql(tools, db, kMaintenanceDb, sql, d);
}

// The sessions on `name` other than ours, one line each: "pid 123 user nocobase (psql) from 10.0.0.5" (a
// process that is no client session says what it is when the user may see it: "pid 9 walsender user repl").
// Autovacuum workers are not counted: CREATE DATABASE ... TEMPLATE ends them itself (and waits for that), and
// after a large restore or import one is often at work on the database when the nodes stop. A role without
// pg_read_all_stats sees backend_type (and client_addr) as NULL on other roles' rows; a worker's row also has no
// role, which no client session lacks.
std::string sessions_sql(const std::string& name, bool other_roles_only) {
    return "select 'pid ' || pid || coalesce(' ' || nullif(backend_type, 'client backend'), '') || ' user ' || "
           "coalesce(usename::text, '?') || coalesce(' (' || nullif(application_name, '') || ')', '') || "
           "coalesce(' from ' || host(client_addr), ' (local socket)') from pg_stat_activity where datname = " +
           pg_literal(name) +
           " and pid <> pg_backend_pid() and backend_type is distinct from 'autovacuum worker' and not "
           "(backend_type is null and usename is null)" +
           (other_roles_only ? " and usename is distinct from current_user" : "") + " order by pid";
}

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < s.size()) {
        auto nl = s.find('\n', start);
        if (nl == std::string::npos) nl = s.size();
        if (nl > start) out.push_back(s.substr(start, nl - start));
        start = nl + 1;
    }
    return out;
}

std::string joined(const std::vector<std::string>& v, const std::string& sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

// What a copy must share with its source, computed in the database `name`: every relation outside the
// system schemas by schema, name and kind (count and digest), then the exact row counts of NocoBase's own
// tables that exist there.
Result<std::pair<std::string, std::string>> fingerprint(ToolRunner& tools, const DatabaseSpec& db,
                                                        const std::string& name, const Deadline& d) {
    const std::string rel_filter =
        "from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r','p','v','m','S','f') "
        "and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'";
    auto rels = run_psql(tools, db, name,
                         "select count(*) || ' ' || md5(coalesce(string_agg(n.nspname || '.' || c.relname || ':' || "
                         "c.relkind::text, ',' order by n.nspname, c.relname), '')) " +
                             rel_filter,
                         d);
    if (!rels) return fail(rels.error());
    std::string names;
    for (const auto& t : clone_count_tables()) names += std::string(names.empty() ? "" : ", ") + pg_literal(t);
    auto present =
        run_psql(tools, db, name,
                 "select quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '|' || c.relname " + rel_filter +
                     " and c.relkind in ('r','p') and c.relname in (" + names + ") order by n.nspname, c.relname",
                 d);
    if (!present) return fail(present.error());
    std::vector<std::string> counted;
    for (const auto& line : lines_of(*present)) {
        const auto bar = line.find('|');
        auto n = run_psql(tools, db, name, "select count(*) from " + line.substr(0, bar), d);
        if (!n) return fail(n.error());
        counted.push_back(line.substr(bar + 1) + "=" + *n);
    }
    return std::pair{*rels, joined(counted, " ")};
}

}  // namespace

CloneNames clone_names(const std::string& db, const std::string& run_id) {
    const std::string s = suffix_of(run_id);
    return {fit(db, "__ncbctl_" + s), fit(db, "__ncbctl_failed_" + s)};
}

CloneStrategy clone_strategy_of(std::string_view inventory_value) {
    return inventory_value == "wal_log" ? CloneStrategy::WalLog : CloneStrategy::FileCopy;
}

std::string_view to_sql(CloneStrategy s) {
    return s == CloneStrategy::FileCopy ? "FILE_COPY" : "WAL_LOG";
}

std::string clone_sql(const std::string& source, const std::string& copy, const std::string& owner,
                      CloneStrategy strategy) {
    std::string sql = "CREATE DATABASE " + pg_ident(copy) + " TEMPLATE " + pg_ident(source);
    sql += " STRATEGY " + std::string(to_sql(strategy));
    if (!owner.empty()) sql += " OWNER " + pg_ident(owner);
    return sql;
}

std::string terminate_sql(const std::string& db, const std::string& copy) {
    return "select count(pg_terminate_backend(pid, 5000)) from pg_stat_activity where datname in (" + pg_literal(db) +
           ", " + pg_literal(copy) + ") and pid <> pg_backend_pid()";
}

std::string swap_sql(const std::string& db, const std::string& copy, const std::string& failed) {
    return "BEGIN; ALTER DATABASE " + pg_ident(db) + " RENAME TO " + pg_ident(failed) + "; ALTER DATABASE " +
           pg_ident(copy) + " RENAME TO " + pg_ident(db) + "; COMMIT;";
}

std::string drop_sql(const std::string& name) {
    return "DROP DATABASE IF EXISTS " + pg_ident(name) + " WITH (FORCE)";
}

const std::vector<std::string>& clone_count_tables() {
    static const std::vector<std::string> kTables = {"applicationVersion", "migrations", "applicationPlugins"};
    return kTables;
}

Result<bool> database_exists(ToolRunner& tools, const DatabaseSpec& db, const std::string& name, const Deadline& d) {
    auto r = admin(tools, db, "select count(*) from pg_database where datname = " + pg_literal(name), d);
    if (!r) return fail(r.error());
    return *r != "0";
}

Status drop_database(ToolRunner& tools, const DatabaseSpec& db, const std::string& name, const Deadline& d) {
    auto r = admin(tools, db, drop_sql(name), d);
    if (!r) return fail(r.error().with_context("dropping database " + name + ": "));
    return {};
}

Result<std::string> clone_preflight(ToolRunner& tools, const DatabaseSpec& db, const CloneNames& names,
                                    const Deadline& d) {
    const std::string where = "database " + db.name + " at " + db.host + ":" + std::to_string(db.port);
    auto r = admin(
        tools, db,
        "select current_setting('server_version_num')::int / 10000 || '|' || r.rolsuper || '|' || "
        "r.rolcreatedb || '|' || pg_has_role(current_user, d.datdba, 'MEMBER') || '|' || "
        "pg_get_userbyid(d.datdba) || '|' || (select count(*) from pg_database where datname in (" +
            pg_literal(names.copy) + ", " + pg_literal(names.failed) +
            ")) from pg_roles r, pg_database d where r.rolname = current_user and d.datname = " + pg_literal(db.name),
        d);
    if (!r) return fail(r.error());
    std::vector<std::string> f;
    for (std::size_t start = 0;;) {
        auto bar = r->find('|', start);
        f.push_back(r->substr(start, bar == std::string::npos ? std::string::npos : bar - start));
        if (bar == std::string::npos) break;
        start = bar + 1;
    }
    if (f.size() != 6)
        return fail(ErrorCode::NotFound, where + ": no such database (or not visible to " + db.user + ")");
    const int major = std::atoi(f[0].c_str());
    if (major < 15)
        return fail(ErrorCode::Unsupported, where + ": PostgreSQL " + f[0] +
                                                " has no CREATE DATABASE ... STRATEGY; backup.in_window: clone needs "
                                                "15 or later (use backup.in_window: dump)");
    const bool super = f[1] == "true";
    if (!super && f[2] != "true")
        return fail(ErrorCode::Auth, where + ": user " + db.user +
                                         " lacks CREATEDB, which backup.in_window: clone needs (ALTER ROLE " +
                                         pg_ident(db.user) + " CREATEDB, or use backup.in_window: dump)");
    if (!super && f[3] != "true")
        return fail(ErrorCode::Auth, where + ": user " + db.user + " is not a member of the database's owner " + f[4] +
                                         " (copying it as a template and renaming it need that; GRANT " +
                                         pg_ident(f[4]) + " TO " + pg_ident(db.user) +
                                         ", or use backup.in_window: dump)");
    if (f[5] != "0")
        return fail(ErrorCode::Conflict, where + ": a database named " + names.copy + " or " + names.failed +
                                             " already exists (a run with this id? drop it: DROP DATABASE ...)");
    auto others = admin(tools, db, sessions_sql(db.name, true), d);
    if (!others) return fail(others.error());
    if (!others->empty())
        return fail(ErrorCode::Conflict,
                    where + ": sessions of other roles are connected (" + joined(lines_of(*others), "; ") +
                        "); CREATE DATABASE ... TEMPLATE needs the database alone once the nodes stop: end them, or "
                        "use backup.in_window: dump");
    auto space = clone_space(tools, db, d);
    if (!space) return fail(space.error());
    if (auto room = space_verdict(*space, db.name); !room) return fail(room.error().with_context(where + ": "));
    const std::string room_text = space->checkable ? human_bytes(space->available) + " free in " + space->dir +
                                                         " for " + human_bytes(space->needed)
                                                   : "server free space not checkable from here: " + space->reason;
    return "clone " + db.name + " -> " + names.copy + " (PostgreSQL " + f[0] + ", " +
           (super ? "superuser" : "CREATEDB, member of owner " + f[4]) + "; " + room_text + ")";
}

Result<std::string> verify_clone(ToolRunner& tools, const DatabaseSpec& db, const std::string& copy,
                                 const Deadline& d) {
    auto want = fingerprint(tools, db, db.name, d);
    if (!want) return fail(want.error());
    auto got = fingerprint(tools, db, copy, d);
    if (!got) return fail(got.error().with_context("copy " + copy + " does not accept a connection: "));
    if (got->first != want->first)
        return fail(ErrorCode::Verification,
                    "copy " + copy + " differs from " + db.name + ": relations " + got->first + " vs " + want->first);
    if (got->second != want->second)
        return fail(ErrorCode::Verification,
                    "copy " + copy + " differs from " + db.name + ": rows " + got->second + " vs " + want->second);
    const std::string rels = want->first.substr(0, want->first.find(' '));
    return rels + " relations" + (want->second.empty() ? "" : ", " + want->second);
}

Result<CloneResult> clone_database(ToolRunner& tools, const DatabaseSpec& db, const std::string& copy,
                                   Duration wait_sessions, const Deadline& d, CloneStrategy strategy) {
    const auto started = Clock::now();
    CloneResult out{.copy = copy};
    auto exists = database_exists(tools, db, copy, d);
    if (!exists) return fail(exists.error());
    if (*exists) {
        // A resumed run: the copy committed before the crash. The nodes are still stopped, so it must match.
        if (auto v = verify_clone(tools, db, copy, d)) {
            out.verified = *v;
            out.reused = true;
            out.seconds = std::chrono::duration<double>(Clock::now() - started).count();
            return out;
        }
        if (auto dropped = drop_database(tools, db, copy, d); !dropped) return fail(dropped.error());
    }
    // The nodes just stopped: their connections may take a moment to close.
    const auto until = std::min(Clock::now() + wait_sessions, d.at());
    std::string sessions;
    for (;;) {
        auto s = admin(tools, db, sessions_sql(db.name, false), d);
        if (!s) return fail(s.error());
        sessions = *s;
        if (sessions.empty() || Clock::now() >= until) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    if (!sessions.empty())
        return fail(ErrorCode::Conflict,
                    "database " + db.name + " still has sessions after every node stopped (" +
                        joined(lines_of(sessions), "; ") +
                        "): CREATE DATABASE ... TEMPLATE needs it alone; end them (nothing was copied), or use "
                        "backup.in_window: dump");
    auto owner =
        admin(tools, db, "select pg_get_userbyid(datdba) from pg_database where datname = " + pg_literal(db.name), d);
    if (!owner) return fail(owner.error());
    auto created = admin(tools, db, clone_sql(db.name, copy, *owner, strategy), d);
    if (!created) return fail(created.error().with_context("copying " + db.name + " to " + copy + ": "));
    out.strategy = to_sql(strategy);
    auto v = verify_clone(tools, db, copy, d);
    if (!v) {
        (void)drop_database(tools, db, copy, d);  // a copy that does not match is no backup
        return fail(v.error());
    }
    out.verified = *v;
    out.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return out;
}

Result<SwapResult> swap_in_clone(ToolRunner& tools, const DatabaseSpec& db, const CloneNames& names,
                                 const Deadline& d) {
    const auto started = Clock::now();
    SwapResult out;
    auto copy = database_exists(tools, db, names.copy, d);
    if (!copy) return fail(copy.error());
    auto failed = database_exists(tools, db, names.failed, d);
    if (!failed) return fail(failed.error());
    if (!*copy) {
        if (*failed) {  // the swap committed before a crash: the copy is already `db`
            out.already = true;
            return out;
        }
        return fail(ErrorCode::NotFound, "the in-window copy " + names.copy + " of " + db.name +
                                             " is gone: nothing to swap back (restore the run's dump: ncbctl "
                                             "backup restore FILE)");
    }
    if (*failed)
        return fail(ErrorCode::Conflict, "database " + names.failed + " already exists: cannot set " + db.name +
                                             " aside under that name (drop or rename it, then ncbctl resume)");
    auto ended = admin(tools, db, terminate_sql(db.name, names.copy), d);
    if (!ended) return fail(ended.error());
    out.terminated = std::atoi(ended->c_str());
    auto swapped = admin(tools, db, swap_sql(db.name, names.copy, names.failed), d);
    if (!swapped)
        return fail(swapped.error().with_context("swapping " + names.copy + " in place of " + db.name + ": "));
    out.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return out;
}

}  // namespace ncbctl::backup
