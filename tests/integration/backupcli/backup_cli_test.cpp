// The real ncbctl binary as cron runs it, against a real PostgreSQL (CTest fixture, port 55404).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/psql.hpp"
#include "net/process.hpp"
#include "ping_listener.hpp"
#include "run/cluster_lock.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const fs::path kRoot = NCBCTL_BCLI_DIR;

std::string psql(const std::string& db, const std::string& sql) {
    return test::psql(NCBCTL_PG_PORT, db, sql);
}

struct Env {
    fs::path dir, inventory, state, dest;
};

// A fresh directory with an inventory whose backups go to dir/dest. `extra` is appended to backup:.
Env make_env(const std::string& name, const std::string& database, const std::string& backup_extra = "") {
    Env e;
    e.dir = kRoot / name;
    fs::remove_all(e.dir);
    fs::create_directories(e.dir);
    e.inventory = e.dir / "ncbctl.yaml";
    e.state = e.dir / "state";
    e.dest = e.dir / "dest";
    std::ofstream(e.inventory) << "cluster: itc\n"
                                  "api: {lb_url: \"http://127.0.0.1:9\", token_env: NCB_TOKEN}\n"
                                  "nodes:\n"
                                  "  - name: only\n"
                                  "    url: http://127.0.0.1:9\n"
                                  "    driver: docker\n"
                                  "    docker: {container: nocobase, image: nocobase/nocobase}\n"
                                  "database: {dialect: postgres, host: 127.0.0.1, port: "
                               << NCBCTL_PG_PORT << ", name: " << database
                               << ", user: postgres}\n"
                                  "backup:\n"
                                  "  method: database\n"
                                  "  destination: "
                               << e.dest.string() << "\n"
                               << backup_extra;
    return e;
}

