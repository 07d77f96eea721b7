#pragma once
// The peers of tests/harness/traffic-peers.sh as the traffic tests and the bench see them.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <set>
#include <string>

#include "ncbctl/inventory.hpp"
#include "net/http.hpp"
#include "net/process.hpp"

namespace ncbctl::traffic_test {

using namespace std::chrono_literals;

inline const std::string kPeers =
    std::getenv("NCBCTL_TRAFFIC_PEERS_DIR") ? std::getenv("NCBCTL_TRAFFIC_PEERS_DIR") : NCBCTL_TRAFFIC_PEERS;
inline const std::string kSecret = "test-bypass-secret-0123456789";  // the harness's HAProxy ACL holds the same
inline constexpr const char* kNginxUrl = "http://127.0.0.1:18010/";
inline constexpr const char* kHaproxyUrl = "http://127.0.0.1:18020/";

inline Deadline soon() {
    return Deadline::after(20s);
}

inline void harness(const std::string& cmd) {
    auto r = net::run_process({.argv = {NCBCTL_TRAFFIC_HARNESS, cmd, kPeers}}, soon());
    REQUIRE(r);
    INFO(r->err);
    REQUIRE(r->exit_code == 0);
}

inline Inventory base_inventory(const std::string& lb_url) {
    Inventory inv;
    inv.cluster = "traffic-test";
    inv.lb_url = lb_url;
    for (const char* n : {"app1", "app2", "app3"}) inv.nodes.push_back(Node{.name = n});
    inv.canary = "app1";
    ::setenv("NCBCTL_TEST_BYPASS", kSecret.c_str(), 1);
    inv.traffic.bypass = BypassSpec{.header = "X-Ncbctl-Bypass", .secret = {.env = "NCBCTL_TEST_BYPASS"}};
    return inv;
}

inline Argv nginx_argv(std::initializer_list<std::string> extra) {
    Argv a{"nginx", "-p", kPeers + "/nginx", "-c", "conf/nginx.conf", "-e", "logs/error.log"};
    a.insert(a.end(), extra);
    return a;
}

inline Inventory nginx_inventory() {
    Inventory inv = base_inventory(kNginxUrl);
    inv.traffic.driver = "nginx";
    inv.traffic.include_file = kPeers + "/nginx/conf/ncbctl-traffic.conf";
    inv.traffic.upstreams = {{"app1", "127.0.0.1:18001"}, {"app2", "127.0.0.1:18002"}, {"app3", "127.0.0.1:18003"}};
    inv.traffic.test_command = nginx_argv({"-t"});
    inv.traffic.reload_command = nginx_argv({"-s", "reload"});
    return inv;
}

inline Inventory haproxy_inventory() {
    Inventory inv = base_inventory(kHaproxyUrl);
    inv.traffic.driver = "haproxy";
    inv.traffic.socket = kPeers + "/haproxy.sock";
    inv.traffic.backend = "be";
    inv.traffic.servers = {{"app1", "srv-app1"}, {"app2", "srv-app2"}, {"app3", "srv-app3"}};
    return inv;
}

struct Answer {
    long status = 0;
    std::string body;
    std::string retry_after;
};

inline Answer get(const std::string& url, bool bypass = false) {
    net::HttpClient http;  // a fresh connection per request: the LB balances per connection too
    net::HttpRequest req{.url = url};
    if (bypass) req.headers.emplace_back("X-Ncbctl-Bypass", kSecret);
    auto r = http.perform(req, soon());
    REQUIRE(r);
    std::string body = r->body;
    while (!body.empty() && body.back() == '\n') body.pop_back();
    return {r->status, body, r->header("retry-after")};
}

inline std::set<std::string> backends_answering(const std::string& url) {
    std::set<std::string> seen;
    for (int i = 0; i < 9; ++i) {
        auto a = get(url);
        CHECK(a.status == 200);
        seen.insert(a.body);
    }
    return seen;
}

}  // namespace ncbctl::traffic_test
