// Dumps, verification and restores with the tools running where database.run_on says, against real
// peers: `node:` over the real sshd of tests/harness/docker-run.sh (root on this host, whose pg_dump /
// mariadb-dump run there), `container:` through the real dockerd (a container of the busybox test image
// with this host's /usr and /etc mounted read-only and the host network: the client tools come from the
// host, nothing is pulled), reached over the engine's unix socket and over its TLS-verified tcp:// port (the
// restore's stdin then streams through ncbctl's own TLS connection). PostgreSQL and MariaDB from peers.sh,
// both with password logins.
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <csignal>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "backup/database_dump.hpp"
#include "fixture.hpp"
#include "net/process.hpp"
#include "wiring/wiring.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr const char* kTools = "ncb-dbtools";

std::string password() {
    std::ifstream in(std::string(NCBCTL_DBR_DIR) + "/pw");
    std::string pw;
    std::getline(in, pw);
    REQUIRE(!pw.empty());
    return pw;
}

// Runs SQL as the superuser (postgres over trust / MariaDB root over its socket): test setup and assertions
// independent of ncbctl.
std::string admin_sql(bool pg, const std::string& db, const std::string& sql) {
    Argv argv =
        pg ? Argv{"psql",
                  "-X",
                  "-At",
                  "-h",
                  "127.0.0.1",
                  "-p",
                  std::to_string(NCBCTL_DBR_PG_PORT),
                  "-U",
                  "postgres",
                  "-d",
                  db,
                  "-v",
                  "ON_ERROR_STOP=1",
                  "-c",
                  sql}
           : Argv{
                 "mariadb", "--no-defaults", "-N", "-B", "-uroot", "-S", std::string(NCBCTL_DBR_DIR) + "/my/sock", "-e",
                 sql};
    if (!pg && !db.empty()) argv.insert(argv.end() - 2, db);
    auto r = net::run_process({.argv = argv}, Deadline::after(120s));
    REQUIRE(r);
    INFO(r->err);
    REQUIRE(r->exit_code == 0);
    return net::last_lines(r->out, 1);
}

// The tools container: started once per process, removed by the harness with the engine.
void ensure_tools_container() {
    static bool done = false;
    if (done) return;
    ncbtest::Engine e;
    const ncbtest::Json body = {{"Image", ncbtest::repo() + ":1.0"},
                                {"Cmd", {"sleep", "100000"}},
                                {"HostConfig",
                                 {{"NetworkMode", "host"},
                                  {"Binds",
                                   {"/usr:/usr:ro", "/etc:/etc:ro", "/usr/lib:/lib:ro", "/usr/lib64:/lib64:ro",
                                    std::string(NCBCTL_DBR_DIR) + ":" + NCBCTL_DBR_DIR + ":ro"}}}}};
    e.create(kTools, body);
    auto r = e.call("POST", std::string("/containers/") + kTools + "/start");
    REQUIRE((r.status == 204 || r.status == 304));
    done = true;
}

// How the tools container's engine is reached: its unix socket, plain tcp:// (docker-run.sh's socat relay to
// that socket), or tcp:// with TLS both ways (docker-run.sh's certificates).
enum class Via { Unix, Tcp, Tls };

