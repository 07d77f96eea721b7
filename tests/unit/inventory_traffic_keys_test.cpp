// traffic.bypass.haproxy_backend and traffic.nginx.maintenance_listen: read into the model, checked,
// and refused when malformed.
#include <catch2/catch.hpp>

#include "inventory_test_util.hpp"

using namespace ncbctl;

namespace {

const std::string kHead = R"(cluster: c
api: {lb_url: "http://lb", token_env: T}
nodes: [{name: a, url: "http://a", driver: docker, docker: {container: a, image: nocobase/nocobase}}]
backup: {method: api, destination: /b}
)";

std::string haproxy(const std::string& bypass) {
    return kHead + "traffic:\n  driver: haproxy\n  haproxy: {socket: /run/h.sock, backend: be, servers: {a: s}}\n" +
           "  bypass: {header: X-B, secret_env: S" + bypass + "}\n";
}

std::string nginx(const std::string& listen) {
    return kHead +
           "traffic:\n  driver: nginx\n  nginx: {include_file: /etc/nginx/n.conf, upstreams: {a: \"10.0.0.1:1\"}" +
           listen + "}\n";
}

std::string errors_of(const std::string& yaml) {
    auto inv = parse_inventory(yaml, "x.yaml");
    return inv ? std::string() : test::joined(inv.error());
}

}  // namespace

TEST_CASE("traffic.bypass.haproxy_backend is read and checked", "[inventory][traffic]") {
    auto inv = parse_inventory(haproxy(", haproxy_backend: be_canary"), "x.yaml");
    if (!inv) FAIL(test::joined(inv.error()));
    REQUIRE(inv->traffic.bypass);
    CHECK(inv->traffic.bypass->haproxy_backend == "be_canary");

    auto dflt = parse_inventory(haproxy(""), "x.yaml");
    REQUIRE(dflt);
    CHECK(dflt->traffic.bypass->haproxy_backend.empty());  // the driver derives <backend>_bypass

    CHECK_THAT(errors_of(haproxy(", haproxy_backend: \"-x\"")), Catch::Contains("traffic.bypass.haproxy_backend"));
}

TEST_CASE("traffic.nginx.maintenance_listen accepts nginx listen addresses", "[inventory][traffic]") {
    for (const std::string ok : {"127.0.0.1:8099", "unix:/run/ncbctl/503.sock", "[::1]:8099"}) {
        auto inv = parse_inventory(nginx(", maintenance_listen: \"" + ok + "\""), "x.yaml");
        INFO(ok);
        if (!inv) FAIL(test::joined(inv.error()));
        CHECK(inv->traffic.maintenance_listen == ok);
    }
    auto dflt = parse_inventory(nginx(""), "x.yaml");
    REQUIRE(dflt);
    CHECK(dflt->traffic.maintenance_listen.empty());  // the driver derives unix:<include_file>.sock

    for (const std::string bad : {"70000", "unix:relative.sock", "host port", "0"}) {
        INFO(bad);
        CHECK_THAT(errors_of(nginx(", maintenance_listen: \"" + bad + "\"")),
                   Catch::Contains("traffic.nginx.maintenance_listen"));
    }
}

TEST_CASE("traffic.nginx.maintenance_listen expands ${VAR}", "[inventory][traffic]") {
    test::EnvGuard env("NCBCTL_TEST_LISTEN", "127.0.0.1:8100");
    auto inv = parse_inventory(nginx(", maintenance_listen: \"${NCBCTL_TEST_LISTEN}\""), "x.yaml");
    if (!inv) FAIL(test::joined(inv.error()));
    CHECK(inv->traffic.maintenance_listen == "127.0.0.1:8100");
}
