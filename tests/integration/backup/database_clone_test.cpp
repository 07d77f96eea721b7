// backup.in_window: clone against a real PostgreSQL 15 (the CTest fixture starts and stops it): the preflight,
// the copy made and verified, the swap back in place, the dump taken from the copy, all through psql on the
// local ToolRunner as a non-superuser owner with CREATEDB (the least the feature needs).
#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <sys/statvfs.h>

#include <filesystem>
#include <thread>

#include "backup/clone_space.hpp"
#include "backup/database_clone.hpp"
#include "backup/database_dump.hpp"
#include "backup/local_tool_runner.hpp"
#include "common/psql.hpp"
#include "net/process.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string psql(const std::string& db, const std::string& sql) {
    return test::psql(NCBCTL_PG_PORT, db, sql);
}

DatabaseSpec owner_spec(const std::string& name) {
    return test::pg_spec(NCBCTL_PG_PORT, name, "ncb_owner");
}

// A session held open on `db` as `user` until end() (a node that did not let go, someone's psql).
class Holder {
public:
    Holder(std::string db, std::string user) : db_(std::move(db)) {
        thread_ = std::thread([this, user] {
            (void)net::run_process(
                {.argv = {"psql", "-X", "-At", "-h", "127.0.0.1", "-p", std::to_string(NCBCTL_PG_PORT), "-U", user,
                          "-d", "dbname=" + db_ + " application_name=ncb_holder", "-c", "select pg_sleep(60)"}},
                Deadline::after(90s));
        });
        for (int i = 0; i < 100 && count() == "0"; ++i) std::this_thread::sleep_for(50ms);
        REQUIRE(count() == "1");
    }
    ~Holder() { end(); }
    void end() {
        if (!thread_.joinable()) return;
        psql("postgres",
             "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'ncb_holder'");
        thread_.join();
    }

private:
    [[nodiscard]] std::string count() const {
        return psql("postgres", "select count(*) from pg_stat_activity where application_name = 'ncb_holder'");
    }
    std::string db_;
    std::thread thread_;
};

void fresh_database(const std::string& name) {
    psql("postgres", "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    psql("postgres",
         "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ncb_owner') THEN "
         "CREATE ROLE ncb_owner LOGIN CREATEDB; END IF; IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
         "'ncb_plain') THEN CREATE ROLE ncb_plain LOGIN; END IF; END $$");
    psql("postgres", "CREATE DATABASE " + name + " OWNER ncb_owner");
    psql(name,
         "SET ROLE ncb_owner; CREATE TABLE \"applicationVersion\"(id serial primary key, value text); "
         "INSERT INTO \"applicationVersion\"(value) VALUES ('2.2.15'); "
         "CREATE TABLE migrations(name text primary key); "
         "INSERT INTO migrations SELECT 'm' || g FROM generate_series(1, 3) g; "
         "CREATE TABLE users(id serial primary key, name text, blob bytea); "
         "INSERT INTO users(name, blob) SELECT 'u' || g, decode(md5(g::text), 'hex') FROM generate_series(1, 500) g");
}

}  // namespace

TEST_CASE("clone preflight: rights, free names, and no session of another role on the database",
          "[backup][postgres][clone]") {
    fresh_database("ncb_clone_pre");
    auto tools = make_local_tool_runner();
    const auto names = backup::clone_names("ncb_clone_pre", "20261202T000000Z-aaaaaa");
    auto ok = backup::clone_preflight(*tools, owner_spec("ncb_clone_pre"), names, Deadline::after(30s));
    REQUIRE(ok);
    CHECK(ok->find("CREATEDB, member of owner ncb_owner") != std::string::npos);

    SECTION("a second session of another role is named, with what to do") {
        Holder other("ncb_clone_pre", "postgres");
        auto r = backup::clone_preflight(*tools, owner_spec("ncb_clone_pre"), names, Deadline::after(30s));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::Conflict);
        CHECK(r.error().message.find("user postgres (ncb_holder)") != std::string::npos);
        CHECK(r.error().message.find("backup.in_window: dump") != std::string::npos);
    }
    SECTION("a user without CREATEDB is refused") {
        auto plain = owner_spec("ncb_clone_pre");
        plain.user = "ncb_plain";
        auto r = backup::clone_preflight(*tools, plain, names, Deadline::after(30s));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::Auth);
        CHECK(r.error().message.find("lacks CREATEDB") != std::string::npos);
    }
    SECTION("a copy name already taken is refused") {
        psql("postgres", "CREATE DATABASE " + names.copy);
        auto r = backup::clone_preflight(*tools, owner_spec("ncb_clone_pre"), names, Deadline::after(30s));
        psql("postgres", "DROP DATABASE " + names.copy);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::Conflict);
        CHECK(r.error().message.find(names.copy) != std::string::npos);
    }
}

