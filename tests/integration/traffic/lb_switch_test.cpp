// The traffic drivers against real nginx and HAProxy (tests/harness/traffic-peers.sh): every switch is
// checked with real HTTP requests through the LB, not only with the driver's own read-back.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <future>
#include <set>
#include <thread>

#include "lb_peers.hpp"
#include "ncbctl/command_runner.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/traffic_switch.hpp"
#include "net/http.hpp"
#include "net/local_runner.hpp"
#include "net/process.hpp"
#include "wiring/wiring.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;
using namespace ncbctl::traffic_test;

namespace {

void require_ok(const Status& s) {
    if (!s) FAIL(s.error().message);
}

// live -> maintenance -> pinned -> served by two nodes -> live, each step asserted through the LB.
void switch_round(TrafficSwitch& sw, const std::string& url) {
    const std::set<std::string> all{"backend-app1", "backend-app2", "backend-app3"};
    require_ok(sw.live(soon()));
    CHECK(backends_answering(url) == all);

    require_ok(sw.maintenance(soon()));
    auto m = get(url);
    CHECK(m.status == 503);
    CHECK(m.retry_after == "120");
    CHECK(m.body.find("maintenance") != std::string::npos);
    auto b = get(url, true);
    CHECK(b.status == 200);
    CHECK(b.body == "backend-app1");  // the canary, through the bypass
    auto st = sw.status(soon());
    REQUIRE(st);
    CHECK(st->mode == TrafficMode::Maintenance);

    require_ok(sw.pin("app2", soon()));
    CHECK(backends_answering(url) == std::set<std::string>{"backend-app2"});
    st = sw.status(soon());
    REQUIRE(st);
    CHECK(st->mode == TrafficMode::Pinned);
    CHECK(st->pinned_node == "app2");

    // serve (upgrade --early-traffic joins): only the named nodes answer, in whatever order they are given.
    require_ok(sw.serve({"app3", "app1"}, soon()));
    CHECK(backends_answering(url) == std::set<std::string>{"backend-app1", "backend-app3"});
    st = sw.status(soon());
    REQUIRE(st);
    CHECK(st->mode == TrafficMode::Partial);
    CHECK(st->admitted_nodes == std::vector<std::string>{"app1", "app3"});
    require_ok(sw.verify({.mode = TrafficMode::Partial, .admitted_nodes = {"app1", "app3"}}, soon()));
    CHECK_FALSE(sw.verify({.mode = TrafficMode::Partial, .admitted_nodes = {"app1", "app2"}}, Deadline::after(2s)));
    require_ok(sw.serve({"app1", "app2", "app3"}, soon()));  // every node: exactly live
    CHECK(backends_answering(url) == all);
    st = sw.status(soon());
    REQUIRE(st);
    CHECK(st->mode == TrafficMode::Live);

    require_ok(sw.live(soon()));
    CHECK(backends_answering(url) == all);
    require_ok(sw.verify({.mode = TrafficMode::Live}, soon()));
    CHECK_FALSE(sw.verify({.mode = TrafficMode::Maintenance}, Deadline::after(2s)));
}

}  // namespace

TEST_CASE("nginx driver switches live to maintenance to pinned to live through the real LB", "[traffic][nginx]") {
    auto sw = wiring::make_traffic_switch(nginx_inventory(), net::make_local_runner());
    switch_round(*sw, kNginxUrl);
}

TEST_CASE("haproxy driver switches live to maintenance to pinned to live through the real LB", "[traffic][haproxy]") {
    auto sw = wiring::make_traffic_switch(haproxy_inventory(), nullptr);
    switch_round(*sw, kHaproxyUrl);
}

TEST_CASE("haproxy driver works through a CommandRunner (socat on the LB host)", "[traffic][haproxy]") {
    Inventory inv = haproxy_inventory();
    inv.traffic.via_node = "app1";  // the runner stands for that node's SSH transport; here it runs locally
    auto sw = wiring::make_traffic_switch(inv, net::make_local_runner());
    require_ok(sw->pin("app3", soon()));
    CHECK(backends_answering(kHaproxyUrl) == std::set<std::string>{"backend-app3"});
    require_ok(sw->live(soon()));
}

