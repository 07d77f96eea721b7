#include <catch2/catch.hpp>

#include "traffic/nginx_config.hpp"

using namespace ncbctl;
using traffic::NginxSettings;

namespace {

NginxSettings settings() {
    NginxSettings s;
    s.upstream = "ncbctl_nocobase";
    s.upstreams = {{"app1", "10.0.0.11:13000"}, {"app2", "10.0.0.12:13000"}};
    s.canary = "app1";
    s.retry_after = 90;
    s.listen = "unix:/etc/nginx/ncbctl.conf.sock";
    s.page_file = "/etc/nginx/ncbctl.conf.maintenance.html";
    return s;
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("nginx live variant: every node in the upstream and the marker first", "[traffic][nginx]") {
    auto f = traffic::render_nginx_include(settings(), TrafficMode::Live, "");
    REQUIRE(f);
    CHECK(f->starts_with("# ncbctl-traffic mode=live node=\n"));
    CHECK(has(
        *f, "upstream ncbctl_nocobase {\n    server 10.0.0.11:13000;  # app1\n    server 10.0.0.12:13000;  # app2\n}"));
    CHECK(has(*f, "default \"live\";"));
    CHECK_FALSE(has(*f, "map $http_"));
    auto m = traffic::parse_nginx_marker(*f);
    REQUIRE(m);
    CHECK(m->mode == TrafficMode::Live);
}

TEST_CASE("nginx pinned variant: only that node", "[traffic][nginx]") {
    auto f = traffic::render_nginx_include(settings(), TrafficMode::Pinned, "app2");
    REQUIRE(f);
    CHECK(has(*f, "upstream ncbctl_nocobase {\n    server 10.0.0.12:13000;  # app2\n}"));
    CHECK_FALSE(has(*f, "10.0.0.11"));
    CHECK(has(*f, "default \"pinned-app2\";"));
    auto m = traffic::parse_nginx_marker(*f);
    REQUIRE(m);
    CHECK(m->mode == TrafficMode::Pinned);
    CHECK(m->node == "app2");
    auto bad = traffic::render_nginx_include(settings(), TrafficMode::Pinned, "app9");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == ErrorCode::Usage);
}

TEST_CASE("nginx maintenance variant: the upstream is the 503 responder with Retry-After and the page",
          "[traffic][nginx]") {
    auto f = traffic::render_nginx_include(settings(), TrafficMode::Maintenance, "");
    REQUIRE(f);
    CHECK(has(*f, "upstream ncbctl_nocobase {\n    server unix:/etc/nginx/ncbctl.conf.sock;\n}"));
    CHECK(has(*f, "listen unix:/etc/nginx/ncbctl.conf.sock;"));
    CHECK(has(*f, "return 503;"));
    CHECK(has(*f, "root /etc/nginx;"));
    CHECK(has(*f, "error_page 503 /ncbctl.conf.maintenance.html;"));
    CHECK(has(*f, "add_header Retry-After 90 always;"));
    CHECK_FALSE(has(*f, "13000"));
}

TEST_CASE("nginx bypass: map on the header and geo on the source reach the canary", "[traffic][nginx]") {
    NginxSettings s = settings();
    s.bypass_header = "X-Ncbctl-Bypass";
    s.bypass_secret = "s3cr3t-value-0123456789";
    s.bypass_source = "192.0.2.0/24";
    auto f = traffic::render_nginx_include(s, TrafficMode::Maintenance, "");
    REQUIRE(f);
    CHECK(has(*f,
              "map $http_x_ncbctl_bypass $ncbctl_bypass_header {\n    default 0;\n    \"s3cr3t-value-0123456789\" 1;"));
    CHECK(has(*f, "    192.0.2.0/24 1;"));
    CHECK(has(*f, "upstream ncbctl_nocobase_canary {\n    server 10.0.0.11:13000;  # app1\n}"));
    CHECK(has(*f, "if ($ncbctl_bypass) {\n            return 418;"));
    CHECK(has(*f, "proxy_pass http://ncbctl_nocobase_canary;"));
    CHECK(has(*f, "keep it mode 0600"));
}

TEST_CASE("nginx variants refuse values nginx would not take literally without quoting the secret",
          "[traffic][nginx]") {
    NginxSettings s = settings();
    s.bypass_header = "X-Bypass";
    s.bypass_secret = "short";
    auto r = traffic::render_nginx_include(s, TrafficMode::Maintenance, "");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Inventory);
    CHECK_FALSE(has(r.error().message, "short"));
    s.bypass_secret = "has\"quote;and}brace-0123456789";
    CHECK_FALSE(traffic::render_nginx_include(s, TrafficMode::Maintenance, ""));
    s = settings();
    s.upstreams[0].second = "10.0.0.11:13000; include /etc/passwd";
    CHECK_FALSE(traffic::render_nginx_include(s, TrafficMode::Live, ""));
}

