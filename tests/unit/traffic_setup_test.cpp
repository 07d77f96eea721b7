// `ncbctl traffic setup`: the generated LB configuration against golden files (tests/data/traffic/setup/,
// reviewed by hand; NCBCTL_UPDATE_GOLDEN=1 rewrites them), and the --write rules of the use case.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "fakes/command_runner.hpp"
#include "ncbctl/inventory.hpp"
#include "traffic/haproxy_runtime.hpp"
#include "traffic/lb_setup.hpp"
#include "traffic/nginx_config.hpp"
#include "traffic/traffic_setup.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;

namespace {

const std::string kFile = "/etc/nginx/ncbctl/nocobase.conf";
const std::string kSecret = "setup-secret-abcdefghijklmnop";

Inventory inventory(const std::string& driver) {
    Inventory inv;
    inv.cluster = "prod";
    inv.lb_url = "https://nocobase.example.com";
    for (int i = 1; i <= 3; ++i)
        inv.nodes.push_back(
            Node{.name = "app" + std::to_string(i), .url = "http://10.0.0.1" + std::to_string(i) + ":13000"});
    inv.canary = "app1";
    inv.traffic.driver = driver;
    inv.traffic.retry_after = 120;
    inv.traffic.include_file = kFile;
    inv.traffic.upstreams = {{"app1", "10.0.0.11:13000"}, {"app2", "10.0.0.12:13000"}, {"app3", "10.0.0.13:13000"}};
    inv.traffic.socket = "/run/haproxy/admin.sock";
    inv.traffic.backend = "nocobase";
    inv.traffic.servers = {{"app1", "web1"}, {"app2", "web2"}, {"app3", "web3"}};
    ::setenv("NCBCTL_SETUP_BYPASS", kSecret.c_str(), 1);
    inv.traffic.bypass =
        BypassSpec{.header = "X-Ncbctl-Bypass", .secret = {.env = "NCBCTL_SETUP_BYPASS"}, .source = "192.0.2.0/24"};
    return inv;
}

void golden(const std::string& name, const std::string& actual) {
    const std::string path = std::string(NCBCTL_SOURCE_DIR) + "/tests/data/traffic/setup/" + name;
    if (std::getenv("NCBCTL_UPDATE_GOLDEN") != nullptr) std::ofstream(path, std::ios::binary) << actual;
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    std::ostringstream want;
    want << in.rdbuf();
    INFO(path);
    CHECK(actual == want.str());
}

Deadline soon() {
    return Deadline::after(5s);
}

test::FakeRunner::Handler file_backed(test::RunnerLog& log) {
    return [&log](const Argv& a, const std::string&) {
        if (a[0] == "cat") {
            auto it = log.files.find(a.back());
            return it == log.files.end() ? ExecResult{1, "", "cat: x: No such file or directory\n"}
                                         : ExecResult{0, it->second, ""};
        }
        return ExecResult{0, "", ""};
    };
}

const traffic::SetupPiece& piece(const traffic::SetupOutcome& out, const std::string& name) {
    for (const auto& p : out.pieces)
        if (p.name == name) return p;
    FAIL("no piece " << name);
    return out.pieces.front();
}

}  // namespace

TEST_CASE("traffic setup nginx: golden include (live, secret hidden) and server block", "[traffic][setup]") {
    test::RunnerLog log;
    test::FakeRunner lb(log, file_backed(log));
    auto out = traffic::set_up_traffic(inventory("nginx"), lb, {}, soon());
    REQUIRE(out);
    REQUIRE(out->pieces.size() == 2);
    golden("nginx-include.conf", piece(*out, "include").content);
    golden("nginx-server.conf", piece(*out, "server").content);
    CHECK(piece(*out, "include").content.find(kSecret) == std::string::npos);
    CHECK(log.files.empty());  // printing writes nothing
    CHECK_FALSE(out->wrote);
}

