// The engine's commands end to end through the built binary: plan, runs, lock, resume.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>

#include "fakes/engine.hpp"
#include "ncbctl/cancel.hpp"
#include "net/process.hpp"
#include "plan/workflows.hpp"
#include "run/cluster_lock.hpp"
#include "run/executor.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;
using ncbctl::testing::RecordingRunner;
using ncbctl::testing::TempDir;

namespace {

constexpr const char* kInventory = R"(cluster: clitest
api:
  lb_url: http://127.0.0.1:18080
  token_env: NCB_TOKEN
nodes:
  - name: app1
    url: http://127.0.0.1:13001
    driver: docker
    docker: {endpoint: "unix:///var/run/docker.sock", container: app1, image: nocobase/nocobase}
  - name: app2
    url: http://127.0.0.1:13002
    driver: docker
    docker: {endpoint: "unix:///var/run/docker.sock", container: app2, image: nocobase/nocobase}
database: {name: nocobase, user: nocobase, password_env: DB_PASSWORD}
backup: {destination: /tmp/ncbctl-backups}
)";

struct Cli {
    TempDir dir;
    std::string inv = dir.path + "/ncbctl.yaml";
    std::string state = dir.path + "/state";
    Cli() { std::ofstream(inv) << kInventory; }
    net::ProcessResult operator()(std::vector<std::string> args) const {
        std::vector<std::string> argv{NCBCTL_BINARY, "-i", inv, "--state-dir", state};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = net::run_process({.argv = argv}, Deadline::after(30s));
        REQUIRE(r);
        return *r;
    }
};

}  // namespace

TEST_CASE("ncbctl plan prints a fingerprinted runbook and JSON, and refuses unsafe selections", "[plan][cli]") {
    Cli cli;
    auto text = cli({"plan", "upgrade", "--to", "2.2.16"});
    REQUIRE(text.exit_code == 0);
    CHECK(text.out.find("Plan: upgrade --to 2.2.16") != std::string::npos);
    CHECK(text.out.find("canary/start/app1") != std::string::npos);
    auto json = cli({"--output", "json", "plan", "upgrade", "--to", "2.2.16"});
    REQUIRE(json.exit_code == 0);
    auto j = nlohmann::json::parse(json.out);
    CHECK(j["workflow"] == "upgrade");
    CHECK(j["phases"].size() == 9);
    const std::string fp = j["fingerprint"];
    CHECK(text.out.find(fp) != std::string::npos);
    CHECK(nlohmann::json::parse(cli({"--output", "json", "plan", "upgrade", "--to", "2.2.16"}).out)["fingerprint"] ==
          fp);
    CHECK(nlohmann::json::parse(cli({"--output", "json", "plan", "upgrade", "--to", "2.2.17"}).out)["fingerprint"] !=
          fp);

    auto refused = cli({"plan", "upgrade", "--to", "2.2.16", "--only-phase", "fanout"});
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find("needs phase 'verify'") != std::string::npos);
    CHECK(cli({"plan", "upgrade", "--to", "2.2.16", "--only-phase", "nope"}).exit_code == 2);
    CHECK(cli({"plan", "upgrade", "--to", "2.2.16", "--until-phase", "verify"}).exit_code == 0);
    CHECK(cli({"plan", "upgrade", "--to", "2.2.16", "--early-traffic"}).out.find("early-traffic/pin/app1") !=
          std::string::npos);
    CHECK(cli({"plan", "start"}).out.find("first/start/app1") != std::string::npos);
    CHECK(cli({"plan", "stop"}).out.find("stop/app2") != std::string::npos);
    CHECK(cli({"plan", "upgrade"}).exit_code == 2);  // --to is required
}

TEST_CASE("ncbctl runs list/show render journals, resume refuses a changed inventory or an unknown run",
          "[resume][cli]") {
    Cli cli;
    CHECK(cli({"runs", "list"}).out.find("no runs") != std::string::npos);
    CHECK(cli({"resume"}).exit_code == 2);
    {
        RecordingRunner runner;
        runner.errors["canary/start/app1"] = {Error{ErrorCode::Remote, "container exited"}};
        runner.details["backup/database"] = {{"file", "/b/x.dump"}};
        auto plan = *plan::build_upgrade(testing::make_inventory(2), {.to = "2.2.16", .no_rollback = true});
        auto journal = Journal::open(journal_path(cli.state, "20261126T024512Z-00000a"));
        REQUIRE(journal);
        run::ExecOptions o;
        o.run_id = "20261126T024512Z-00000a";
        o.command = "upgrade --to 2.2.16 --no-rollback";
        CHECK(run::execute(plan, runner, **journal, o).exit == ExitCode::NeedsHuman);
    }
    auto list = cli({"runs", "list"});
    REQUIRE(list.exit_code == 0);
    CHECK(list.out.find("20261126T024512Z-00000a") != std::string::npos);
    CHECK(list.out.find("needs-human") != std::string::npos);
    auto show = cli({"runs", "show", "20261126T024512Z-00000a"});
    REQUIRE(show.exit_code == 0);
    CHECK(show.out.find("canary/start/app1") != std::string::npos);
    CHECK(show.out.find("container exited") != std::string::npos);
    CHECK(show.out.find("file=/b/x.dump") != std::string::npos);
    auto js = nlohmann::json::parse(cli({"--output", "json", "runs", "show", "20261126T024512Z-00000a"}).out);
    CHECK(js["exit_code"] == 6);
    CHECK(js["resumable"] == true);
    CHECK(cli({"runs", "show", "nope"}).exit_code == 2);

    // The journal's inventory hash is the fake's, not this file's: refused without --force.
    auto changed = cli({"resume", "20261126T024512Z-00000a"});
    CHECK(changed.exit_code == 2);
    CHECK(changed.err.find("--force") != std::string::npos);
    CHECK(cli({"resume", "no-such-run"}).exit_code == 2);
}

TEST_CASE("ncbctl lock status and release --force: refused while fresh, breaks a stale lock", "[lock][cli]") {
    Cli cli;
    CHECK(cli({"lock", "status"}).out.find("free") != std::string::npos);
    auto backend = run::make_local_lock(cli.state);
    auto me = run::make_holder("20261126T024512Z-00000b", "upgrade --to 9");
    REQUIRE(backend->try_acquire(me, Deadline::after(5s)));
    auto st = cli({"lock", "status"});
    CHECK(st.out.find("held by run 20261126T024512Z-00000b (upgrade --to 9)") != std::string::npos);
    auto js = nlohmann::json::parse(cli({"--output", "json", "lock", "status"}).out);
    CHECK(js["held"] == true);
    CHECK(js["stale"] == false);
    CHECK(cli({"lock", "release"}).exit_code == 2);
    auto refused = cli({"lock", "release", "--force"});
    CHECK(refused.exit_code == 4);
    CHECK(refused.err.find("heartbeat is fresh") != std::string::npos);

    // The same holder, hung: its heartbeat is an hour old.
    auto hung = me;
    hung.heartbeat -= 3600;
    REQUIRE(backend->release(me, Deadline::after(5s)));
    REQUIRE(backend->try_acquire(hung, Deadline::after(5s)));
    CHECK(cli({"lock", "status"}).out.find("STALE") != std::string::npos);
    auto broke = cli({"lock", "release", "--force"});
    CHECK(broke.exit_code == 0);
    CHECK(broke.out.find("released the stale lock") != std::string::npos);
    CHECK(cli({"lock", "status"}).out.find("free") != std::string::npos);
    CHECK_FALSE(backend->heartbeat(hung, Deadline::after(5s)));
}