// Found at 3 GB by bench/upgrade: after a large restore, an autovacuum worker was at work on the database, and the
// preflight named it as a session of another role (user ?), refusing the clone.
TEST_CASE("clone: an autovacuum worker on the database is no session: the preflight passes, the copy ends it",
          "[backup][postgres][clone]") {
    fresh_database("ncb_clone_av");
    // Half of a table's rows dead, and its vacuum slowed to a crawl (cost limit 1, 100 ms per page): once the
    // launcher (naptime 1 s here) sends a worker, it stays on the database for minutes.
    psql("ncb_clone_av",
         "SET ROLE ncb_owner; CREATE TABLE churn AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 200000) "
         "g; ALTER TABLE churn SET (autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0, "
         "autovacuum_analyze_threshold = 0, autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1); "
         "DELETE FROM churn WHERE id % 2 = 0");
    struct Naptime {
        Naptime() { set("ALTER SYSTEM SET autovacuum_naptime = 1"); }
        ~Naptime() { set("ALTER SYSTEM RESET autovacuum_naptime"); }
        // ALTER SYSTEM runs alone (no transaction block); no REQUIRE here: the destructor may run while a failed
        // REQUIRE unwinds.
        static void set(const std::string& sql) {
            for (const std::string& q : {sql, std::string("SELECT pg_reload_conf()")})
                (void)net::run_process(
                    {.argv = {"psql", "-X", "-At", "-h", "127.0.0.1", "-p", std::to_string(NCBCTL_PG_PORT), "-U",
                              "postgres", "-d", "postgres", "-c", q}},
                    Deadline::after(30s));
        }
    } naptime;
    const std::string workers =
        "select count(*) from pg_stat_activity where datname = 'ncb_clone_av' and backend_type = 'autovacuum worker'";
    for (int i = 0; i < 600 && psql("postgres", workers) == "0"; ++i) std::this_thread::sleep_for(50ms);
    REQUIRE(psql("postgres", workers) == "1");

    auto tools = make_local_tool_runner();
    const auto names = backup::clone_names("ncb_clone_av", "20261203T000000Z-aaaaab");
    // As the owner (backend_type hidden on the worker's row) and as a superuser (it shows "autovacuum worker").
    for (const auto& spec : {owner_spec("ncb_clone_av"), test::pg_spec(NCBCTL_PG_PORT, "ncb_clone_av")}) {
        auto pre = backup::clone_preflight(*tools, spec, names, Deadline::after(30s));
        INFO(spec.user << ": " << (pre ? *pre : pre.error().message));
        REQUIRE(pre);
    }
    REQUIRE(psql("postgres", workers) == "1");  // still at work when the copy starts
    auto c = backup::clone_database(*tools, owner_spec("ncb_clone_av"), names.copy, 2s, Deadline::after(60s));
    INFO((c ? c->verified : c.error().message));
    REQUIRE(c);
    CHECK_FALSE(c->reused);
    CHECK(psql("postgres", "select count(*) from pg_database where datname = '" + names.copy + "'") == "1");
    CHECK(psql(names.copy, "select count(*) from churn") == "100000");
    psql("postgres", "DROP DATABASE " + names.copy + " WITH (FORCE)");
}

TEST_CASE("clone: backup.clone_strategy wal_log makes the same verified copy", "[backup][postgres][clone]") {
    fresh_database("ncb_clone_wl");
    auto tools = make_local_tool_runner();
    const auto names = backup::clone_names("ncb_clone_wl", "20261203T000000Z-aaaaac");
    auto c = backup::clone_database(*tools, owner_spec("ncb_clone_wl"), names.copy, 2s, Deadline::after(60s),
                                    backup::CloneStrategy::WalLog);
    INFO((c ? c->verified : c.error().message));
    REQUIRE(c);
    CHECK(c->strategy == "WAL_LOG");
    CHECK(c->verified.find("applicationVersion=1 migrations=3") != std::string::npos);
    CHECK(psql(names.copy, "select count(*) from users") == "500");
    CHECK(psql("postgres", "select pg_get_userbyid(datdba) from pg_database where datname = '" + names.copy + "'") ==
          "ncb_owner");
    psql("postgres", "DROP DATABASE " + names.copy + " WITH (FORCE)");
}