Inventory inventory(const std::string& run_on, bool pg, const std::string& dbname, Via via = Via::Unix) {
    Inventory inv;
    inv.cluster = "dbr";
    Node s;
    s.name = "app1";
    s.driver = DriverKind::Ssh;
    s.ssh.target.host = "127.0.0.1";
    s.ssh.target.port = std::stoi(ncbtest::env("NCB_SSH_PORT"));
    s.ssh.target.user = "root";
    s.ssh.target.identity_file = ncbtest::env("NCB_SSH_ID");
    s.ssh.target.known_hosts_file = ncbtest::env("NCB_SSH_KNOWN_HOSTS");
    s.ssh.target.config_file = "/dev/null";
    inv.nodes.push_back(s);
    inv.nodes.push_back(ncbtest::node("ncb-app-d1"));
    inv.nodes.back().name = "d1";
    if (via == Via::Tcp) inv.nodes.back().docker.endpoint = "tcp://" + ncbtest::env("NCB_DOCKER_TCP");
    if (via == Via::Tls) {
        const std::string dir = ncbtest::env("NCB_DOCKER_TLS_DIR");
        auto& n = inv.nodes.back().docker;
        n.endpoint = "tcp://" + ncbtest::env("NCB_DOCKER_TLS");
        n.tls.ca_file = dir + "/ca.pem";
        n.tls.cert_file = dir + "/client.pem";
        n.tls.key_file = dir + "/client-key.pem";
    }
    inv.database.dialect = pg ? "postgres" : "mariadb";
    inv.database.host = "127.0.0.1";
    inv.database.port = pg ? NCBCTL_DBR_PG_PORT : NCBCTL_DBR_MY_PORT;
    inv.database.user = pg ? "ncbpw" : "ncb";
    inv.database.name = dbname;
    inv.database.password.env = "NCBCTL_DBR_PW";
    inv.database.run_on = run_on;
    return inv;
}

// Every `ps` line seen while `fn` runs (sampled every 10 ms).
template <typename Fn>
std::vector<std::string> sample_ps(Fn fn) {
    std::atomic<bool> stop{false};
    std::vector<std::string> lines;
    std::thread sampler([&] {
        while (!stop) {
            auto r = net::run_process({.argv = {"ps", "-eo", "args"}}, Deadline::after(10s));
            if (r) {
                std::istringstream in(r->out);
                for (std::string l; std::getline(in, l);) lines.push_back(l);
            }
            std::this_thread::sleep_for(10ms);
        }
    });
    fn();
    stop = true;
    sampler.join();
    return lines;
}

bool file_contains(const fs::path& p, const std::string& needle) {
    std::ifstream in(p, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return data.find(needle) != std::string::npos;
}

struct Target {
    const char* label;
    const char* run_on;
    const char* where;    // expected in ToolRunner::where()
    Via via = Via::Unix;  // how the container's engine is reached
};

constexpr Target kTargets[] = {{"ssh", "node:app1", "node app1"},
                               {"docker", "container:ncb-dbtools", "container ncb-dbtools"},
                               {"dockertcp", "container:ncb-dbtools", "container ncb-dbtools", Via::Tcp},
                               {"dockertls", "container:ncb-dbtools", "container ncb-dbtools", Via::Tls}};

const char* via_label(Via v) {
    return v == Via::Tls ? " (tcp:// + TLS)" : v == Via::Tcp ? " (plain tcp://)" : "";
}

}  // namespace

