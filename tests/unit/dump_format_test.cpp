// database.dump_format / jobs / dump_compress: the inventory keys, the pg_dump and pg_restore flags they
// give, and the checksum of a directory dump (dump_digest.hpp).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "backup/dump_digest.hpp"
#include "backup/pg_dump_args.hpp"
#include "inventory_test_util.hpp"
#include "util/sha256.hpp"

using namespace ncbctl;
namespace fs = std::filesystem;

namespace {

std::string inventory(const std::string& database) {
    return "cluster: c\napi: {lb_url: http://lb, token_env: T}\n"
           "nodes:\n  - {name: a, url: \"http://a:13000\", driver: docker, docker: {container: a, "
           "image: nocobase/nocobase}}\n"
           "database: {name: nocobase, user: nocobase" +
           database + "}\nbackup: {method: database, destination: /b}\n";
}

std::string first_error(const std::string& database) {
    auto inv = parse_inventory(inventory(database), "dump.yaml");
    if (inv) return "";
    return inv.error().front().to_string();
}

fs::path dump_dir(const std::string& name) {
    fs::path p = fs::temp_directory_path() / ("ncbctl-digest-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

void write(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("database dump keys: defaults and values", "[inventory][dump]") {
    auto inv = parse_inventory(inventory(""), "dump.yaml");
    if (!inv) FAIL(test::joined(inv.error()));
    CHECK(inv->database.dump_format == "custom");
    CHECK(inv->database.jobs == 2);
    CHECK(inv->database.dump_compress == 1);
    auto set = parse_inventory(inventory(", dump_format: directory, jobs: 4, dump_compress: 0"), "dump.yaml");
    if (!set) FAIL(test::joined(set.error()));
    CHECK(set->database.dump_format == "directory");
    CHECK(set->database.jobs == 4);
    CHECK(set->database.dump_compress == 0);
}

TEST_CASE("database dump keys: bad values name the key and line", "[inventory][dump]") {
    CHECK(first_error(", dump_format: tar").find("dump.yaml:5:") == 0);
    CHECK(first_error(", dump_format: tar").find("database.dump_format") != std::string::npos);
    CHECK(first_error(", jobs: 0").find("database.jobs") != std::string::npos);
    CHECK(first_error(", jobs: 65").find("database.jobs") != std::string::npos);
    CHECK(first_error(", dump_compress: 10").find("database.dump_compress") != std::string::npos);
    CHECK(first_error(", dump_compress: -1").find("database.dump_compress") != std::string::npos);
}

TEST_CASE("a directory dump needs the tools on this machine", "[inventory][dump]") {
    const auto e = first_error(", run_on: \"container:db\", dump_format: directory");
    CHECK(e.find("database.dump_format") != std::string::npos);
    CHECK(e.find("run_on: local") != std::string::npos);
    CHECK(first_error(", run_on: \"container:db\", dump_format: custom, jobs: 3").empty());
}

TEST_CASE("dump keys are refused for MySQL and MariaDB", "[inventory][dump]") {
    for (const char* key : {"dump_format: custom", "jobs: 2", "dump_compress: 1"}) {
        const auto e = first_error(", dialect: mysql, " + std::string(key));
        CHECK(e.find("PostgreSQL only") != std::string::npos);
    }
    CHECK(first_error(", dialect: mariadb").empty());
}

TEST_CASE("pg_dump flags for each format", "[backup][dump]") {
    DatabaseSpec db;
    CHECK(backup::pg_dump_format_args(db) == Argv{"-Fc", "-Z", "1"});
    CHECK(backup::dump_extension(db) == ".pgdump");
    db.dump_compress = 6;
    db.jobs = 4;  // custom format is one job whatever jobs says
    CHECK(backup::pg_dump_format_args(db) == Argv{"-Fc", "-Z", "6"});
    db.dump_format = "directory";
    CHECK(backup::pg_dump_format_args(db) == Argv{"-Fd", "-j", "4", "-Z", "6"});
    CHECK(backup::dump_extension(db) == ".pgdir");
    db.jobs = 1;
    CHECK(backup::pg_dump_format_args(db) == Argv{"-Fd", "-Z", "6"});
    db.dialect = "mysql";
    CHECK(backup::dump_extension(db) == ".sql");
    CHECK_FALSE(backup::is_directory_format(db));
}

TEST_CASE("pg_restore jobs only where the dump can be read out of order", "[backup][dump]") {
    DatabaseSpec db;
    db.jobs = 3;
    using S = backup::RestoreSource;
    CHECK(backup::restore_jobs(db, S{.directory = true, .by_name = true}) == 3);
    CHECK(backup::restore_jobs(db, S{.by_name = true, .data_offsets = true}) == 3);
    CHECK(backup::restore_jobs(db, S{.by_name = true}) == 1);       // streamed dump: no data offsets
    CHECK(backup::restore_jobs(db, S{.data_offsets = true}) == 1);  // fed through stdin
    CHECK(backup::restore_jobs(db, S{.directory = true, .by_name = true, .single_transaction = true}) == 1);
    db.jobs = 1;
    CHECK(backup::restore_jobs(db, S{.directory = true, .by_name = true}) == 1);
}

TEST_CASE("directory digest: per-file sums and a sha256sum-style combined digest", "[backup][dump]") {
    const auto dir = dump_dir("ok");
    write(dir / "toc.dat", "table of contents");
    write(dir / "3001.dat.gz", "rows");
    auto d = backup::digest_directory(dir.string(), true);
    REQUIRE(d);
    REQUIRE(d->files.size() == 2);
    CHECK(d->files[0].name == "3001.dat.gz");
    CHECK(d->files[1].name == "toc.dat");
    CHECK(d->bytes == 17 + 4);
    CHECK(d->files[1].sha256 == util::sha256_hex("table of contents"));
    CHECK(d->sha256 == util::sha256_hex(util::sha256_hex("rows") + "  3001.dat.gz\n" +
                                        util::sha256_hex("table of contents") + "  toc.dat\n"));
    CHECK(backup::compare_digest(dir.string(), *d, *d));
    fs::remove_all(dir);
}

TEST_CASE("directory digest: a changed, added or missing file is named", "[backup][dump]") {
    const auto dir = dump_dir("tamper");
    write(dir / "toc.dat", "toc");
    write(dir / "3001.dat.gz", "rows");
    auto before = backup::digest_directory(dir.string(), false);
    REQUIRE(before);
    auto compare = [&] {
        auto now = backup::digest_directory(dir.string(), false);
        REQUIRE(now);
        auto st = backup::compare_digest(dir.string(), *before, *now);
        REQUIRE_FALSE(st);
        CHECK(st.error().code == ErrorCode::Verification);
        return st.error().message;
    };
    write(dir / "3001.dat.gz", "ROWS");  // same size, other bytes
    CHECK(compare().find("3001.dat.gz: SHA-256 differs") != std::string::npos);
    write(dir / "3001.dat.gz", "rows!");
    CHECK(compare().find("3001.dat.gz: size 5 differs") != std::string::npos);
    write(dir / "3001.dat.gz", "rows");
    write(dir / "9999.dat.gz", "extra");
    CHECK(compare().find("9999.dat.gz: a file the manifest does not list") != std::string::npos);
    fs::remove(dir / "9999.dat.gz");
    fs::remove(dir / "toc.dat");
    CHECK(compare().find("toc.dat: listed in the manifest, missing") != std::string::npos);
    fs::create_directory(dir / "sub");
    auto sub = backup::digest_directory(dir.string(), false);
    REQUIRE_FALSE(sub);
    CHECK(sub.error().message.find("sub is not a regular file") != std::string::npos);
    fs::remove_all(dir);
}