TEST_CASE("clone: made and verified, kept on a re-run, swapped back in place, the failed database set aside",
          "[backup][postgres][clone]") {
    fresh_database("ncb_clone");
    auto tools = make_local_tool_runner();
    const auto db = owner_spec("ncb_clone");
    const auto names = backup::clone_names("ncb_clone", "20261202T000001Z-bbbbbb");

    // A session still on the database once the nodes "stopped": named after the wait, nothing copied.
    {
        Holder late("ncb_clone", "ncb_owner");
        auto r = backup::clone_database(*tools, db, names.copy, 500ms, Deadline::after(60s));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::Conflict);
        CHECK(r.error().message.find("user ncb_owner (ncb_holder)") != std::string::npos);
        CHECK(psql("postgres", "select count(*) from pg_database where datname = '" + names.copy + "'") == "0");
    }

    auto made = backup::clone_database(*tools, db, names.copy, 5s, Deadline::after(120s));
    INFO((made ? std::string() : made.error().message));
    REQUIRE(made);
    CHECK_FALSE(made->reused);
    CHECK(made->strategy == "FILE_COPY");  // the default
    CHECK(made->verified.find("applicationVersion=1 migrations=3") != std::string::npos);
    CHECK(psql(names.copy, "select count(*) from users") == "500");
    CHECK(psql("postgres", "select pg_get_userbyid(datdba) from pg_database where datname = '" + names.copy + "'") ==
          "ncb_owner");
    WARN("clone of ncb_clone: " << made->seconds << " s (" << made->verified << ")");

    // A resumed run finds its copy and keeps it once it matches the (unchanged) source.
    auto again = backup::clone_database(*tools, db, names.copy, 5s, Deadline::after(120s));
    REQUIRE(again);
    CHECK(again->reused);
    CHECK(again->strategy.empty());  // not made now: no claim about how

    // The verification sees a difference.
    psql(names.copy, "INSERT INTO migrations VALUES ('extra')");
    auto differs = backup::verify_clone(*tools, db, names.copy, Deadline::after(30s));
    REQUIRE_FALSE(differs);
    CHECK(differs.error().code == ErrorCode::Verification);
    CHECK(differs.error().message.find("migrations=4") != std::string::npos);
    psql(names.copy, "DELETE FROM migrations WHERE name = 'extra'");

    // The failed upgrade writes and migrates; a leftover session is still on the database.
    psql("ncb_clone", "INSERT INTO migrations VALUES ('m4-new'); CREATE TABLE migrated(x int)");
    Holder leftover("ncb_clone", "ncb_owner");
    auto swapped = backup::swap_in_clone(*tools, db, names, Deadline::after(30s));
    REQUIRE(swapped);
    leftover.end();
    CHECK_FALSE(swapped->already);
    CHECK(swapped->terminated == 1);
    WARN("swap (terminate 1 session + 2 renames): " << swapped->seconds << " s");
    CHECK(psql("ncb_clone", "select count(*) from migrations") == "3");
    CHECK(psql("ncb_clone", "select count(*) from pg_tables where tablename = 'migrated'") == "0");
    CHECK(psql(names.failed, "select count(*) from migrations") == "4");
    CHECK(psql("postgres", "select count(*) from pg_database where datname = '" + names.copy + "'") == "0");
    // Resumed after the swap committed: nothing to do.
    auto twice = backup::swap_in_clone(*tools, db, names, Deadline::after(30s));
    REQUIRE(twice);
    CHECK(twice->already);
    REQUIRE(backup::drop_database(*tools, db, names.failed, Deadline::after(30s)));
}

TEST_CASE("clone: the durable dump is taken from the copy, proven restorable, then the copy dropped",
          "[backup][postgres][clone]") {
    fresh_database("ncb_clone_dump");
    auto tools = make_local_tool_runner();
    const auto db = owner_spec("ncb_clone_dump");
    const auto names = backup::clone_names("ncb_clone_dump", "20261202T000002Z-cccccc");
    auto made = backup::clone_database(*tools, db, names.copy, 5s, Deadline::after(120s));
    INFO((made ? std::string() : made.error().message));
    REQUIRE(made);
    // Traffic is live again: the source moves on, the copy stays what was before the upgrade.
    psql("ncb_clone_dump", "INSERT INTO migrations VALUES ('m4-after-upgrade')");

    const fs::path dir = fs::path(NCBCTL_PG_DIR) / "out" / "clone-dump";
    fs::remove_all(dir);
    auto m = backup::dump_database(*tools, db, dir.string(), "c-1", "run-c", Deadline::after(120s), names.copy);
    REQUIRE(m);
    CHECK(m->database == "ncb_clone_dump");
    CHECK(m->dumped_from == names.copy);
    auto manifest = backup::read_manifest(m->path);
    REQUIRE(manifest);
    CHECK(manifest->dumped_from == names.copy);
    auto verified = backup::verify_dump(*tools, db, m->path, Deadline::after(60s));
    REQUIRE(verified);
    auto scratch = backup::restore_to_scratch(*tools, db, m->path, Deadline::after(120s));
    REQUIRE(scratch);
    CHECK(scratch->find(": 3 tables") != std::string::npos);
    REQUIRE(backup::drop_database(*tools, db, names.copy, Deadline::after(30s)));
    auto gone = backup::database_exists(*tools, db, names.copy, Deadline::after(30s));
    REQUIRE(gone);
    CHECK_FALSE(*gone);

    // Restored, the dump is the database before the upgrade (the copy's content, not the source's now).
    REQUIRE(backup::restore_dump(*tools, db, m->path, Deadline::after(120s)));
    CHECK(psql("ncb_clone_dump", "select count(*) from migrations") == "3");
}