net::ProcessResult run_cli(const Env& e, std::vector<std::string> args) {
    std::vector<std::string> argv{NCBCTL_BIN, "-i", e.inventory.string(), "--state-dir", e.state.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = net::run_process({.argv = argv}, Deadline::after(120s));
    REQUIRE(r);
    return *r;
}

void make_database(const std::string& name) {
    psql("postgres", "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    psql("postgres", "CREATE DATABASE " + name);
    psql(name, "CREATE TABLE users(id serial primary key, name text); INSERT INTO users(name) VALUES ('a'), ('b')");
}

nlohmann::json list_json(const Env& e) {
    auto r = run_cli(e, {"--output", "json", "backup", "list"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
}

// A dated file with a manifest that matches it (verified) or none (unverified).
void fake_backup(const Env& e, const std::string& stamp, bool verified) {
    fs::create_directories(e.dest);
    const fs::path p = e.dest / ("itc-" + stamp + ".pgdump");
    std::ofstream(p) << "dump " << stamp;
    if (verified)
        std::ofstream(p.string() + ".json") << nlohmann::json{
            {"sha256", std::string(64, 'a')},
            {"verified_by", "test"},
            {"bytes", fs::file_size(p)}}.dump();
}

}  // namespace

TEST_CASE("backup run -q, list, verify into a scratch database", "[backupcli]") {
    make_database("itc_src");
    auto e = make_env("run", "itc_src");
    auto r = run_cli(e, {"-q", "backup", "run"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK(r.err.empty());

    auto listed = list_json(e);
    REQUIRE(listed.size() == 1);
    CHECK(listed[0]["verified"] == true);
    CHECK(listed[0]["kind"] == "database");
    CHECK(listed[0]["restorable_at"] == "");
    const std::string path = listed[0]["path"];
    CHECK(fs::path(path).filename().string().starts_with("itc-"));
    CHECK((fs::status(path).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);

    auto v = run_cli(e, {"backup", "verify", "--latest"});
    INFO(v.err);
    REQUIRE(v.exit_code == 0);
    CHECK(v.out.find("restorable (pg_restore into scratch database ncbctl_verify_") != std::string::npos);
    CHECK(v.out.find(": 1 tables") != std::string::npos);
    CHECK(psql("postgres", "select count(*) from pg_database where datname like 'ncbctl_verify_%'") == "0");
    CHECK(list_json(e)[0]["restorable_at"] != "");

    // A corrupted file fails verification and is not recorded as restorable.
    std::string first_bytes(16, '\0');
    std::ifstream(path, std::ios::binary).read(first_bytes.data(), 16);
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(10);
        f.put('X');
    }
    auto bad = run_cli(e, {"backup", "verify", path});
    CHECK(bad.exit_code == 1);
    CHECK(bad.err.find("SHA-256 differs") != std::string::npos);
    // The hash is taken while the scratch restore reads the file: a changed last byte (past what pg_restore
    // needs) still fails the verification, and the scratch database is gone either way.
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(10);
        f.put(first_bytes.at(10));
        f.seekg(-1, std::ios::end);
        const char last = static_cast<char>(f.get());
        f.seekp(-1, std::ios::end);
        f.put(static_cast<char>(last ^ 0x5a));
    }
    auto tail = run_cli(e, {"backup", "verify", path});
    INFO(tail.err);
    CHECK(tail.exit_code == 1);
    CHECK(tail.err.find("SHA-256 differs") != std::string::npos);
    CHECK(psql("postgres", "select count(*) from pg_database where datname like 'ncbctl_verify_%'") == "0");
}

TEST_CASE("pings: start and success, start and fail with the log lines", "[backupcli]") {
    make_database("itc_ping");
    PingListener hc;
    {
        auto e = make_env("ping-ok", "itc_ping");
        auto r = run_cli(e, {"-q", "backup", "run", "--ping", hc.url("/hc/abc")});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        auto got = hc.requests();
        REQUIRE(got.size() == 2);
        CHECK(got[0].method == "GET");
        CHECK(got[0].path == "/hc/abc/start");
        CHECK(got[1].method == "POST");
        CHECK(got[1].path == "/hc/abc");
        CHECK(got[1].body.find("verified") != std::string::npos);
    }
    {
        auto e = make_env("ping-fail", "itc_missing_db", "  ping:\n    failure: " + hc.url("/fail-only") + "\n");
        auto r = run_cli(e, {"backup", "run", "--ping", hc.url("/hc/abc")});
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("itc_missing_db") != std::string::npos);
        auto got = hc.requests();
        REQUIRE(got.size() == 5);
        CHECK(got[2].path == "/hc/abc/start");
        CHECK(got[3].method == "POST");
        CHECK(got[3].path == "/fail-only");
        CHECK(got[4].path == "/hc/abc/fail");
        CHECK(got[4].body.find("itc_missing_db") != std::string::npos);
        CHECK(fs::is_empty(e.dest));
    }
}

TEST_CASE("prune: dry run first, retention from flags, never the newest verified", "[backupcli]") {
    auto e = make_env("prune", "unused", "  retention: {keep_daily: 1}\n");
    fake_backup(e, "20261126T030000Z", false);
    fake_backup(e, "20261126T020000Z", false);
    fake_backup(e, "20261125T010000Z", false);
    fake_backup(e, "20261120T010000Z", true);
    fake_backup(e, "20261110T010000Z", true);
    std::ofstream(e.dest / "notes.txt") << "not a backup";

    auto dry = run_cli(e, {"backup", "prune", "--dry-run", "--keep-last", "2"});
    INFO(dry.err);
    REQUIRE(dry.exit_code == 0);
    CHECK(dry.out.find("would delete itc-20261110T010000Z.pgdump") != std::string::npos);
    CHECK(dry.out.find("keep   itc-20261120T010000Z.pgdump  (newest verified)") != std::string::npos);
    CHECK(fs::exists(e.dest / "itc-20261110T010000Z.pgdump"));

    auto real = run_cli(e, {"backup", "prune", "--keep-last", "1"});
    INFO(real.err);
    REQUIRE(real.exit_code == 0);
    CHECK(fs::exists(e.dest / "itc-20261126T030000Z.pgdump"));  // last 1 and daily
    CHECK_FALSE(fs::exists(e.dest / "itc-20261126T020000Z.pgdump"));
    CHECK_FALSE(fs::exists(e.dest / "itc-20261125T010000Z.pgdump"));
    CHECK(fs::exists(e.dest / "itc-20261120T010000Z.pgdump"));  // newest verified
    CHECK(fs::exists(e.dest / "itc-20261120T010000Z.pgdump.json"));
    CHECK_FALSE(fs::exists(e.dest / "itc-20261110T010000Z.pgdump"));
    CHECK_FALSE(fs::exists(e.dest / "itc-20261110T010000Z.pgdump.json"));
    CHECK(fs::exists(e.dest / "notes.txt"));
}

TEST_CASE("a backup started while another process holds the cluster lock exits 4 and pings nothing", "[backupcli]") {
    make_database("itc_lock");
    auto e = make_env("lock", "itc_lock");
    fs::create_directories(e.state);
    PingListener hc;
    int ready[2], release[2];
    REQUIRE(::pipe(ready) == 0);
    REQUIRE(::pipe(release) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // The other run (an upgrade, say): holds the lock until the parent closes the pipe.
        ::close(ready[0]);
        ::close(release[1]);
        auto backend = run::make_local_lock(e.state.string());
        auto lock = run::ClusterLock::acquire(
            *backend, run::make_holder("20261126T024512Z-00f00d", "upgrade --to 2.2.16"), Duration{0}, Seconds{120});
        const char c = lock ? 'y' : 'n';
        (void)::write(ready[1], &c, 1);
        char x = 0;
        (void)::read(release[0], &x, 1);
        lock->reset();
        ::_exit(0);
    }
    ::close(ready[1]);
    ::close(release[0]);
    char c = 0;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    REQUIRE(c == 'y');

    auto r = run_cli(e, {"-q", "backup", "run", "--ping", hc.url("/hc")});
    CHECK(r.exit_code == 4);
    CHECK(r.err.find("skipped") != std::string::npos);
    CHECK(r.err.find("upgrade --to 2.2.16") != std::string::npos);
    CHECK(hc.requests().empty());
    CHECK_FALSE(fs::exists(e.dest));

    ::close(release[1]);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    auto after = run_cli(e, {"-q", "backup", "run"});
    INFO(after.err);
    CHECK(after.exit_code == 0);
}

TEST_CASE("backup run --method api with the API down: exit 3, one line, failure ping", "[backupcli]") {
    auto e = make_env("api-down", "unused");
    PingListener hc;
    auto r = run_cli(e, {"-q", "backup", "run", "--method", "api", "--ping", hc.url("/hc")});
    CHECK(r.exit_code == 3);
    CHECK(r.out.empty());
    CHECK(r.err == "ncbctl: no node is ready for an API backup; start the cluster or use --method database\n");
    auto got = hc.requests();
    REQUIRE(got.size() == 2);
    CHECK(got[1].path == "/hc/fail");
    CHECK(got[1].body.find("node only is not ready (down") != std::string::npos);

    auto bad = run_cli(e, {"backup", "run", "--method", "nope"});
    CHECK(bad.exit_code == 2);
    auto none = run_cli(e, {"backup", "verify"});
    CHECK(none.exit_code == 2);
}

TEST_CASE("a directory dump through the binary: run, list, verify, prune", "[backupcli][dir]") {
    make_database("itc_dir");
    auto e = make_env("dir", "itc_dir");
    {
        std::ifstream in(e.inventory);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const std::string from = "user: postgres}";
        text.replace(text.find(from), from.size(), "user: postgres, dump_format: directory, jobs: 2}");
        std::ofstream(e.inventory) << text;
    }
    auto first = run_cli(e, {"backup", "run"});
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    std::this_thread::sleep_for(1100ms);  // the next backup's name is one second later
    REQUIRE(run_cli(e, {"-q", "backup", "run"}).exit_code == 0);
    auto listed = list_json(e);
    REQUIRE(listed.size() == 2);
    for (const auto& b : listed) {
        CHECK(b["verified"] == true);
        CHECK(std::string(b["name"]).ends_with(".pgdir"));
        CHECK(fs::is_directory(std::string(b["path"])));
    }
    const std::string older = listed[1]["path"];

    auto v = run_cli(e, {"backup", "verify", "--latest"});
    INFO(v.err);
    REQUIRE(v.exit_code == 0);
    CHECK(v.out.find(": 1 tables") != std::string::npos);

    // One data file changed: verify names it and exits 1.
    for (const auto& f : fs::directory_iterator(older))
        if (f.path().filename() != "toc.dat") {
            std::ofstream(f.path(), std::ios::app) << "x";
            break;
        }
    auto bad = run_cli(e, {"backup", "verify", older});
    CHECK(bad.exit_code == 1);
    CHECK(bad.err.find("differs from the manifest") != std::string::npos);

    auto pruned = run_cli(e, {"backup", "prune", "--keep-last", "1"});
    INFO(pruned.err);
    REQUIRE(pruned.exit_code == 0);
    CHECK_FALSE(fs::exists(older));
    CHECK_FALSE(fs::exists(older + ".json"));
    CHECK(list_json(e).size() == 1);
}