TEST_CASE("command driver runs the operator's commands against a real HAProxy", "[traffic][command]") {
    Inventory inv = base_inventory(kHaproxyUrl);
    const std::string script = std::string(NCBCTL_TRAFFIC_DATA) + "/haproxy-lb-command.sh";
    const std::string sock = kPeers + "/haproxy.sock";
    inv.traffic.driver = "command";
    inv.traffic.cmd_maintenance = {script, sock, "maintenance"};
    inv.traffic.cmd_live = {script, sock, "live"};
    inv.traffic.cmd_pin = {script, sock, "pin", "{{node}}"};
    inv.traffic.cmd_status = {script, sock, "status"};
    inv.traffic.cmd_serve = {script, sock, "serve", "{{nodes}}"};
    auto sw = wiring::make_traffic_switch(inv, nullptr);
    switch_round(*sw, kHaproxyUrl);
}

TEST_CASE("a variant nginx -t rejects leaves the old file in place and fails the step", "[traffic][nginx]") {
    Inventory inv = nginx_inventory();
    auto good = wiring::make_traffic_switch(inv, nullptr);
    require_ok(good->maintenance(soon()));
    inv.traffic.upstreams["app2"] = "127.0.0.1:99999";  // nginx: invalid port in upstream
    auto bad = wiring::make_traffic_switch(inv, nullptr);
    auto r = bad->pin("app2", soon());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Remote);
    CHECK(r.error().message.find("invalid port") != std::string::npos);
    CHECK(r.error().message.find(kSecret) == std::string::npos);
    require_ok(good->verify({.mode = TrafficMode::Maintenance}, soon()));
    CHECK(get(kNginxUrl).status == 503);
    require_ok(good->live(soon()));
}

TEST_CASE("the nginx include holding the bypass secret is written 0600", "[traffic][nginx]") {
    auto sw = wiring::make_traffic_switch(nginx_inventory(), nullptr);
    require_ok(sw->maintenance(soon()));
    auto r = net::run_process({.argv = {"stat", "-c", "%a", kPeers + "/nginx/conf/ncbctl-traffic.conf"}}, soon());
    REQUIRE(r);
    CHECK(r->out == "600\n");
    require_ok(sw->live(soon()));
}

TEST_CASE("nginx state survives a reload and the probe sees a file that was not applied", "[traffic][nginx]") {
    Inventory inv = nginx_inventory();
    auto sw = wiring::make_traffic_switch(inv, nullptr);
    require_ok(sw->maintenance(soon()));
    harness("reload-nginx");
    require_ok(sw->verify({.mode = TrafficMode::Maintenance}, soon()));
    CHECK(get(kNginxUrl).status == 503);
    // A switch whose reload does nothing: the file says live, the LB still serves the maintenance page.
    inv.traffic.reload_command = {"true"};
    auto no_reload = wiring::make_traffic_switch(inv, nullptr);
    auto r = no_reload->live(Deadline::after(8s));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Verification);
    require_ok(sw->live(soon()));
    CHECK(get(kNginxUrl).status == 200);
}

TEST_CASE("haproxy forgets runtime state on reload and re-asserting restores it after verify notices",
          "[traffic][haproxy]") {
    auto sw = wiring::make_traffic_switch(haproxy_inventory(), nullptr);
    require_ok(sw->maintenance(soon()));
    CHECK(get(kHaproxyUrl).status == 503);
    harness("reload-haproxy");
    CHECK(get(kHaproxyUrl).status == 200);  // the reloaded HAProxy serves again: state lost
    auto v = sw->verify({.mode = TrafficMode::Maintenance}, soon());
    REQUIRE_FALSE(v);
    CHECK(v.error().code == ErrorCode::Verification);
    require_ok(sw->maintenance(soon()));  // what the engine does after each phase
    CHECK(get(kHaproxyUrl).status == 503);
    require_ok(sw->live(soon()));
}

TEST_CASE("haproxy: a missing admin socket is Unreachable and named", "[traffic][haproxy]") {
    Inventory inv = haproxy_inventory();
    inv.traffic.socket = kPeers + "/missing.sock";
    auto sw = wiring::make_traffic_switch(inv, nullptr);
    auto r = sw->maintenance(soon());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Unreachable);
    CHECK(r.error().message.find("missing.sock") != std::string::npos);
    inv.traffic.via_node = "app1";
    auto remote = wiring::make_traffic_switch(inv, net::make_local_runner())->status(soon());
    REQUIRE_FALSE(remote);
    CHECK(remote.error().code == ErrorCode::Unreachable);
    CHECK(get(kHaproxyUrl).status == 200);
}

