// The built ncbctl binary against the real HAProxy of tests/harness/traffic-peers.sh: `traffic status|
// maintenance|pin|live` checked through real HTTP and exit codes, the runs journaled, and
// `validate --connect` naming what it cannot reach.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "lb_peers.hpp"

using namespace ncbctl;
using namespace ncbctl::traffic_test;

namespace {

namespace fs = std::filesystem;

const std::string kDir = kPeers + "/cli";
const std::string kAll[] = {"backend-app1", "backend-app2", "backend-app3"};

// HAProxy's peers as an inventory file; the nodes' drivers point at a Docker socket that does not exist.
std::string write_inventory(const std::string& name, const std::string& extra = "") {
    fs::create_directories(kDir);
    const std::string path = kDir + "/" + name;
    std::ofstream out(path);
    out << "cluster: traffic-cli\napi: {lb_url: \"http://127.0.0.1:18020\", token_env: NCBCTL_TEST_TOKEN}\nnodes:\n";
    for (int i = 1; i <= 3; ++i)
        out << "  - {name: app" << i << ", url: \"http://127.0.0.1:1800" << i
            << "\", driver: docker, docker: {endpoint: \"unix://" << kDir << "/no-docker.sock\", container: app" << i
            << ", image: nocobase/nocobase}}\n";
    out << "traffic:\n  driver: haproxy\n  haproxy: {socket: " << kPeers
        << "/haproxy.sock, backend: be, servers: {app1: srv-app1, app2: srv-app2, app3: srv-app3}}\n"
        << "  bypass: {header: X-Ncbctl-Bypass, secret_env: NCBCTL_TEST_BYPASS}\n"
        << extra << "backup: {method: api, destination: " << kDir << "/backups}\n";
    return path;
}

net::ProcessResult run_cli(const std::string& inventory, std::vector<std::string> args) {
    Argv argv{NCBCTL_BIN, "-i", inventory, "--state-dir", kDir + "/state"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = net::run_process({.argv = argv,
                               .env = {{"NCBCTL_TEST_BYPASS", kSecret}, {"NCBCTL_TEST_PG", "not-the-password"}},
                               .unset_env = {"NCBCTL_INVENTORY"}},
                              Deadline::after(60s));
    REQUIRE(r);
    INFO(r->err);
    return *r;
}

nlohmann::json status_json(const std::string& inv) {
    auto r = run_cli(inv, {"--output", "json", "traffic", "status"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
}

std::set<std::string> all_backends() {
    return {std::begin(kAll), std::end(kAll)};
}

}  // namespace

TEST_CASE("ncbctl traffic status, maintenance, pin and live through the real HAProxy", "[traffic][cli]") {
    fs::remove_all(kDir);
    const std::string inv = write_inventory("inventory.yaml");

    auto live = run_cli(inv, {"--yes", "traffic", "live"});
    CHECK(live.exit_code == 0);
    CHECK(backends_answering(kHaproxyUrl) == all_backends());
    auto st = status_json(inv);
    CHECK(st["mode"] == "live");
    CHECK(st["serving"] == nlohmann::json::array({"app1", "app2", "app3"}));

    auto text = run_cli(inv, {"traffic", "status"});
    CHECK(text.exit_code == 0);
    CHECK_THAT(text.out, Catch::Contains("mode: live") && Catch::Contains("serving: app1, app2, app3"));

    // A change without a terminal or --yes does nothing and says why.
    auto unconfirmed = run_cli(inv, {"traffic", "maintenance"});
    CHECK(unconfirmed.exit_code == 2);
    CHECK_THAT(unconfirmed.err, Catch::Contains("--yes"));
    CHECK(status_json(inv)["mode"] == "live");

    auto maint = run_cli(inv, {"--yes", "traffic", "maintenance"});
    CHECK(maint.exit_code == 0);
    CHECK_THAT(maint.err, Catch::Contains("503"));  // the warning that clients are now turned away
    auto m = get(kHaproxyUrl);
    CHECK(m.status == 503);
    CHECK(m.retry_after == "120");
    CHECK(get(kHaproxyUrl, true).body == "backend-app1");  // the canary, through the bypass
    CHECK(status_json(inv)["mode"] == "maintenance");

    auto pin = run_cli(inv, {"--yes", "traffic", "pin", "app2"});
    CHECK(pin.exit_code == 0);
    CHECK(backends_answering(kHaproxyUrl) == std::set<std::string>{"backend-app2"});
    st = status_json(inv);
    CHECK(st["mode"] == "pinned");
    CHECK(st["pinned"] == "app2");

    // Not a node of the inventory: usage error, nothing changed, nothing journaled.
    auto bad = run_cli(inv, {"--yes", "traffic", "pin", "app9"});
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.err, Catch::Contains("app9") && Catch::Contains("inventory.yaml"));
    CHECK(status_json(inv)["pinned"] == "app2");

    auto back = run_cli(inv, {"--yes", "traffic", "restore"});  // the older name for live
    CHECK(back.exit_code == 0);
    CHECK(backends_answering(kHaproxyUrl) == all_backends());

    auto runs = run_cli(inv, {"--output", "json", "runs", "list"});
    REQUIRE(runs.exit_code == 0);
    std::vector<std::string> commands;
    for (const auto& r : nlohmann::json::parse(runs.out)) {
        CHECK(r["exit_code"] == 0);
        CHECK(r["result"] == "ok");
        commands.push_back(r["command"]);
    }
    CHECK(commands ==
          std::vector<std::string>{"traffic-live", "traffic-pin --node app2", "traffic-maintenance", "traffic-live"});

    auto plan = run_cli(inv, {"plan", "traffic-pin", "--node", "app3"});
    CHECK(plan.exit_code == 0);
    CHECK_THAT(plan.out, Catch::Contains("traffic/pin") && Catch::Contains("node=app3"));
}

TEST_CASE("ncbctl traffic: an unreachable LB fails status with 3 and a change in preflight", "[traffic][cli]") {
    fs::remove_all(kDir);
    std::string inv = write_inventory("inventory.yaml");
    // Same inventory, but the admin socket path names nothing.
    const std::string broken = kDir + "/broken.yaml";
    {
        std::ifstream in(inv);
        std::string yaml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        yaml.replace(yaml.find("/haproxy.sock"), 13, "/missing.sock");
        std::ofstream(broken) << yaml;
    }
    auto st = run_cli(broken, {"traffic", "status"});
    CHECK(st.exit_code == 3);
    CHECK_THAT(st.err, Catch::Contains("missing.sock"));
    auto maint = run_cli(broken, {"--yes", "traffic", "maintenance"});
    CHECK(maint.exit_code == 3);
    CHECK(get(kHaproxyUrl).status == 200);  // nothing changed
}

TEST_CASE("ncbctl validate --connect names each unreachable target and exits 3", "[traffic][cli]") {
    fs::remove_all(kDir);
    const std::string inv = write_inventory(
        "inventory.yaml",
        "database: {host: 127.0.0.1, port: 18049, name: nocobase, user: nocobase, password_env: NCBCTL_TEST_PG}\n");
    auto r = run_cli(inv, {"validate", "--connect"});
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.out, Catch::StartsWith("OK " + inv));
    CHECK_THAT(r.out, Catch::Contains("OK   traffic: haproxy, mode live"));
    for (const char* n : {"app1", "app2", "app3"}) {
        CHECK_THAT(r.out, Catch::Contains(std::string("FAIL node ") + n + ": node " + n));
        CHECK_THAT(r.out, Catch::Contains(std::string("FAIL api ") + n));
    }
    CHECK_THAT(r.out, Catch::Contains("no-docker.sock"));
    CHECK_THAT(r.out, Catch::Contains("FAIL database: postgres 127.0.0.1:18049/nocobase"));
    CHECK_THAT(r.err, Catch::Contains("7 of 8 targets unreachable"));
    CHECK(r.out.find("not-the-password") == std::string::npos);

    auto j = run_cli(inv, {"--output", "json", "validate", "--connect"});
    CHECK(j.exit_code == 3);
    auto doc = nlohmann::json::parse(j.out);
    CHECK(doc["valid"] == true);
    CHECK(doc["reachable"] == false);
    REQUIRE(doc["connect"].size() == 8);
    CHECK(doc["connect"][6]["target"] == "traffic");
    CHECK(doc["connect"][6]["ok"] == true);

    // Without --connect nothing is reached: the same inventory is valid.
    CHECK(run_cli(inv, {"validate"}).exit_code == 0);
}
