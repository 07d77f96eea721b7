// The cluster preflight (docs/preflight.md) on real SSH peers: two namespace hosts (each its own /srv) with
// different APP_KEYs and unshared storage are errors; two nodes on one host sharing their app directory pass,
// with the one warning of a cluster without adapters; the supervisord preset's environment= read from its
// configuration over SSH, and the Redis URL in it pinged against a real redis-server (tests/harness/redis.sh).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "net/process.hpp"
#include "wiring/wiring.hpp"

#include "drivers/ssh/ssh_driver.hpp"
#include "support.hpp"
#include "workflow/cluster_preflight.hpp"

using namespace ncbctl;
using namespace ssh_it;
using namespace std::chrono_literals;

namespace {

ServiceSpec app_in(const std::string& app_dir) {
    ServiceSpec s;
    s.preset = "custom";
    s.app_dir = app_dir;
    s.status = {"true"};
    s.start = {"true"};
    s.stop = {"true"};
    s.version = {"echo", "2.2.15"};
    return s;
}

workflow::ClusterPorts ports(const Inventory& inv) {
    workflow::ClusterPorts p;
    p.node_driver = [&inv](const Node& n) -> Result<NodeDriverPtr> { return make_ssh_driver(n, inv); };
    return p;
}

void run_on(const Node& n, const Inventory& inv, const std::string& script) {
    auto d = make_ssh_driver(n, inv);
    auto r = d->exec({"sh", "-c", script}, Deadline::after(20s));
    REQUIRE(r);
    REQUIRE(r->exit_code == 0);
}

std::size_t count_with(const workflow::PreflightReport& r, const std::string& severity, const std::string& check) {
    return static_cast<std::size_t>(std::ranges::count_if(
        r.details, [&](const Params& d) { return d.at("severity") == severity && d.at("finding") == check; }));
}

}  // namespace

TEST_CASE("cluster preflight on SSH peers: different APP_KEY and unshared storage are errors",
          "[ssh][preflight][netns]") {
    const auto hosts = ns_hosts();
    REQUIRE(hosts.size() >= 2);
    auto inv = inventory();
    for (std::size_t i = 0; i < 2; ++i) {
        auto t = lo_target();
        t.host = hosts[i];
        t.port = 22;
        inv.nodes.push_back(ssh_node("ns" + std::to_string(i + 1), t, app_in("/srv/nb-preflight")));
    }
    run_on(inv.nodes[0], inv,
           "mkdir -p /srv/nb-preflight/storage && printf 'APP_KEY=key-one-secret\\n' > /srv/nb-preflight/.env");
    run_on(inv.nodes[1], inv,
           "mkdir -p /srv/nb-preflight/storage && printf 'APP_KEY=key-two-secret\\n' > /srv/nb-preflight/.env");

    auto r = workflow::run_cluster_preflight(inv, ports(inv), false, Deadline::after(60s));
    for (const auto& l : r.lines) UNSCOPED_INFO(l);
    CHECK_FALSE(r.ok);
    CHECK(count_with(r, "error", "secrets") == 1);
    CHECK(count_with(r, "error", "storage") == 1);
    for (const auto& l : r.lines) {
        CHECK(l.find("key-one-secret") == std::string::npos);
        CHECK(l.find("key-two-secret") == std::string::npos);
    }
    // The nonce file was removed from the node that wrote it.
    auto d = make_ssh_driver(inv.nodes[0], inv);
    auto left = d->exec({"sh", "-c", "ls -A /srv/nb-preflight/storage | grep -c ncbctl-preflight || true"},
                        Deadline::after(20s));
    REQUIRE(left);
    CHECK(left->out.substr(0, 1) == "0");
    for (const auto& n : inv.nodes) run_on(n, inv, "rm -rf /srv/nb-preflight");
}

TEST_CASE("cluster preflight on SSH peers: one shared app directory passes with one no-adapters warning",
          "[ssh][preflight]") {
    const std::string app = E("DIR") + "/nb-preflight-shared";
    auto inv = inventory();
    for (const char* name : {"app1", "app2"}) inv.nodes.push_back(ssh_node(name, lo_target(), app_in(app)));
    run_on(
        inv.nodes[0], inv,
        "mkdir -p '" + app + "/storage' && printf 'APP_KEY=same-key\\nDB_DATABASE=nocobase\\n' > '" + app + "/.env'");
    auto r = workflow::run_cluster_preflight(inv, ports(inv), false, Deadline::after(60s));
    for (const auto& l : r.lines) UNSCOPED_INFO(l);
    CHECK(r.ok);
    CHECK(count_with(r, "error", "secrets") == 0);
    CHECK(count_with(r, "error", "storage") == 0);
    CHECK(count_with(r, "warning", "cluster_mode") == 1);
    // --strict: that warning refuses.
    auto strict = workflow::run_cluster_preflight(inv, ports(inv), true, Deadline::after(60s));
    CHECK_FALSE(strict.ok);
    CHECK(count_with(strict, "error", "cluster_mode") == 1);
    run_on(inv.nodes[0], inv, "rm -rf '" + app + "'");
}

