// The backup jobs (src/workflow/backup_jobs.hpp) over recording fakes of their ports: what each job asks of
// the lock, the nodes, the destination and the pings, in which order, and what it prints and exits with.
#include <catch2/catch.hpp>

#include <sstream>

#include "fakes/backup_ports.hpp"
#include "fakes/engine.hpp"
#include "workflow/backup_jobs.hpp"

using namespace ncbctl;
using namespace ncbctl::testing;

namespace {

struct Harness {
    Inventory inv = make_inventory(2);
    FakeBackupWorld world;
    workflow::BackupPorts ports = fake_backup_ports(world);
    std::ostringstream out, err;
    workflow::JobLog log{false, out, err};
    Harness() { inv.backup.destination = "/d"; }
    [[nodiscard]] workflow::BackupJob job() { return {inv, ports, log, ""}; }
};

BackupEntry entry(const std::string& name, std::int64_t time, bool verified) {
    return {.path = "/d/" + name, .name = name, .kind = "database", .time = time, .bytes = 100, .verified = verified};
}

}  // namespace

TEST_CASE("backup run database: lock, start ping, dump, summary, success ping", "[backup_jobs]") {
    Harness h;
    CHECK(workflow::run_backup(h.job(), {}) == ExitCode::Ok);
    CHECK(h.world.calls == std::vector<std::string>{"lock backup run --method database", "ping start",
                                                    "dump /d test-20251202T120000Z", "ping success"});
    const std::string summary =
        "backup /d/test-20251202T120000Z.pgdump (1.5 KiB) sha256 0123456789ab verified "
        "(pg_restore --list: 3 entries) in 2.0 s\n";
    CHECK(h.out.str() == summary);
    CHECK(h.err.str().empty());
    REQUIRE(h.world.ping_bodies.size() == 2);
    CHECK(h.world.ping_bodies[1] == summary);
}

TEST_CASE("backup run with the lock held is skipped with exit 4 and pings nothing", "[backup_jobs]") {
    Harness h;
    h.world.lock_refused = workflow::LockRefused{ExitCode::LockHeld, "held by run R (upgrade --to 2.2.16)"};
    CHECK(workflow::run_backup(h.job(), {}) == ExitCode::LockHeld);
    CHECK(h.world.calls == std::vector<std::string>{"lock backup run --method database"});
    CHECK(h.err.str() == "ncbctl: backup run --method database skipped: held by run R (upgrade --to 2.2.16)\n");
}

TEST_CASE("backup jobs without a destination exit 2 before the lock", "[backup_jobs]") {
    Harness h;
    h.inv.backup.destination.clear();
    CHECK(workflow::run_backup(h.job(), {}) == ExitCode::Usage);
    CHECK(workflow::download_backup(h.job(), "b.nbdata", "") == ExitCode::Usage);
    CHECK(workflow::prune_backups(h.job(), {}).code == ExitCode::Usage);
    CHECK(h.world.calls.empty());
    CHECK(
        h.err.str().starts_with("ncbctl: no backup destination: set backup.destination in test.yaml or pass "
                                "--dest DIR\n"));
    auto other = h.job();
    other.dest = "/elsewhere";
    CHECK(workflow::list_backups(other)->dest == "/elsewhere");
}

TEST_CASE("backup run with a bad method or a refused lock setting exits 2", "[backup_jobs]") {
    Harness h;
    CHECK(workflow::run_backup(h.job(), {.method = "nope"}) == ExitCode::Usage);
    CHECK(h.err.str() == "ncbctl: --method nope: expected database or api\n");
    h.world.lock_refused = workflow::LockRefused{ExitCode::Usage, "--lock-wait 5x: expected 30s or 5m"};
    CHECK(workflow::run_backup(h.job(), {}) == ExitCode::Usage);
    CHECK(h.err.str().ends_with("ncbctl: --lock-wait 5x: expected 30s or 5m\n"));
}

TEST_CASE("a failed dump sends the failure ping with the job's last lines and exits 1", "[backup_jobs]") {
    Harness h;
    h.world.dump_error = Error{ErrorCode::Remote, "pg_dump: connection refused"};
    CHECK(workflow::run_backup(h.job(), {}) == ExitCode::Failed);
    CHECK(h.world.calls.back() == "ping failure");
    CHECK(h.world.ping_bodies.back() == "error: pg_dump: connection refused\n");
    CHECK(h.err.str() == "ncbctl: pg_dump: connection refused\n");
}