TEST_CASE("nginx marker: foreign or hand-edited files have none", "[traffic][nginx]") {
    CHECK_FALSE(traffic::parse_nginx_marker("upstream x { server a:1; }\n"));
    CHECK_FALSE(traffic::parse_nginx_marker("# ncbctl-traffic mode=pinned node=\n"));
    CHECK_FALSE(traffic::parse_nginx_marker("# ncbctl-traffic mode=sideways node=\n"));
    auto m = traffic::parse_nginx_marker("# ncbctl-traffic mode=maintenance node=\nrest");
    REQUIRE(m);
    CHECK(m->mode == TrafficMode::Maintenance);
}

TEST_CASE("nginx partial variant: the served nodes only, named in the marker and the header", "[traffic][nginx]") {
    auto s = settings();
    s.upstreams.emplace_back("app3", "10.0.0.13:13000");
    auto f = traffic::render_nginx_include(s, TrafficMode::Partial, "app1,app3");
    REQUIRE(f);
    CHECK(f->starts_with("# ncbctl-traffic mode=partial node=app1,app3\n"));
    CHECK(has(*f,
              "upstream ncbctl_nocobase {\n    server 10.0.0.11:13000;  # app1\n    server 10.0.0.13:13000;  # "
              "app3\n}"));
    CHECK_FALSE(has(*f, "10.0.0.12"));
    CHECK(has(*f, "default \"partial-app1,app3\";"));
    auto m = traffic::parse_nginx_marker(*f);
    REQUIRE(m);
    CHECK(m->mode == TrafficMode::Partial);
    CHECK(m->node == "app1,app3");
    auto bad = traffic::render_nginx_include(s, TrafficMode::Partial, "app1,app9");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == ErrorCode::Usage);
    CHECK_FALSE(traffic::parse_nginx_marker("# ncbctl-traffic mode=partial node=\n"));
}

TEST_CASE("count_nginx_connections: nginx's connections to the node, or all when ss shows no process",
          "[traffic][nginx][drain]") {
    const std::string with_users =
        "0 0 127.0.0.1:51234 127.0.0.1:18001 users:((\"nginx\",pid=4242,fd=12))\n"
        "0 0 127.0.0.1:51236 127.0.0.1:18001 users:((\"nginx\",pid=4243,fd=9))\n"
        "0 0 127.0.0.1:51240 127.0.0.1:18001 users:((\"ncbctl\",pid=77,fd=5))\n"
        "0 0 127.0.0.1:51250 127.0.0.1:18001 users:((\"curl\",pid=80,fd=5),(\"nginx\",pid=4242,fd=30))\n";
    CHECK(traffic::count_nginx_connections(with_users) == 3);
    CHECK(traffic::count_nginx_connections("0 0 127.0.0.1:1 127.0.0.1:18001\n0 0 127.0.0.1:2 127.0.0.1:18001\n") == 2);
    CHECK(traffic::count_nginx_connections("") == 0);
    CHECK(traffic::count_nginx_connections("\n") == 0);
}
