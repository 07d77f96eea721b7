// The cluster preflight (docs/preflight.md) on real SSH peers: two namespace hosts (each its own /srv) with
// different APP_KEYs and unshared storage are errors; two nodes on one host sharing their app directory pass,
// with the one warning of a cluster without adapters.
#include <catch2/catch.hpp>

#include <algorithm>

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