TEST_CASE("backup run api: the first ready node makes, downloads, records and deletes its backup", "[backup_jobs]") {
    Harness h;
    h.world.node_phase["app1"] = AppPhase::Down;
    CHECK(workflow::run_backup(h.job(), {.method = "api", .delete_on_node = true}) == ExitCode::Ok);
    const std::string path = "/d/test-20251202T120000Z.nbdata";
    CHECK(h.world.calls == std::vector<std::string>{"lock backup run --method api", "ping start", "create on app2",
                                                    "mkdir /d", "download " + h.world.created + " from app2 to " + path,
                                                    "delete " + h.world.created + " on app2", "ping success"});
    REQUIRE(h.world.api_manifests.size() == 1);
    CHECK(h.world.api_manifests[0].node == "app2");
    CHECK(h.world.api_manifests[0].app_backup == h.world.created);
    CHECK(h.world.api_manifests[0].nocobase_version == "2.2.15");
    CHECK(h.out.str().starts_with("node app1 is not ready (" + std::string(to_string(AppPhase::Down)) +
                                  ": faked)\nnode app2 made backup " + h.world.created + "; downloading\nbackup " +
                                  path + " (2.0 KiB, NocoBase 2.2.15) sha256 abcdef012345 verified in "));
}

TEST_CASE("backup run api with no node ready exits 3 and pings the failure", "[backup_jobs]") {
    Harness h;
    h.world.node_phase = {{"app1", AppPhase::Down}, {"app2", AppPhase::Booting}};
    CHECK(workflow::run_backup(h.job(), {.method = "api"}) == ExitCode::Preflight);
    CHECK(h.world.calls.back() == "ping failure");
    CHECK(h.err.str() == "ncbctl: no node is ready for an API backup; start the cluster or use --method database\n");
    Harness one;
    one.world.node_phase["app2"] = AppPhase::Down;
    CHECK(workflow::run_backup(one.job(), {.method = "api", .node = "app2"}) == ExitCode::Preflight);
    CHECK(one.err.str() == "ncbctl: node app2 is not ready for an API backup\n");
}

TEST_CASE("an API backup never overwrites a file of the same second", "[backup_jobs]") {
    Harness h;
    h.world.files["/d/test-20251202T120000Z.nbdata"] = {};
    CHECK(workflow::run_backup(h.job(), {.method = "api"}) == ExitCode::Failed);
    CHECK(h.err.str() ==
          "ncbctl: /d/test-20251202T120000Z.nbdata already exists (two backups in the same "
          "second); run again\n");
    CHECK(h.world.calls.back() == "ping failure");
}

TEST_CASE("backup download takes the app's existing backup and creates none", "[backup_jobs]") {
    Harness h;
    CHECK(workflow::download_backup(h.job(), "backup_x.nbdata", "app2") == ExitCode::Ok);
    CHECK(h.world.calls == std::vector<std::string>{"lock backup download backup_x.nbdata", "mkdir /d",
                                                    "download backup_x.nbdata from app2 to "
                                                    "/d/test-20251202T120000Z.nbdata"});
    CHECK(h.out.str().starts_with("node app2 has backup backup_x.nbdata; downloading\n"));
    h.world.node_phase["app1"] = AppPhase::Down;
    CHECK(workflow::download_backup(h.job(), "backup_x.nbdata", "app1") == ExitCode::Preflight);
    CHECK(h.err.str() == "ncbctl: no node is ready to download backup_x.nbdata from; start the cluster\n");
}

TEST_CASE("backup verify of a dump restores it into a scratch database and records it", "[backup_jobs]") {
    Harness h;
    h.world.catalog = {entry("test-20251202T110000Z.pgdump", 1764673200, true)};
    CHECK(workflow::verify_backup(h.job(), "", true) == ExitCode::Ok);
    CHECK(h.world.calls == std::vector<std::string>{"list /d test", "lock backup verify test-20251202T110000Z.pgdump",
                                                    "scratch /d/test-20251202T110000Z.pgdump",
                                                    "record /d/test-20251202T110000Z.pgdump"});
    CHECK(h.out.str() == "/d/test-20251202T110000Z.pgdump: restorable (scratch restore: 3 tables)\n");
    h.world.scratch_error = Error{ErrorCode::Verification, "pg_restore: bad archive"};
    CHECK(workflow::verify_backup(h.job(), "/d/x.pgdump", false) == ExitCode::Failed);
    CHECK(h.world.calls.back() == "scratch /d/x.pgdump");
    CHECK(h.err.str() == "ncbctl: pg_restore: bad archive\n");
}

