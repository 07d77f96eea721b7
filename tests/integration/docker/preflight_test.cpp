// The cluster preflight (docs/preflight.md) on real containers of the harness's engine: two containers whose
// APP_KEY differs are an error that never shows either key; two that share it pass the secrets check. Their
// Redis URL names the container's own loopback: not checkable from here (info), its password never shown.
#include <algorithm>
#include <catch2/catch.hpp>

#include "fixture.hpp"
#include "wiring/wiring.hpp"
#include "workflow/cluster_preflight.hpp"

using namespace ncbctl;
using namespace ncbtest;
using namespace std::chrono_literals;

namespace {

const std::string kRedis = "REDIS_URL=redis://:redis-pass-9@127.0.0.1:6379/0";

void running(Engine& e, const std::string& name, const std::string& key, int port) {
    e.remove(name);
    e.create(name, {{"Image", repo() + ":1.0"},
                    {"Env", {"APP_PORT=" + std::to_string(port), "APP_KEY=" + key, kRedis}},
                    {"HostConfig", {{"NetworkMode", "host"}, {"Init", true}}}});
    REQUIRE(driver(node(name))->start(Deadline::after(60s)));
}

workflow::PreflightReport preflight(const std::vector<std::string>& containers) {
    Inventory inv;
    inv.cluster = "docker-preflight";
    for (const auto& c : containers) inv.nodes.push_back(node(c));
    inv.canary = inv.nodes.front().name;
    auto r = workflow::run_cluster_preflight(inv, wiring::make_cluster_ports(inv), false, Deadline::after(60s));
    for (const auto& l : r.lines) UNSCOPED_INFO(l);
    for (const auto& l : r.lines) {
        CHECK(l.find("key-one-secret") == std::string::npos);
        CHECK(l.find("key-two-secret") == std::string::npos);
        CHECK(l.find("redis-pass-9") == std::string::npos);
    }
    return r;
}

std::size_t count(const workflow::PreflightReport& r, const std::string& severity, const std::string& check) {
    return static_cast<std::size_t>(std::ranges::count_if(
        r.details, [&](const Params& d) { return d.at("severity") == severity && d.at("finding") == check; }));
}

}  // namespace

TEST_CASE("cluster preflight on containers: a different APP_KEY is an error, the same one passes",
          "[busybox][preflight]") {
    Engine e;
    running(e, "ncbt-pf1", "key-one-secret", 13181);
    running(e, "ncbt-pf2", "key-two-secret", 13182);
    running(e, "ncbt-pf3", "key-one-secret", 13183);

    auto differ = preflight({"ncbt-pf1", "ncbt-pf2"});
    CHECK_FALSE(differ.ok);
    CHECK(count(differ, "error", "secrets") == 1);
    CHECK_THAT(differ.error, Catch::Contains("APP_KEY differs between nodes"));
    CHECK(count(differ, "info", "redis") == 1);  // the container's loopback is not this machine's

    auto same = preflight({"ncbt-pf1", "ncbt-pf3"});
    CHECK(count(same, "error", "secrets") == 0);
    CHECK(same.ok);
    for (const char* c : {"ncbt-pf1", "ncbt-pf2", "ncbt-pf3"}) e.remove(c);
}