TEST_CASE("traffic setup nginx: the server block follows api.lb_url", "[traffic][setup]") {
    Inventory inv = inventory("nginx");
    inv.lb_url = "http://127.0.0.1:18030/";
    auto block = traffic::render_nginx_server_block(inv);
    REQUIRE(block);
    CHECK(block->find("listen 127.0.0.1:18030;\n    server_name _;") != std::string::npos);
    CHECK(block->find("ssl") == std::string::npos);
    inv.lb_url = "";
    block = traffic::render_nginx_server_block(inv);
    REQUIRE(block);
    CHECK(block->find("listen 80;\n    server_name localhost;") != std::string::npos);
}

TEST_CASE("traffic setup haproxy: golden global, frontend, backend and errorfile", "[traffic][setup]") {
    test::RunnerLog log;
    test::FakeRunner lb(log, file_backed(log));
    auto out = traffic::set_up_traffic(inventory("haproxy"), lb, {}, soon());
    REQUIRE(out);
    REQUIRE(out->pieces.size() == 4);
    golden("haproxy-global.cfg", piece(*out, "global").content);
    golden("haproxy-frontend.cfg", piece(*out, "frontend").content);
    golden("haproxy-backend.cfg", piece(*out, "backend").content);
    golden("haproxy-errorfile.http", piece(*out, "errorfile").content);
    CHECK(piece(*out, "errorfile").content.starts_with("HTTP/1.0 503 Service Unavailable\r\n"));
    CHECK(piece(*out, "errorfile").content.find("\r\nRetry-After: 120\r\n\r\n<!doctype html>") != std::string::npos);
    for (const auto& p : out->pieces) CHECK(p.content.find(kSecret) == std::string::npos);
    REQUIRE(out->notes.size() == 1);
    CHECK_THAT(out->notes[0], Catch::Contains("/etc/haproxy/ncbctl-bypass.secret"));
}

TEST_CASE("traffic setup haproxy: without bypass no ACL and no bypass backend, --part one piece", "[traffic][setup]") {
    Inventory inv = inventory("haproxy");
    inv.traffic.bypass.reset();
    inv.lb_url = "http://10.0.0.5:8080";
    test::RunnerLog log;
    test::FakeRunner lb(log, file_backed(log));
    auto out = traffic::set_up_traffic(inv, lb, {.part = "frontend"}, soon());
    REQUIRE(out);
    REQUIRE(out->pieces.size() == 1);
    CHECK(out->pieces[0].content.find("bind 10.0.0.5:8080\n") != std::string::npos);
    CHECK(out->pieces[0].content.find("acl") == std::string::npos);
    auto be = traffic::render_haproxy_backend(inv, {});
    REQUIRE(be);
    CHECK(be->find("_bypass") == std::string::npos);
    CHECK(be->find("    server web2 10.0.0.12:13000 check\n") != std::string::npos);
}

TEST_CASE("traffic setup --write: writes a missing include with the secret, never over another file",
          "[traffic][setup]") {
    test::RunnerLog log;
    test::FakeRunner lb(log, file_backed(log));
    const Inventory inv = inventory("nginx");

    auto first = traffic::set_up_traffic(inv, lb, {.write = true}, soon());
    REQUIRE(first);
    CHECK(first->wrote);
    REQUIRE(log.files.contains(kFile));
    CHECK(log.files[kFile].starts_with("# ncbctl-traffic mode=live node=\n"));
    CHECK(log.files[kFile].find("\"" + kSecret + "\" 1;") != std::string::npos);
    CHECK(log.modes[kFile] == 0600);
    CHECK(log.files.contains(kFile + ".maintenance.html"));
    CHECK(log.argvs.back() == Argv{"mkdir", "-p", "--", "/etc/nginx/ncbctl"});   // a fresh LB host
    CHECK(piece(*first, "include").content.find(kSecret) == std::string::npos);  // printed: still hidden

    SECTION("an ncbctl file (any mode) is left as it is") {
        log.files[kFile] = "# ncbctl-traffic mode=maintenance node=\nupstream x {}\n";
        auto again = traffic::set_up_traffic(inv, lb, {.write = true}, soon());
        REQUIRE(again);
        CHECK_FALSE(again->wrote);
        CHECK(log.files[kFile] == "# ncbctl-traffic mode=maintenance node=\nupstream x {}\n");
        CHECK_THAT(again->notes.back(), Catch::Contains("already ncbctl's (mode maintenance)"));
    }
    SECTION("a file without the marker is not ncbctl's: Conflict, untouched") {
        log.files[kFile] = "upstream ncbctl_nocobase { server 10.0.0.11:13000; }\n";
        auto foreign = traffic::set_up_traffic(inv, lb, {.write = true}, soon());
        REQUIRE_FALSE(foreign);
        CHECK(foreign.error().code == ErrorCode::Conflict);
        CHECK_THAT(foreign.error().message, Catch::Contains("not ncbctl's") && Catch::Contains("left untouched"));
        CHECK(log.files[kFile] == "upstream ncbctl_nocobase { server 10.0.0.11:13000; }\n");
    }
}

