// Real pg_dump/pg_restore against a private PostgreSQL (the CTest fixture starts and stops it).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

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

DatabaseSpec spec(const std::string& name) {
    return test::pg_spec(NCBCTL_PG_PORT, name);
}

std::unique_ptr<ToolRunner> local_tools() {
    return make_local_tool_runner();
}

fs::path scratch(const std::string& name) {
    fs::path p = fs::path(NCBCTL_PG_DIR) / "out" / name;
    fs::remove_all(p);
    return p;
}

}  // namespace

TEST_CASE("dump, verify and restore a real PostgreSQL database", "[backup][postgres]") {
    psql("postgres", "DROP DATABASE IF EXISTS ncb_dump WITH (FORCE)");
    psql("postgres", "CREATE DATABASE ncb_dump");
    psql("ncb_dump", "CREATE TABLE users(id serial primary key, name text); INSERT INTO users(name) VALUES ('before')");
    auto dir = scratch("dump");

    auto m = backup::dump_database(*local_tools(), spec("ncb_dump"), dir.string(), "test-cluster-1", "run-1",
                                   Deadline::after(60s));
    REQUIRE(m);
    CHECK(fs::exists(m->path));
    CHECK_FALSE(fs::exists(m->path + ".partial"));
    CHECK((fs::status(m->path).permissions() & fs::perms::group_all) == fs::perms::none);
    CHECK(m->sha256.size() == 64);
    CHECK(m->verified_by.find("pg_restore --list") != std::string::npos);
    auto again = backup::verify_dump(*local_tools(), spec("ncb_dump"), m->path, Deadline::after(60s));
    REQUIRE(again);
    CHECK(again->sha256 == m->sha256);

    // Data written after the backup, plus a table a "migration" created: both gone after the restore.
    psql("ncb_dump", "INSERT INTO users(name) VALUES ('after'); CREATE TABLE migrated(x int)");
    REQUIRE(backup::restore_dump(*local_tools(), spec("ncb_dump"), m->path, Deadline::after(60s)));
    CHECK(psql("ncb_dump", "SELECT string_agg(name, ',') FROM users") == "before");
    CHECK(psql("ncb_dump", "SELECT count(*) FROM pg_tables WHERE tablename = 'migrated'") == "0");
}

TEST_CASE("a tampered or truncated dump is refused", "[backup][postgres]") {
    psql("postgres", "DROP DATABASE IF EXISTS ncb_tamper WITH (FORCE)");
    psql("postgres", "CREATE DATABASE ncb_tamper");
    psql("ncb_tamper", "CREATE TABLE t(x int); INSERT INTO t SELECT generate_series(1, 1000)");
    auto dir = scratch("tamper");
    auto m = backup::dump_database(*local_tools(), spec("ncb_tamper"), dir.string(), "b", "", Deadline::after(60s));
    REQUIRE(m);
    fs::resize_file(m->path, m->bytes / 2);
    auto v = backup::verify_dump(*local_tools(), spec("ncb_tamper"), m->path, Deadline::after(60s));
    REQUIRE_FALSE(v);
    CHECK(v.error().code == ErrorCode::Verification);
    auto r = backup::restore_dump(*local_tools(), spec("ncb_tamper"), m->path, Deadline::after(60s));
    REQUIRE_FALSE(r);
    CHECK(psql("ncb_tamper", "SELECT count(*) FROM t") == "1000");
}

TEST_CASE("a failed dump leaves no file and names the database", "[backup][postgres]") {
    auto dir = scratch("missing");
    auto m = backup::dump_database(*local_tools(), spec("no_such_db"), dir.string(), "x", "", Deadline::after(60s));
    REQUIRE_FALSE(m);
    CHECK(m.error().code == ErrorCode::Remote);
    CHECK(m.error().message.find("no_such_db") != std::string::npos);
    CHECK(fs::is_empty(dir));
}

TEST_CASE("the password travels only in the environment", "[backup][postgres]") {
    ::setenv("NCBCTL_IT_DBPW", "s3cret-value", 1);
    auto db = spec("no_such_db_either");
    db.password.env = "NCBCTL_IT_DBPW";
    auto m = backup::dump_database(*local_tools(), db, scratch("pw").string(), "x", "", Deadline::after(60s));
    REQUIRE_FALSE(m);
    CHECK(m.error().message.find("s3cret-value") == std::string::npos);
}
