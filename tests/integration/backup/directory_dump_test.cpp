// database.dump_format: directory against the real PostgreSQL of the fixture: pg_dump -Fd -j 2 into a
// directory renamed into place, per-file checksums in the manifest, verify, the scratch restore and the
// rollback restore with pg_restore -j 2, a tampered file refused; a custom file pg_dump wrote restored with -j.
// The tools are wrapped by scripts that log their argv (and then exec the real tool), to prove the flags.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "backup/catalog.hpp"
#include "backup/database_dump.hpp"
#include "backup/local_tool_runner.hpp"
#include "common/psql.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr int kPort = NCBCTL_PG_PORT;

fs::path out_dir(const std::string& name) {
    fs::path p = fs::path(NCBCTL_PG_DIR) / "out" / name;
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

// A wrapper that appends its argv to `log` and runs the real tool.
std::string logging_tool(const fs::path& dir, const std::string& name, const fs::path& log) {
    const fs::path p = dir / ("log-" + name);
    std::ofstream(p) << "#!/bin/sh\necho \"$*\" >> '" << log.string() << "'\nexec " << name << " \"$@\"\n";
    ::chmod(p.c_str(), 0755);
    return p.string();
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void seed(const std::string& db) {
    test::psql(kPort, "postgres", "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    test::psql(kPort, "postgres", "CREATE DATABASE " + db);
    test::psql(kPort, db,
               "CREATE TABLE users(id serial primary key, name text); INSERT INTO users(name) VALUES ('before');"
               "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g;"
               "CREATE TABLE other AS SELECT g AS id FROM generate_series(1, 500) g");
}

}  // namespace

TEST_CASE("directory dump with 2 jobs: verify, scratch restore and rollback restore", "[backup][postgres][dir]") {
    seed("ncb_dir");
    const auto dir = out_dir("dir");
    const auto log = dir / "argv.log";
    auto db = test::pg_spec(kPort, "ncb_dir");
    db.dump_format = "directory";
    db.jobs = 2;
    db.dump_command = logging_tool(dir, "pg_dump", log);
    db.restore_command = logging_tool(dir, "pg_restore", log);
    auto tools = make_local_tool_runner();
    const auto dest = dir / "backups";

    auto m = backup::dump_database(*tools, db, dest.string(), "c-20261202T180000Z", "run-1", Deadline::after(120s));
    REQUIRE(m);
    CHECK(m->path == (dest / "c-20261202T180000Z.pgdir").string());
    CHECK(fs::is_directory(m->path));
    CHECK_FALSE(fs::exists(m->path + ".partial"));
    CHECK(fs::exists(fs::path(m->path) / "toc.dat"));
    CHECK((fs::status(m->path).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
    CHECK(m->dump_format == "directory");
    CHECK(m->files.size() >= 4);  // toc.dat + one data file per table
    CHECK(slurp(log).find("-Fd -j 2 -Z 1") != std::string::npos);

    auto manifest = backup::read_manifest(m->path);
    REQUIRE(manifest);
    CHECK(manifest->dump_format == "directory");
    CHECK(manifest->files.size() == m->files.size());
    CHECK(manifest->sha256 == m->sha256);

    auto listed = backup::list_backups(dest.string(), "c");
    REQUIRE(listed);
    REQUIRE(listed->size() == 1);
    CHECK(listed->front().verified);
    CHECK(listed->front().bytes == m->bytes);

    auto again = backup::verify_dump(*tools, db, m->path, Deadline::after(60s));
    REQUIRE(again);
    CHECK(again->verified_by.find("pg_restore --list") != std::string::npos);

    fs::remove(log);
    auto proof = backup::restore_to_scratch(*tools, db, m->path, Deadline::after(120s));
    REQUIRE(proof);
    CHECK(proof->find(": 3 tables") != std::string::npos);
    CHECK(slurp(log).find("--exit-on-error --no-password -j 2") != std::string::npos);

    test::psql(kPort, "ncb_dir", "INSERT INTO users(name) VALUES ('after'); CREATE TABLE migrated(x int)");
    fs::remove(log);
    REQUIRE(backup::restore_dump(*tools, db, m->path, Deadline::after(120s)));
    CHECK(slurp(log).find("-j 2") != std::string::npos);
    CHECK(test::psql(kPort, "ncb_dir", "SELECT string_agg(name, ',') FROM users") == "before");
    CHECK(test::psql(kPort, "ncb_dir", "SELECT count(*) FROM big") == "20000");
    CHECK(test::psql(kPort, "ncb_dir", "SELECT count(*) FROM pg_tables WHERE tablename = 'migrated'") == "0");
}

TEST_CASE("a tampered file in a directory dump fails verify and the restore", "[backup][postgres][dir]") {
    seed("ncb_dir_tamper");
    const auto dir = out_dir("dir-tamper");
    auto db = test::pg_spec(kPort, "ncb_dir_tamper");
    db.dump_format = "directory";
    auto tools = make_local_tool_runner();
    auto m = backup::dump_database(*tools, db, dir.string(), "t", "", Deadline::after(120s));
    REQUIRE(m);
    // The largest data file: one byte changed in place, same size.
    auto biggest = std::max_element(m->files.begin(), m->files.end(),
                                    [](const auto& a, const auto& b) { return a.bytes < b.bytes; });
    REQUIRE(biggest->name != "toc.dat");
    {
        std::fstream f(fs::path(m->path) / biggest->name, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(static_cast<std::streamoff>(biggest->bytes / 2));
        f.put('\x5a');
    }
    auto v = backup::verify_dump(*tools, db, m->path, Deadline::after(60s));
    REQUIRE_FALSE(v);
    CHECK(v.error().code == ErrorCode::Verification);
    CHECK(v.error().message.find(biggest->name + ": SHA-256 differs") != std::string::npos);
    test::psql(kPort, "ncb_dir_tamper", "INSERT INTO users(name) VALUES ('kept')");
    REQUIRE_FALSE(backup::restore_dump(*tools, db, m->path, Deadline::after(60s)));
    CHECK(test::psql(kPort, "ncb_dir_tamper", "SELECT count(*) FROM users") == "2");
    REQUIRE_FALSE(backup::restore_to_scratch(*tools, db, m->path, Deadline::after(60s)));

    // A file added to the directory is refused too.
    std::ofstream(fs::path(m->path) / "9999.dat.gz") << "x";
    auto extra = backup::verify_dump(*tools, db, m->path, Deadline::after(60s));
    REQUIRE_FALSE(extra);
    CHECK(extra.error().code == ErrorCode::Verification);
}

TEST_CASE("a custom dump pg_dump wrote itself is restored with jobs", "[backup][postgres][dir]") {
    seed("ncb_fc_jobs");
    const auto dir = out_dir("fc-jobs");
    const auto log = dir / "argv.log";
    auto db = test::pg_spec(kPort, "ncb_fc_jobs");
    db.jobs = 2;
    db.dump_command = logging_tool(dir, "pg_dump", log);
    db.restore_command = logging_tool(dir, "pg_restore", log);
    auto tools = make_local_tool_runner();
    auto m = backup::dump_database(*tools, db, (dir / "b").string(), "f", "", Deadline::after(120s));
    REQUIRE(m);
    CHECK(fs::is_regular_file(m->path));
    CHECK(m->dump_format == "custom");
    CHECK(m->data_offsets);
    CHECK(slurp(log).find("-Fc -Z 1 --no-password") != std::string::npos);
    test::psql(kPort, "ncb_fc_jobs", "INSERT INTO users(name) VALUES ('after')");
    fs::remove(log);
    REQUIRE(backup::restore_dump(*tools, db, m->path, Deadline::after(120s)));
    CHECK(slurp(log).find("-j 2") != std::string::npos);
    CHECK(test::psql(kPort, "ncb_fc_jobs", "SELECT string_agg(name, ',') FROM users") == "before");
}