TEST_CASE("traffic setup: usage errors", "[traffic][setup]") {
    test::RunnerLog log;
    test::FakeRunner lb(log, file_backed(log));
    auto hw = traffic::set_up_traffic(inventory("haproxy"), lb, {.write = true}, soon());
    REQUIRE_FALSE(hw);
    CHECK(hw.error().code == ErrorCode::Usage);
    CHECK_THAT(hw.error().message, Catch::Contains("owns no HAProxy file"));
    auto part = traffic::set_up_traffic(inventory("nginx"), lb, {.part = "backend"}, soon());
    REQUIRE_FALSE(part);
    CHECK(part.error().code == ErrorCode::Usage);
    CHECK_THAT(part.error().message, Catch::Contains("include, server"));
    auto none = traffic::set_up_traffic(inventory("none"), lb, {}, soon());
    REQUIRE_FALSE(none);
    CHECK(none.error().code == ErrorCode::Usage);
    Inventory bad = inventory("haproxy");
    bad.nodes[1].url = "10.0.0.12:13000";
    auto url = traffic::set_up_traffic(bad, lb, {}, soon());
    REQUIRE_FALSE(url);
    CHECK_THAT(url.error().message, Catch::Contains("node app2"));
    CHECK(log.files.empty());
}

TEST_CASE("parse_endpoint: scheme, host, port", "[traffic][setup]") {
    auto e = traffic::parse_endpoint("https://user@lb.example.com/nocobase/");
    REQUIRE(e);
    CHECK(e->scheme == "https");
    CHECK(e->host == "lb.example.com");
    CHECK(e->port == 443);
    CHECK_FALSE(e->ip_literal());
    e = traffic::parse_endpoint("http://[::1]:8080");
    REQUIRE(e);
    CHECK(e->host == "[::1]");
    CHECK(e->port == 8080);
    CHECK(e->ip_literal());
    CHECK_FALSE(traffic::parse_endpoint("ftp://x"));
    CHECK_FALSE(traffic::parse_endpoint("http://x:99999"));
    CHECK_FALSE(traffic::parse_endpoint("http://:80"));
}

TEST_CASE("haproxy set-up gaps: level, missing and TCP-only health checks", "[traffic][setup][haproxy]") {
    auto server = [](std::string name, std::string status, std::string check) {
        traffic::HaproxyServer s;
        s.backend = "be";
        s.name = std::move(name);
        s.status = std::move(status);
        s.check = std::move(check);
        return s;
    };
    const std::string sock = "/run/haproxy/admin.sock";
    CHECK(traffic::haproxy_setup_gaps("admin\n", {server("a", "UP", "L7OK"), server("b", "DOWN", "L4CON")}, "be", sock)
              .empty());
    auto gaps = traffic::haproxy_setup_gaps(
        "operator\n", {server("a", "no check", ""), server("b", "UP", "L4OK"), server("c", "UP", "L7OK")}, "be", sock);
    REQUIRE(gaps.size() == 3);
    CHECK_THAT(gaps[0], Catch::Contains("level operator") && Catch::Contains("level admin"));
    CHECK_THAT(gaps[1], Catch::Contains("servers a have no health check") &&
                            Catch::Contains("option httpchk GET /api/__health_check"));
    CHECK_THAT(gaps[2],
               Catch::Contains("servers b pass a TCP-level health check") && Catch::Contains("ncbctl traffic setup"));
    CHECK(traffic::haproxy_setup_gaps("Unknown command\n", {}, "be", sock).empty());  // older HAProxy
}