TEST_CASE("haproxy: an unknown server name fails before anything is changed", "[traffic][haproxy]") {
    Inventory inv = haproxy_inventory();
    inv.traffic.servers["app3"] = "srv-nope";
    auto sw = wiring::make_traffic_switch(inv, nullptr);
    auto r = sw->maintenance(soon());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::NotFound);
    CHECK(r.error().message.find("srv-nope") != std::string::npos);
    CHECK(r.error().message.find("app3") != std::string::npos);
    CHECK(get(kHaproxyUrl).status == 200);
}

TEST_CASE("nginx bypass by source address reaches the canary in maintenance", "[traffic][nginx]") {
    Inventory inv = nginx_inventory();
    inv.traffic.bypass->source = "127.0.0.2";  // not us: still the 503 page
    require_ok(wiring::make_traffic_switch(inv, nullptr)->maintenance(soon()));
    CHECK(get(kNginxUrl).status == 503);
    inv.traffic.bypass->source = "127.0.0.0/8";  // the harness's proxy sets X-Real-IP to our address
    auto sw = wiring::make_traffic_switch(inv, nullptr);
    require_ok(sw->maintenance(soon()));
    auto a = get(kNginxUrl);
    CHECK(a.status == 200);
    CHECK(a.body == "backend-app1");
    require_ok(sw->live(soon()));
}

namespace {

// A request through the LB at `url` that stays in flight for `seconds` on the server it reaches: status and
// body, or status 0 when the connection was cut.
std::future<Answer> slow_request(int seconds, const std::string& url = kHaproxyUrl) {
    return std::async(std::launch::async, [seconds, url] {
        net::HttpClient http;
        auto r = http.perform({.url = url + "cgi-bin/slow?" + std::to_string(seconds)}, soon());
        if (!r) return Answer{};
        std::string body = r->body;
        while (!body.empty() && body.back() == '\n') body.pop_back();
        return Answer{r->status, body, ""};
    });
}

int wait_open(TrafficSwitch& sw, const std::string& node, int want) {
    int n = -1;
    for (int i = 0; i < 50 && n != want; ++i) {
        auto r = sw.open_sessions(node, soon());
        REQUIRE(r);
        n = *r;
        if (n != want) std::this_thread::sleep_for(100ms);
    }
    return n;
}

}  // namespace

TEST_CASE("haproxy: a request in flight on a server in maint runs on and is counted; close_sessions cuts it",
          "[traffic][haproxy][drain]") {
    auto sw = wiring::make_traffic_switch(haproxy_inventory(), nullptr);
    require_ok(sw->pin("app2", soon()));
    auto done = slow_request(2);
    REQUIRE(wait_open(*sw, "app2", 1) == 1);
    require_ok(sw->maintenance(soon()));
    auto n = sw->open_sessions("app2", soon());
    REQUIRE(n);
    CHECK(*n == 1);  // maint takes no new request, but the one in flight goes on
    auto a = done.get();
    CHECK(a.status == 200);
    CHECK(a.body == "slow-done-app2");
    CHECK(wait_open(*sw, "app2", 0) == 0);

    require_ok(sw->pin("app2", soon()));
    auto cut = slow_request(8);
    REQUIRE(wait_open(*sw, "app2", 1) == 1);
    require_ok(sw->maintenance(soon()));
    require_ok(sw->close_sessions("app2", soon()));
    CHECK(wait_open(*sw, "app2", 0) == 0);      // gone while the request still had seconds to run
    CHECK(cut.get().body != "slow-done-app2");  // the client never got the answer: cut, not waited for
    require_ok(sw->live(soon()));
}

TEST_CASE("nginx: the old workers' connection to a node in maintenance is counted (ss) until its request ends",
          "[traffic][nginx][drain]") {
    auto sw = wiring::make_traffic_switch(nginx_inventory(), net::make_local_runner());
    require_ok(sw->pin("app2", soon()));
    auto done = slow_request(2, kNginxUrl);
    REQUIRE(wait_open(*sw, "app2", 1) == 1);
    require_ok(sw->maintenance(soon()));  // a reload: the old worker keeps its request
    auto n = sw->open_sessions("app2", soon());
    REQUIRE(n);
    CHECK(*n == 1);
    auto a = done.get();
    CHECK(a.status == 200);
    CHECK(a.body == "slow-done-app2");
    CHECK(wait_open(*sw, "app2", 0) == 0);
    auto closed = sw->close_sessions("app2", soon());  // no nginx command for it: the stop goes on
    REQUIRE_FALSE(closed);
    CHECK(closed.error().code == ErrorCode::Unsupported);
    require_ok(sw->live(soon()));
}