namespace {

// A private redis-server (with a password) for one test, stopped and removed at the end.
struct RedisPeer {
    std::string dir = E("DIR") + "/pf-redis";
    int port = 55468;
    std::string password;
    RedisPeer() {
        auto r =
            net::run_process({.argv = {NCBCTL_SOURCE_DIR "/tests/harness/redis.sh", "up", dir, std::to_string(port)}},
                             Deadline::after(30s));
        REQUIRE(r);
        INFO(r->err);
        REQUIRE(r->exit_code == 0);
        std::ifstream in(dir + "/password");
        std::getline(in, password);
        REQUIRE(!password.empty());
    }
    ~RedisPeer() {
        (void)net::run_process({.argv = {NCBCTL_SOURCE_DIR "/tests/harness/redis.sh", "down", dir}},
                               Deadline::after(30s));
    }
};

// supervisord's configuration for node `n` under DIR: the main file includes conf.d/*.conf, where the
// program's environment= is (as Debian lays it out). No supervisord runs on it: only the file is read.
ServiceSpec supervised(const std::string& dir, const std::string& environment) {
    std::filesystem::create_directories(dir + "/conf.d");  // the SSH node is this machine: write the files here
    std::ofstream(dir + "/supervisord.conf") << "[supervisord]\nlogfile=/dev/null\n[include]\nfiles = conf.d/*.conf\n";
    std::ofstream(dir + "/conf.d/nb.conf") << "[program:nb]\ncommand=/bin/true\nenvironment=" << environment << "\n";
    ServiceSpec s;
    s.preset = "supervisord";
    s.process = "nb";
    s.supervisor_config = dir + "/supervisord.conf";
    s.version = {"echo", "2.2.15"};
    return s;
}

}  // namespace

TEST_CASE("cluster preflight on SSH peers: supervisord environment= compared, its Redis URL pinged",
          "[ssh][preflight][redis]") {
    RedisPeer redis;
    auto inv = inventory();
    const std::string base = E("DIR") + "/pf-sv";
    const std::string good = "redis://:" + redis.password + "@127.0.0.1:" + std::to_string(redis.port) + "/0";
    auto setup = [&](const std::string& key2, const std::string& url) {
        inv.nodes.clear();
        for (int i = 1; i <= 2; ++i) inv.nodes.push_back(ssh_node("sv" + std::to_string(i), lo_target()));
        for (int i = 0; i < 2; ++i) {
            const std::string key = i == 0 ? "key,one secret" : key2;
            inv.nodes[i].ssh.service =
                supervised(base + std::to_string(i + 1), "APP_KEY=\"" + key + "\",REDIS_URL=\"" + url + "\"");
        }
    };
    auto check_hidden = [&](const workflow::PreflightReport& r) {
        for (const auto& l : r.lines) {
            UNSCOPED_INFO(l);
            CHECK(l.find(redis.password) == std::string::npos);
            CHECK(l.find("key,one secret") == std::string::npos);
        }
    };
    auto ports = [&inv] { return wiring::make_cluster_ports(inv); };

    // Same key, a Redis that answers: neither secrets nor redis finds anything.
    setup("key,one secret", good);
    auto clean = workflow::run_cluster_preflight(inv, ports(), false, Deadline::after(60s));
    check_hidden(clean);
    CHECK(count_with(clean, "error", "secrets") == 0);
    CHECK(count_with(clean, "info", "secrets") == 0);  // supervisord's environment is checkable
    CHECK(count_with(clean, "error", "redis") == 0);
    CHECK(count_with(clean, "info", "redis") == 0);
    CHECK(clean.ok);

    // Another key on sv2 (quoted, with a %% escape): an error.
    setup("key-two 100%%", good);
    auto differ = workflow::run_cluster_preflight(inv, ports(), false, Deadline::after(60s));
    check_hidden(differ);
    CHECK(count_with(differ, "error", "secrets") == 1);
    CHECK_FALSE(differ.ok);

    // The Redis URL with a wrong password, then a port nothing listens on: errors naming REDIS_URL.
    const std::string wrong = "redis://:not-the-password@127.0.0.1:" + std::to_string(redis.port) + "/0";
    setup("key,one secret", wrong);
    auto refused = workflow::run_cluster_preflight(inv, ports(), false, Deadline::after(60s));
    check_hidden(refused);
    CHECK(count_with(refused, "error", "redis") == 1);
    CHECK_THAT(refused.error, Catch::Contains("REDIS_URL") && Catch::Contains("credentials"));
    setup("key,one secret", "redis://:" + redis.password + "@127.0.0.1:" + std::to_string(redis.port + 1) + "/0");
    auto closed = workflow::run_cluster_preflight(inv, ports(), false, Deadline::after(60s));
    check_hidden(closed);
    CHECK(count_with(closed, "error", "redis") == 1);
    for (int i = 1; i <= 2; ++i) std::filesystem::remove_all(base + std::to_string(i));
}