TEST_CASE("backup verify of an API backup compares size and checksum before the archive", "[backup_jobs]") {
    Harness h;
    const std::string p = "/d/test-20251202T110000Z.nbdata";
    h.world.files[p] = {.bytes = 10, .sha256 = "aa", .manifest = {{"aa", 10}}};
    CHECK(workflow::verify_backup(h.job(), p, false) == ExitCode::Ok);
    CHECK(h.world.files[p].restorable_by ==
          "archive re-check: zip with _metadata.json and data, NocoBase 2.2.15, sha256 matches");
    h.world.files[p].bytes = 11;
    CHECK(workflow::verify_backup(h.job(), p, false) == ExitCode::Failed);
    CHECK(h.err.str() == "ncbctl: " + p + ": size differs from its manifest (11 vs 10 bytes)\n");
    h.world.files[p] = {.bytes = 10, .sha256 = "bb", .manifest = {{"aa", 10}}};
    CHECK(workflow::verify_backup(h.job(), p, false) == ExitCode::Failed);
    CHECK(h.err.str().ends_with("ncbctl: " + p + ": SHA-256 differs from its manifest\n"));
    CHECK(h.world.calls.back() == "lock backup verify test-20251202T110000Z.nbdata");
}

TEST_CASE("backup verify needs exactly one of FILE or latest, and a backup to verify", "[backup_jobs]") {
    Harness h;
    CHECK(workflow::verify_backup(h.job(), "", false) == ExitCode::Usage);
    CHECK(workflow::verify_backup(h.job(), "/d/x.pgdump", true) == ExitCode::Usage);
    CHECK(h.world.calls.empty());
    CHECK(workflow::verify_backup(h.job(), "", true) == ExitCode::Failed);
    CHECK(h.err.str().ends_with("ncbctl: no backups of cluster test in /d\n"));
}

TEST_CASE("backup prune deletes outside the retention under the lock, dry run takes none", "[backup_jobs]") {
    Harness h;
    h.world.catalog = {entry("test-20251202T110000Z.pgdump", 1764673200, true),
                       entry("test-20251201T110000Z.pgdump", 1764586800, true),
                       entry("test-20251130T110000Z.pgdump", 1764500400, false)};
    auto dry = workflow::prune_backups(h.job(), {.dry_run = true, .keep_last = 1});
    CHECK(dry.code == ExitCode::Ok);
    CHECK(dry.decided);
    CHECK(h.world.calls == std::vector<std::string>{"list /d test"});
    CHECK(h.out.str() ==
          "keep   test-20251202T110000Z.pgdump  (last 1)\nwould delete test-20251201T110000Z.pgdump\n"
          "would delete test-20251130T110000Z.pgdump\n");
    REQUIRE(dry.rows.size() == 3);
    CHECK(dry.rows[1].bytes == 100);

    h.world.calls.clear();
    h.world.remove_error = Error{ErrorCode::Io, "Permission denied"};
    auto real = workflow::prune_backups(h.job(), {.keep_last = 1, .print = false});
    CHECK(real.code == ExitCode::Failed);
    CHECK(h.world.calls == std::vector<std::string>{"lock backup prune", "list /d test",
                                                    "remove /d/test-20251201T110000Z.pgdump",
                                                    "remove /d/test-20251130T110000Z.pgdump"});
    CHECK(h.err.str() ==
          "ncbctl: cannot delete /d/test-20251201T110000Z.pgdump: Permission denied\n"
          "ncbctl: cannot delete /d/test-20251130T110000Z.pgdump: Permission denied\n");
}

TEST_CASE("a quiet job log prints no info but keeps the last 20 lines for the ping", "[backup_jobs]") {
    std::ostringstream out, err;
    workflow::JobLog log(true, out, err);
    for (int i = 0; i < 25; ++i) log.info("line " + std::to_string(i));
    log.warn("w");
    CHECK(out.str().empty());
    CHECK(err.str() == "warning: w\n");
    CHECK(log.tail().starts_with("line 6\n"));
    CHECK(log.tail().ends_with("line 24\nwarning: w\n"));
}
