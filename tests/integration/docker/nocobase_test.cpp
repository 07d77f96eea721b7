// The Docker driver against a REAL NocoBase 2.2.15 node in a container (tests/harness/docker-nocobase.sh):
// the upgrade to the other image tag must make NocoBase run its real upgrade (database at 2.2.14 ->
// getInfo 2.2.15 after start), and rollback must bring the previous container back.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "fixture.hpp"
#include "net/http.hpp"

using namespace ncbctl;
using namespace ncbtest;
using namespace std::chrono_literals;

namespace {

struct Readiness {
    bool ready = false;
    bool saw_commanding = false;  // 503 APP_COMMANDING while loading / upgrading
    std::string version;          // getInfo data.version once ready
    std::string last;
};

// Polls /api/__health_check until 200, then reads app:getInfo. Stops early when the container died.
Readiness wait_ready(Engine& e, const std::string& container, int port, std::chrono::seconds budget) {
    Readiness r;
    net::HttpClient http;
    const std::string base = "http://127.0.0.1:" + std::to_string(port) + "/api/";
    const auto deadline = Deadline::after(budget);
    while (!deadline.expired()) {
        auto h = http.perform({.url = base + "__health_check"}, Deadline::after(5s));
        if (h) {
            r.last = std::to_string(h->status) + " " + h->body.substr(0, 160);
            if (h->status == 503 && h->body.find("APP_COMMANDING") != std::string::npos) r.saw_commanding = true;
            if (h->status == 200) {
                auto info = http.perform({.url = base + "app:getInfo"}, Deadline::after(10s));
                if (info && info->status == 200) {
                    auto j = Json::parse(info->body, nullptr, false);
                    if (j.is_object() && j.contains("data")) r.version = j["data"].value("version", "");
                }
                r.ready = true;
                return r;
            }
        }
        const Json c = e.inspect(container);
        if (c.is_null() || c["State"]["Status"] != "running") {
            r.last = "container " + container + " is " + (c.is_null() ? "gone" : c["State"]["Status"].dump());
            return r;
        }
        std::this_thread::sleep_for(500ms);
    }
    return r;
}

Json env_lines(const std::string& file) {
    Json env = Json::array();
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) env.push_back(line);
    return env;
}

bool has(const Json& arr, const std::string& v) {
    return std::find(arr.begin(), arr.end(), Json(v)) != arr.end();
}

}  // namespace

TEST_CASE("a real NocoBase node: upgrade by recreate runs NocoBase's upgrade; rollback swaps back", "[nocobase]") {
    const std::string app = env("NCB_NOCOBASE_APP");
    const std::string storage = env("NCB_NOCOBASE_STORAGE");
    REQUIRE(!app.empty());
    const int port = std::stoi(env("NCB_NOCOBASE_PORT"));
    const auto budget = 420s;  // 13-31 s measured; the machine is shared
    std::filesystem::create_directories(storage);
    std::filesystem::remove(storage + "/.upgrading");

    Engine e;
    e.create(
        "ncb-n1",
        {{"Image", "ncb/nocobase:2.2.14"},
         {"Env", env_lines(env("NCB_NOCOBASE_ENV"))},
         {"Labels", {{"ncb.node", "n1"}}},
         {"StopTimeout", 30},
         {"HostConfig",
          {{"NetworkMode", "host"},
           {"Init", true},
           {"Binds", {"/usr:/usr:ro", "/etc:/etc:ro", app + ":" + app + ":rw", storage + ":" + storage + ":rw"}}}}});
    const std::string old_id = e.inspect("ncb-n1")["Id"];

    Node n = node("ncb-n1");
    n.docker.stop_timeout = Seconds{30};
    n.docker.image = "ncb/nocobase";
    n.docker.upgrade_marker_dir = storage;  // start.js does not upgrade by itself (the official image would)
    auto d = driver(n);
    const auto step = [] { return Deadline::after(120s); };

    REQUIRE(d->start(step()));
    Readiness r1 = wait_ready(e, "ncb-n1", port, budget);
    INFO("last answer: " << r1.last);
    REQUIRE(r1.ready);
    CHECK(r1.version == "2.2.14");  // the database says 2.2.14 (set back by the harness)

    auto node_v = d->exec({"node", "-e", "process.stdout.write(process.version)"}, step());
    REQUIRE(node_v);
    CHECK(node_v->exit_code == 0);
    CHECK(node_v->out.starts_with("v"));

    REQUIRE(d->stop(step()));
    CHECK(e.inspect("ncb-n1")["State"]["ExitCode"] == 0);  // graceful: start.js handles SIGTERM

    REQUIRE(d->prepare("2.2.15", step()));
    REQUIRE(d->upgrade("2.2.15", step()));
    CHECK(std::filesystem::exists(storage + "/.upgrading"));
    const Json created = e.inspect("ncb-n1");
    CHECK(created["Id"] != old_id);
    CHECK(created["State"]["Status"] == "created");
    CHECK(has(created["Config"]["Env"], "NCB_IMAGE_VERSION=2.2.15"));
    CHECK_FALSE(has(created["Config"]["Env"], "NCB_IMAGE_VERSION=2.2.14"));
    CHECK(created["Config"]["Labels"]["org.nocobase.version"] == "2.2.15");
    CHECK(created["Config"]["Labels"]["ncb.node"] == "n1");
    CHECK(created["HostConfig"]["Binds"] == e.inspect("ncb-n1-ncbctl-prev")["HostConfig"]["Binds"]);
    CHECK(d->probe(step())->deployed_version == "2.2.15");

    REQUIRE(d->start(step()));
    Readiness r2 = wait_ready(e, "ncb-n1", port, budget);
    INFO("last answer: " << r2.last);
    REQUIRE(r2.ready);
    CHECK(r2.saw_commanding);
    CHECK(r2.version == "2.2.15");  // NocoBase ran its upgrade on start
    CHECK_FALSE(std::filesystem::exists(storage + "/.upgrading"));
    REQUIRE(d->stop(step()));
    CHECK(e.inspect("ncb-n1")["State"]["ExitCode"] == 0);

    REQUIRE(d->rollback("2.2.14", step()));
    const Json back = e.inspect("ncb-n1");
    CHECK(back["Id"] == old_id);
    CHECK(back["Config"]["Image"] == "ncb/nocobase:2.2.14");
    CHECK(e.inspect("ncb-n1-ncbctl-prev").is_null());
    REQUIRE(d->start(step()));
    Readiness r3 = wait_ready(e, "ncb-n1", port, budget);
    INFO("last answer: " << r3.last);
    CHECK(r3.ready);  // the previous container serves again (the database rollback is the backup's job)
    REQUIRE(d->stop(step()));
}