TEST_CASE("dump, verify and restore through run_on node: and container:, PostgreSQL and MariaDB", "[dbremote]") {
    ensure_tools_container();
    const std::string pw = password();
    ::setenv("NCBCTL_DBR_PW", pw.c_str(), 1);
    for (bool pg : {true, false}) {
        for (const auto& t : kTargets) {
            const std::string db = std::string("ncb_rt_") + t.label;
            DYNAMIC_SECTION((pg ? "postgres " : "mariadb ") << t.run_on << via_label(t.via)) {
                if (pg) {
                    admin_sql(true, "postgres", "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
                    admin_sql(true, "postgres", "CREATE DATABASE " + db + " OWNER ncbpw");
                    admin_sql(true, db,
                              "SET ROLE ncbpw; CREATE TABLE users(id serial primary key, name text); "
                              "INSERT INTO users(name) VALUES ('before'); CREATE TABLE bulk AS SELECT g AS id, "
                              "md5(g::text) AS v FROM generate_series(1, 300000) g");
                } else {
                    admin_sql(false, "", "DROP DATABASE IF EXISTS " + db + "; CREATE DATABASE " + db);
                    admin_sql(false, db,
                              "CREATE TABLE users(id int auto_increment primary key, name text); INSERT INTO "
                              "users(name) VALUES ('before'); CREATE TABLE bulk(id int primary key, v char(32)); "
                              "INSERT INTO bulk SELECT seq, md5(seq) FROM seq_1_to_300000; CREATE TRIGGER "
                              "users_t BEFORE INSERT ON users FOR EACH ROW SET NEW.name = NEW.name");
                }
                auto inv = inventory(t.run_on, pg, db, t.via);
                auto tools = wiring::make_tool_runner(inv);
                REQUIRE(tools);
                CHECK((*tools)->where().find(t.where) != std::string::npos);
                if (t.via != Via::Unix) CHECK((*tools)->where().find("tcp://") != std::string::npos);
                auto pre = backup::check_database(**tools, inv.database, Deadline::after(60s));
                INFO((pre ? *pre : pre.error().message));
                REQUIRE(pre);

                const fs::path dest = fs::path(NCBCTL_DBR_DIR) / "out" / (std::string(pg ? "pg-" : "my-") + t.label);
                fs::remove_all(dest);
                Result<backup::DumpManifest> m = fail(ErrorCode::Internal, "not run");
                auto seen = sample_ps([&] {
                    m = backup::dump_database(**tools, inv.database, dest.string(), "b1", "run-1",
                                              Deadline::after(120s));
                });
                INFO((m ? m->path : m.error().message));
                REQUIRE(m);
                CHECK(m->ran_on.find(t.where) != std::string::npos);
                CHECK(m->verified_by.find(pg ? "pg_restore --list" : "completion line") != std::string::npos);
                CHECK(m->bytes > 1'000'000);
                CHECK(backup::read_manifest(m->path)->ran_on == m->ran_on);
                // The sampler saw the dump tool run, and never the password.
                const std::string tool_name = pg ? "pg_dump" : "dump";
                CHECK(std::ranges::any_of(seen, [&](const auto& l) { return l.find(tool_name) != std::string::npos; }));
                CHECK(std::ranges::none_of(seen, [&](const auto& l) { return l.find(pw) != std::string::npos; }));
                for (const auto& f : fs::recursive_directory_iterator(dest))
                    if (f.is_regular_file()) CHECK_FALSE(file_contains(f.path(), pw));
                CHECK_FALSE(fs::exists(m->path + ".partial"));

                // Written after the backup (and a table a "migration" made): gone after the restore.
                if (pg)
                    admin_sql(true, db, "INSERT INTO users(name) VALUES ('after'); CREATE TABLE migrated(x int)");
                else
                    admin_sql(false, db, "INSERT INTO users(name) VALUES ('after'); CREATE TABLE migrated(x int)");
                auto restored = backup::restore_dump(**tools, inv.database, m->path, Deadline::after(120s));
                INFO((restored ? "" : restored.error().message));
                REQUIRE(restored);
                const std::string names = pg ? admin_sql(true, db, "SELECT string_agg(name, ',') FROM users")
                                             : admin_sql(false, db, "SELECT group_concat(name) FROM users");
                CHECK(names == "before");
                CHECK((pg ? admin_sql(true, db, "SELECT count(*) FROM pg_tables WHERE tablename = 'migrated'")
                          : admin_sql(false, db,
                                      "SELECT count(*) FROM information_schema.tables WHERE table_schema = database() "
                                      "AND table_name = 'migrated'")) == "0");
                CHECK((pg ? admin_sql(true, db, "SELECT count(*) FROM bulk")
                          : admin_sql(false, db, "SELECT count(*) FROM bulk")) == "300000");
                if (!pg)
                    CHECK(admin_sql(false, db,
                                    "SELECT count(*) FROM information_schema.triggers WHERE trigger_schema = "
                                    "database()") == "1");

                auto scratch = backup::restore_to_scratch(**tools, inv.database, m->path, Deadline::after(120s));
                INFO((scratch ? *scratch : scratch.error().message));
                REQUIRE(scratch);
                CHECK(scratch->find("into scratch database ncbctl_verify_") != std::string::npos);
                CHECK(scratch->find(": 2 tables") != std::string::npos);
            }
        }
    }
}

namespace {

// A dump tool that sends 64 KiB of a real dump, then dies by SIGKILL (as an OOM kill would): NAME.sh in the
// test directory (seen by the node's host and the tools container), running the real tool REAL.
std::string half_dump_tool(const std::string& name, const fs::path& real) {
    const fs::path script = fs::path(NCBCTL_DBR_DIR) / (name + ".sh");
    {
        std::ofstream out(script);
        out << "#!/bin/sh\n\"$0.real\" \"$@\" | head -c 65536\nkill -KILL $$\n";
    }
    fs::permissions(script, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
    fs::remove(script.string() + ".real");
    fs::create_symlink(real, script.string() + ".real");
    return script.string();
}

}  // namespace

TEST_CASE("a dump killed halfway leaves no file under its final name", "[dbremote]") {
    ensure_tools_container();
    ::setenv("NCBCTL_DBR_PW", password().c_str(), 1);
    fs::path real_pg;  // the newest /usr/lib/postgresql/N/bin/pg_dump (Debian's /usr/bin one is a Perl wrapper)
    for (const auto& v : fs::directory_iterator("/usr/lib/postgresql"))
        if (fs::exists(v.path() / "bin/pg_dump") && (real_pg.empty() || v.path() / "bin/pg_dump" > real_pg))
            real_pg = v.path() / "bin/pg_dump";
    REQUIRE(!real_pg.empty());
    REQUIRE(fs::exists("/usr/bin/mariadb-dump"));
    admin_sql(true, "postgres", "DROP DATABASE IF EXISTS ncb_half WITH (FORCE)");
    admin_sql(true, "postgres", "CREATE DATABASE ncb_half OWNER ncbpw");
    admin_sql(true, "ncb_half",
              "CREATE TABLE bulk AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 200000) g");
    admin_sql(false, "", "DROP DATABASE IF EXISTS ncb_half");
    admin_sql(false, "", "CREATE DATABASE ncb_half");
    admin_sql(false, "ncb_half", "CREATE TABLE bulk AS SELECT seq AS id, md5(seq) AS v FROM seq_1_to_200000");
    for (bool pg : {true, false}) {
        const std::string script =
            pg ? half_dump_tool("halfdump", real_pg) : half_dump_tool("halfdump-my", "/usr/bin/mariadb-dump");
        for (const auto& t : kTargets) {
            auto inv = inventory(t.run_on, pg, "ncb_half", t.via);
            inv.database.dump_command = script;
            auto tools = wiring::make_tool_runner(inv);
            REQUIRE(tools);
            const fs::path dest =
                fs::path(NCBCTL_DBR_DIR) / "out" / (std::string("half-") + t.label + (pg ? "-pg" : "-my"));
            fs::remove_all(dest);
            auto m = backup::dump_database(**tools, inv.database, dest.string(), "b1", "", Deadline::after(60s));
            REQUIRE_FALSE(m);
            INFO(m.error().message);
            CHECK(m.error().message.find(t.where) != std::string::npos);
            CHECK(fs::is_empty(dest));  // neither b1.pgdump / b1.sql nor its .partial
        }
    }
}

TEST_CASE("preflight: a missing tool or a wrong password is refused naming where the tools run", "[dbremote]") {
    ensure_tools_container();
    for (const auto& t : kTargets) {
        for (bool pg : {true, false}) {
            ::setenv("NCBCTL_DBR_PW", password().c_str(), 1);
            auto inv = inventory(t.run_on, pg, pg ? "postgres" : "mysql", t.via);
            inv.database.dump_command = "/nonexistent/bin/dumper";
            auto tools = wiring::make_tool_runner(inv);
            REQUIRE(tools);
            auto missing = backup::check_database(**tools, inv.database, Deadline::after(60s));
            REQUIRE_FALSE(missing);
            INFO(missing.error().message);
            CHECK(missing.error().code == ErrorCode::NotFound);
            CHECK(missing.error().message.find(t.where) != std::string::npos);
            CHECK(missing.error().message.find("/nonexistent/bin/dumper") != std::string::npos);

            inv.database.dump_command.clear();
            ::setenv("NCBCTL_DBR_PW", "definitely-wrong", 1);
            auto wrong = backup::check_database(**tools, inv.database, Deadline::after(60s));
            REQUIRE_FALSE(wrong);
            INFO(wrong.error().message);
            CHECK(wrong.error().message.find(t.where) != std::string::npos);
            CHECK(wrong.error().message.find("definitely-wrong") == std::string::npos);
        }
    }
}

TEST_CASE("preflight: run_on container: names a container that exists and runs on the engine", "[dbremote]") {
    ensure_tools_container();
    ::setenv("NCBCTL_DBR_PW", password().c_str(), 1);
    auto check = [](const std::string& run_on) {
        auto inv = inventory(run_on, true, "postgres");
        auto tools = wiring::make_tool_runner(inv);
        REQUIRE(tools);
        return backup::check_database(**tools, inv.database, Deadline::after(60s));
    };
    REQUIRE(check(std::string("container:") + kTools));

    auto missing = check("container:ncb-no-such-tools");
    REQUIRE_FALSE(missing);
    INFO(missing.error().message);
    CHECK(missing.error().code == ErrorCode::NotFound);
    CHECK(missing.error().message.find("database.run_on: container:ncb-no-such-tools: no such container on the "
                                       "engine of node d1") != std::string::npos);

    // A stopped container of the same image.
    ncbtest::Engine e;
    e.create("ncb-dbtools-stopped", {{"Image", ncbtest::repo() + ":1.0"}, {"Cmd", {"sleep", "100000"}}});
    auto stopped = check("container:ncb-dbtools-stopped");
    REQUIRE_FALSE(stopped);
    INFO(stopped.error().message);
    CHECK(stopped.error().code == ErrorCode::Conflict);
    CHECK(stopped.error().message.find("database.run_on: container:ncb-dbtools-stopped: the container is created") !=
          std::string::npos);
    CHECK(stopped.error().message.find("(start it first)") != std::string::npos);
}

namespace {

// `ncbctl backup run` through the binary, for run_on node:app1 or container:ncb-dbtools, into DEST.
fs::path cli_inventory(const std::string& label, const std::string& run_on, const fs::path& dest, Via via) {
    const fs::path dir = fs::path(NCBCTL_DBR_DIR) / ("cli-" + label);
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream out(dir / "ncbctl.yaml");
    out << "cluster: dbr\napi: {lb_url: \"http://127.0.0.1:9\", token_env: NCB_TOKEN}\nnodes:\n"
        << "  - name: app1\n    url: http://127.0.0.1:9\n    driver: ssh\n"
        << "    ssh: {host: 127.0.0.1, port: " << ncbtest::env("NCB_SSH_PORT")
        << ", user: root, identity_file: " << ncbtest::env("NCB_SSH_ID")
        << ", known_hosts_file: " << ncbtest::env("NCB_SSH_KNOWN_HOSTS") << "}\n"
        << "    service: {preset: supervisord, process: nocobase, app_dir: /opt/nocobase}\n"
        << "  - {name: d1, url: \"http://127.0.0.1:9\", driver: docker, docker: {endpoint: \"";
    if (via == Via::Tcp) {
        out << "tcp://" << ncbtest::env("NCB_DOCKER_TCP") << "\"";
    } else if (via == Via::Tls) {
        const std::string t = ncbtest::env("NCB_DOCKER_TLS_DIR");
        out << "tcp://" << ncbtest::env("NCB_DOCKER_TLS") << "\", tls: {ca_file: " << t << "/ca.pem, cert_file: " << t
            << "/client.pem, key_file: " << t << "/client-key.pem}";
    } else {
        out << "unix://" << ncbtest::env("NCB_DOCKER_SOCK") << "\"";
    }
    out << ", container: ncb-app-d1, image: x}}\n"
        << "database: {dialect: postgres, host: 127.0.0.1, port: " << NCBCTL_DBR_PG_PORT
        << ", name: ncb_big, user: ncbpw, password_env: NCBCTL_DBR_PW, run_on: \"" << run_on << "\"}\n"
        << "backup: {method: database, destination: " << dest.string() << "}\n";
    return dir;
}

net::ProcessResult run_ncbctl(const fs::path& dir, std::vector<std::string> args) {
    Argv argv{NCBCTL_BIN, "-i", (dir / "ncbctl.yaml").string(), "--state-dir", (dir / "state").string(), "--no-color"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = net::run_process({.argv = argv}, Deadline::after(300s));
    REQUIRE(r);
    return *r;
}

}  // namespace

TEST_CASE("ncbctl killed in the middle of backup run leaves no backup under its final name", "[dbremote]") {
    ensure_tools_container();
    ::setenv("NCBCTL_DBR_PW", password().c_str(), 1);
    admin_sql(true, "postgres", "DROP DATABASE IF EXISTS ncb_big WITH (FORCE)");
    admin_sql(true, "postgres", "CREATE DATABASE ncb_big OWNER ncbpw");
    // ~150 MB of incompressible rows: the dump runs for seconds, long enough to be caught halfway.
    admin_sql(true, "ncb_big",
              "CREATE EXTENSION IF NOT EXISTS pgcrypto; CREATE TABLE blob AS SELECT g AS id, "
              "gen_random_bytes(1024) AS b FROM generate_series(1, 150000) g; ALTER TABLE blob OWNER TO ncbpw");
    for (const auto& t : kTargets) {
        const fs::path dest = fs::path(NCBCTL_DBR_DIR) / "out" / (std::string("killed-") + t.label);
        fs::remove_all(dest);
        const fs::path dir = cli_inventory(t.label, t.run_on, dest, t.via);
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            const std::string inv = (dir / "ncbctl.yaml").string(), state = (dir / "state").string();
            ::execl(NCBCTL_BIN, NCBCTL_BIN, "-i", inv.c_str(), "--state-dir", state.c_str(), "-q", "backup", "run",
                    static_cast<char*>(nullptr));
            ::_exit(127);
        }
        // Wait until the stream has written a few MB into its .partial, then SIGKILL ncbctl.
        fs::path partial;
        for (int i = 0; i < 600 && partial.empty(); ++i) {
            std::this_thread::sleep_for(50ms);
            std::error_code ec;
            if (fs::exists(dest, ec))
                for (const auto& f : fs::directory_iterator(dest, ec))
                    if (f.path().string().ends_with(".partial") && f.file_size(ec) > 4U * 1024U * 1024U)
                        partial = f.path();
        }
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        INFO(t.label);
        REQUIRE_FALSE(partial.empty());
        REQUIRE(WIFSIGNALED(status));
        for (const auto& f : fs::directory_iterator(dest)) {
            INFO(f.path().string());
            CHECK(f.path().string().ends_with(".partial"));  // no dump and no manifest under a final name
        }
        // The next run is not disturbed by the leftover, and the catalog does not list it.
        auto again = run_ncbctl(dir, {"-q", "backup", "run"});
        INFO(again.err);
        REQUIRE(again.exit_code == 0);
        auto listed = run_ncbctl(dir, {"--output", "json", "backup", "list"});
        INFO(listed.out);
        REQUIRE(listed.exit_code == 0);
        const auto backups = nlohmann::json::parse(listed.out);
        REQUIRE(backups.size() == 1);
        CHECK_FALSE(std::string(backups[0]["path"]).ends_with(".partial"));
        CHECK(backups[0]["verified"] == true);
    }
}