TEST_CASE("clone preflight: the server's free space for the copy, read where the tools run",
          "[backup][postgres][clone]") {
    fresh_database("ncb_clone_room");
    auto tools = make_local_tool_runner();
    const auto names = backup::clone_names("ncb_clone_room", "20261202T000000Z-bbbbbb");
    // The superuser may read data_directory: df there, on this machine (the server is on 127.0.0.1).
    auto super = test::pg_spec(NCBCTL_PG_PORT, "ncb_clone_room");
    auto s = backup::clone_space(*tools, super, Deadline::after(30s));
    REQUIRE(s);
    INFO(s->reason);
    REQUIRE(s->checkable);
    CHECK(s->dir == psql("postgres", "show data_directory"));
    struct statvfs vfs {};
    REQUIRE(::statvfs(s->dir.c_str(), &vfs) == 0);
    const double free_now = static_cast<double>(vfs.f_bavail) * static_cast<double>(vfs.f_frsize);
    CHECK(static_cast<double>(s->available) == Approx(free_now).epsilon(0.05));
    CHECK(s->needed > backup::kCloneMargin);
    auto ok = backup::clone_preflight(*tools, super, names, Deadline::after(30s));
    REQUIRE(ok);
    CHECK(ok->find(" free in " + s->dir) != std::string::npos);

    // The owner with CREATEDB only may not: the summary says why it cannot tell, and the preflight passes.
    auto owner = owner_spec("ncb_clone_room");
    auto o = backup::clone_space(*tools, owner, Deadline::after(30s));
    REQUIRE(o);
    CHECK_FALSE(o->checkable);
    CHECK(o->reason.find("may not read data_directory") != std::string::npos);
    auto pass = backup::clone_preflight(*tools, owner, names, Deadline::after(30s));
    REQUIRE(pass);
    CHECK(pass->find("server free space not checkable from here") != std::string::npos);

    // A database in a tablespace on a 32 MiB file system: its copy needs its size + 64 MiB, more than there
    // is. Refused before anything is copied, naming the directory.
    const fs::path ts = fs::path(NCBCTL_PG_DIR) / "small-ts";
    fs::create_directories(ts);
    REQUIRE(::mount("tmpfs", ts.c_str(), "tmpfs", 0, "size=32m,mode=700,uid=0") == 0);
    struct Unmount {
        fs::path p;
        ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
    } unmount{ts};
    auto chowned = net::run_process({.argv = {"chown", "postgres:postgres", ts.string()}}, Deadline::after(10s));
    REQUIRE((chowned && chowned->exit_code == 0));
    psql("postgres", "DROP DATABASE IF EXISTS ncb_clone_small WITH (FORCE)");
    psql("postgres", "DROP TABLESPACE IF EXISTS ncb_small");
    psql("postgres", "CREATE TABLESPACE ncb_small LOCATION '" + ts.string() + "'");
    psql("postgres", "CREATE DATABASE ncb_clone_small TABLESPACE ncb_small");
    auto small = test::pg_spec(NCBCTL_PG_PORT, "ncb_clone_small");
    auto refused = backup::clone_preflight(
        *tools, small, backup::clone_names("ncb_clone_small", "20261202T000000Z-cccccc"), Deadline::after(30s));
    psql("postgres", "DROP DATABASE ncb_clone_small");
    psql("postgres", "DROP TABLESPACE ncb_small");
    REQUIRE_FALSE(refused);
    INFO(refused.error().message);
    CHECK(refused.error().code == ErrorCode::Conflict);
    CHECK(refused.error().message.find("database server: " + ts.string()) != std::string::npos);
    CHECK(refused.error().message.find("use backup.in_window: dump") != std::string::npos);
}
