// `ncbctl traffic setup` from nothing, with the real nginx and HAProxy on loopback: the generated
// configuration passes `nginx -t` / `haproxy -c`, the LB it builds serves the harness's backends, the
// built ncbctl switches it through maintenance, pin and live, NocoBase's proxy needs (WebSocket upgrade on
// /ws, X-Forwarded-*, big uploads) pass through the generated nginx block, `traffic live` bootstraps an
// nginx whose include is missing, and `validate --connect` names what a half set-up LB lacks.
// Own LBs under <peers>/setup (nginx 18030, HAProxy 18040/18041); backends 18001-18004 of the fixture.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "lb_peers.hpp"
#include "util/fd.hpp"

using namespace ncbctl;
using namespace ncbctl::traffic_test;

namespace {

namespace fs = std::filesystem;

const std::string kDir = kPeers + "/setup";
const std::string kNginx = kDir + "/nginx";  // the nginx prefix
const std::string kInclude = kNginx + "/conf/ncbctl/nocobase.conf";
constexpr const char* kSetupNginxUrl = "http://127.0.0.1:18030/";
constexpr const char* kSetupHaproxyUrl = "http://127.0.0.1:18040/";
const std::set<std::string> kFour = {"backend-app1", "backend-app2", "backend-app3", "backend-app4"};

void nodes(std::ostream& out) {
    out << "nodes:\n";
    for (int i = 1; i <= 4; ++i)
        out << "  - {name: app" << i << ", url: \"http://127.0.0.1:1800" << i
            << "\", driver: docker, docker: {endpoint: \"unix://" << kDir << "/no-docker.sock\", container: app" << i
            << ", image: nocobase/nocobase}}\n";
}

std::string nginx_inventory_file() {
    const std::string path = kDir + "/nginx.yaml";
    std::ofstream out(path);
    out << "cluster: setup-nginx\napi: {lb_url: \"http://127.0.0.1:18030\", token_env: NCBCTL_TEST_TOKEN}\n";
    nodes(out);
    const std::string ngx = "[nginx, -p, " + kNginx + ", -c, conf/nginx.conf, -e, logs/error.log";
    out << "traffic:\n  driver: nginx\n  retry_after: 90\n  nginx:\n    include_file: " << kInclude
        << "\n    upstreams: {app1: \"127.0.0.1:18001\", app2: \"127.0.0.1:18002\", app3: \"127.0.0.1:18003\", "
           "app4: \"127.0.0.1:18004\"}\n"
        << "    test_command: " << ngx << ", -t]\n    reload_command: " << ngx << ", -s, reload]\n"
        << "backup: {method: api, destination: " << kDir << "/backups}\n";
    return path;
}

std::string haproxy_inventory_file(const std::string& name, const std::string& url, const std::string& socket,
                                   bool bypass = true) {
    const std::string path = kDir + "/" + name;
    std::ofstream out(path);
    out << "cluster: setup-haproxy\napi: {lb_url: \"" << url << "\", token_env: NCBCTL_TEST_TOKEN}\n";
    nodes(out);
    out << "traffic:\n  driver: haproxy\n  haproxy: {socket: " << socket
        << ", backend: nocobase, servers: {app1: web1, app2: web2, app3: web3, app4: web4}}\n"
        << (bypass ? "  bypass: {header: X-Ncbctl-Bypass, secret_file: " + kDir + "/bypass.secret}\n" : "")
        << "backup: {method: api, destination: " << kDir << "/backups}\n";
    return path;
}

net::ProcessResult run(const Argv& argv) {
    auto r = net::run_process({.argv = argv, .unset_env = {"NCBCTL_INVENTORY"}}, Deadline::after(60s));
    REQUIRE(r);
    return *r;
}

net::ProcessResult cli(const std::string& inventory, std::vector<std::string> args) {
    Argv argv{NCBCTL_BIN, "-i", inventory, "--state-dir", kDir + "/state"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run(argv);
    INFO(r.err);
    return r;
}

void harness_args(const Argv& args) {
    Argv argv{NCBCTL_TRAFFIC_HARNESS};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run(argv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
}

void write(const std::string& path, const std::string& content, fs::perms perms = fs::perms(0644)) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << content;
    fs::permissions(path, perms);
}

std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The operator's nginx.conf: the generated block pasted inside http {} (from server.conf).
std::string nginx_conf(const std::string& http_body) {
    return "worker_processes 1; pid logs/nginx.pid; error_log logs/error.log warn;\n"
           "events { worker_connections 256; }\nhttp {\n  access_log logs/access.log;\n"
           "  client_body_temp_path tmp/client; proxy_temp_path tmp/proxy; fastcgi_temp_path tmp/fastcgi;\n"
           "  uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;\n" +
           http_body + "}\n";
}

net::ProcessResult nginx_t() {
    return run({"nginx", "-p", kNginx, "-c", "conf/nginx.conf", "-e", "logs/error.log", "-t"});
}

// Stops the LBs a test started (by the PID their pid files name), whatever the test's outcome.
struct StopAtEnd {
    std::vector<std::string> pid_files;
    ~StopAtEnd() {
        for (const auto& f : pid_files)
            (void)net::run_process({.argv = {NCBCTL_TRAFFIC_HARNESS, "stop-pid", kPeers, f}}, Deadline::after(10s));
    }
};

void fresh_dirs() {
    fs::remove_all(kDir);
    for (const char* d : {"conf/ncbctl", "logs", "tmp"}) fs::create_directories(kNginx + "/" + d);
}

std::string part(const std::string& inv, const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"traffic", "setup", "--part", name};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = cli(inv, args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
}

// --- a minimal WebSocket client (RFC 6455), enough to prove the upgrade passes through ---------------

struct WsRoundTrip {
    std::string status_line;
    std::string accept;
    std::vector<std::string> echoed;
};

std::string read_some(int fd) {
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

std::string frame(const std::string& payload) {
    std::string f;
    f += static_cast<char>(0x81);  // FIN, text
    const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    if (payload.size() < 126) {
        f += static_cast<char>(0x80 | payload.size());
    } else {
        f += static_cast<char>(0x80 | 126);
        f += static_cast<char>((payload.size() >> 8U) & 0xFFU);
        f += static_cast<char>(payload.size() & 0xFFU);
    }
    for (unsigned char m : mask) f += static_cast<char>(m);
    for (std::size_t i = 0; i < payload.size(); ++i)
        f += static_cast<char>(payload[i] ^ static_cast<char>(mask[i % 4]));
    return f;
}

// Reads one unmasked server frame's payload from `buf` (filled from fd as needed).
std::string server_frame(int fd, std::string& buf) {
    auto need = [&](std::size_t n) {
        while (buf.size() < n) {
            auto more = read_some(fd);
            if (more.empty()) return false;
            buf += more;
        }
        return true;
    };
    if (!need(2)) return "<closed>";
    std::size_t len = static_cast<unsigned char>(buf[1]) & 0x7FU;
    std::size_t off = 2;
    if (len == 126) {
        if (!need(4)) return "<closed>";
        len = (static_cast<std::size_t>(static_cast<unsigned char>(buf[2])) << 8U) | static_cast<unsigned char>(buf[3]);
        off = 4;
    }
    if (!need(off + len)) return "<closed>";
    std::string payload = buf.substr(off, len);
    buf.erase(0, off + len);
    return payload;
}

WsRoundTrip websocket(int port, const std::vector<std::string>& messages) {
    util::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(fd.valid());
    timeval tv{5, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockaddr API
    REQUIRE(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0);
    const std::string req =
        "GET /ws?__appName=main HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n";
    REQUIRE(::send(fd.get(), req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
    std::string buf;
    while (buf.find("\r\n\r\n") == std::string::npos) {
        auto more = read_some(fd.get());
        if (more.empty()) break;
        buf += more;
    }
    WsRoundTrip out;
    const auto head_end = buf.find("\r\n\r\n");
    REQUIRE(head_end != std::string::npos);
    const std::string head = buf.substr(0, head_end);
    buf.erase(0, head_end + 4);
    out.status_line = head.substr(0, head.find("\r\n"));
    const auto k = head.find("Sec-WebSocket-Accept: ");
    if (k != std::string::npos) out.accept = head.substr(k + 22, head.find("\r\n", k) - k - 22);
    if (out.status_line.find(" 101 ") == std::string::npos) return out;
    for (const auto& m : messages) {
        const std::string f = frame(m);
        REQUIRE(::send(fd.get(), f.data(), f.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(f.size()));
        out.echoed.push_back(server_frame(fd.get(), buf));
    }
    return out;
}

nlohmann::json status_json(const std::string& inv) {
    auto r = cli(inv, {"--output", "json", "traffic", "status"});
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
}

std::string traffic_line(const std::string& validate_out) {
    std::istringstream in(validate_out);
    for (std::string line; std::getline(in, line);)
        if (line.find(" traffic: ") != std::string::npos) return line;
    return {};
}

// The LB set up from nothing is read back live, then switched to maintenance by the built ncbctl.
void live_then_maintenance(const std::string& inv, const std::string& url, const std::string& driver,
                           const std::string& retry_after) {
    CHECK(backends_answering(url) == kFour);
    CHECK(status_json(inv)["mode"] == "live");
    auto v = cli(inv, {"validate", "--connect"});
    CHECK_THAT(traffic_line(v.out), Catch::StartsWith("OK   traffic: " + driver + ", mode live"));
    REQUIRE(cli(inv, {"--yes", "traffic", "maintenance"}).exit_code == 0);
    auto m = get(url);
    CHECK(m.status == 503);
    CHECK(m.retry_after == retry_after);
    CHECK_THAT(m.body, Catch::Contains("NocoBase is under maintenance"));
}

void pin_then_live(const std::string& inv, const std::string& url) {
    REQUIRE(cli(inv, {"--yes", "traffic", "pin", "app2"}).exit_code == 0);
    CHECK(backends_answering(url) == std::set<std::string>{"backend-app2"});
    REQUIRE(cli(inv, {"--yes", "traffic", "live"}).exit_code == 0);
    CHECK(backends_answering(url) == kFour);
}

}  // namespace

TEST_CASE("nginx from nothing: generated config passes nginx -t, serves, switches, passes WebSockets",
          "[traffic][setup][nginx]") {
    fresh_dirs();
    StopAtEnd stop{{kNginx + "/logs/nginx.pid"}};
    const std::string inv = nginx_inventory_file();

    write(kNginx + "/conf/server.conf", part(inv, "server"));
    write(kNginx + "/conf/nginx.conf", nginx_conf("  include server.conf;\n"));
    // The step that was impossible: nginx cannot load a configuration whose include does not exist yet.
    auto before = nginx_t();
    CHECK(before.exit_code != 0);
    CHECK_THAT(before.err, Catch::Contains("nocobase.conf"));

    auto wrote = cli(inv, {"traffic", "setup", "--write"});
    REQUIRE(wrote.exit_code == 0);
    CHECK_THAT(wrote.err, Catch::Contains("wrote " + kInclude));
    CHECK_THAT(wrote.out, Catch::Contains("# ==== include") && Catch::Contains("# ==== server"));
    CHECK(read(kInclude).starts_with("# ncbctl-traffic mode=live node=\n"));
    auto again = cli(inv, {"traffic", "setup", "--write"});
    CHECK(again.exit_code == 0);
    CHECK_THAT(again.err, Catch::Contains("already ncbctl's (mode live)"));

    auto t = nginx_t();
    INFO(t.err);
    REQUIRE(t.exit_code == 0);
    CHECK(t.err.find("[warn]") == std::string::npos);
    harness_args({"nginx-start", kPeers, kNginx});
    live_then_maintenance(inv, kSetupNginxUrl, "nginx", "90");
    // Real-time channel during maintenance: no upgrade, the 503 page.
    CHECK_THAT(websocket(18030, {}).status_line, Catch::Contains(" 503 "));

    REQUIRE(cli(inv, {"--yes", "traffic", "pin", "app4"}).exit_code == 0);
    CHECK(get(kSetupNginxUrl).body == "backend-app4");
    SECTION("WebSocket upgrade (101) and frames both ways through the generated block") {
        const std::string big(300, 'x');  // 16-bit length frame
        auto ws = websocket(18030, {"ncbctl-ws-probe", big});
        CHECK_THAT(ws.status_line, Catch::StartsWith("HTTP/1.1 101 "));
        CHECK(ws.accept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");  // RFC 6455's example key
        CHECK(ws.echoed == std::vector<std::string>{"ncbctl-ws-probe", big});
    }
    SECTION("X-Forwarded-* and X-Real-IP reach the node") {
        auto h = get(std::string(kSetupNginxUrl) + "headers");
        CHECK_THAT(h.body,
                   Catch::Contains("X-Forwarded-For: 127.0.0.1") && Catch::Contains("X-Forwarded-Proto: http") &&
                       Catch::Contains("X-Forwarded-Host: 127.0.0.1") && Catch::Contains("X-Real-IP: 127.0.0.1"));
    }
    SECTION("an 8 MiB upload passes (nginx's default limit is 1 MiB)") {
        net::HttpClient http;
        net::HttpRequest req{.method = "POST", .url = std::string(kSetupNginxUrl) + "upload"};
        req.body = std::string(8U << 20U, 'u');
        auto r = http.perform(req, soon());
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->body == "got 8388608");
    }

    pin_then_live(inv, kSetupNginxUrl);
}

TEST_CASE("nginx bootstrap the other way: `traffic live` writes the missing include and reloads",
          "[traffic][setup][nginx]") {
    fresh_dirs();
    StopAtEnd stop{{kNginx + "/logs/nginx.pid"}};
    const std::string inv = nginx_inventory_file();
    // nginx runs with its old configuration; the operator then pastes the block (include still missing).
    write(kNginx + "/conf/nginx.conf",
          nginx_conf("  server { listen 127.0.0.1:18032; location / { return 200 \"old\\n\"; } }\n"));
    harness_args({"nginx-start", kPeers, kNginx});
    write(kNginx + "/conf/server.conf", part(inv, "server"));
    write(kNginx + "/conf/nginx.conf", nginx_conf("  include server.conf;\n"));
    REQUIRE(nginx_t().exit_code != 0);

    // lb_url (18030) does not answer yet: the preflight lets the first switch through and says why.
    auto live = cli(inv, {"--yes", "traffic", "live"});
    INFO(live.err);
    REQUIRE(live.exit_code == 0);
    CHECK_THAT(live.err, Catch::Contains("not set up yet") && Catch::Contains("is missing") &&
                             Catch::Contains("wrote " + kInclude + " and reloaded nginx"));
    CHECK(backends_answering(kSetupNginxUrl) == kFour);
    CHECK(status_json(inv)["mode"] == "live");

    SECTION("nginx not running: the include is written, the step fails saying to start nginx") {
        harness_args({"stop-pid", kPeers, kNginx + "/logs/nginx.pid"});
        fs::remove(kInclude);
        auto down = cli(inv, {"--yes", "traffic", "live"});
        CHECK(down.exit_code == 1);
        CHECK_THAT(down.err, Catch::Contains("is written now") && Catch::Contains("start nginx"));
        REQUIRE(read(kInclude).starts_with("# ncbctl-traffic mode=live node=\n"));
        harness_args({"nginx-start", kPeers, kNginx});
        CHECK(backends_answering(kSetupNginxUrl) == kFour);
        CHECK(status_json(inv)["mode"] == "live");
    }
    SECTION("the other workflows still refuse an LB that does not answer") {
        harness_args({"stop-pid", kPeers, kNginx + "/logs/nginx.pid"});
        fs::remove(kInclude);
        auto m = cli(inv, {"--yes", "traffic", "maintenance"});
        CHECK(m.exit_code == 3);
        CHECK_FALSE(fs::exists(kInclude));
    }
}

TEST_CASE("HAProxy from nothing: generated config passes haproxy -c, serves, switches, bypass and 503",
          "[traffic][setup][haproxy]") {
    fs::remove_all(kDir);
    fs::create_directories(kDir);
    const std::string cfg = kDir + "/haproxy.cfg";
    const std::string pid = kDir + "/haproxy.pid";
    StopAtEnd stop{{pid}};
    const std::string inv = haproxy_inventory_file("haproxy.yaml", "http://127.0.0.1:18040", kDir + "/haproxy.sock");
    write(kDir + "/bypass.secret", kSecret + "\n", fs::perms(0600));
    const std::string errorfile = kDir + "/errors/ncbctl-maintenance.http";

    auto all = cli(inv, {"traffic", "setup", "--errorfile", errorfile});
    REQUIRE(all.exit_code == 0);
    CHECK(all.out.find(kSecret) == std::string::npos);
    auto refused = cli(inv, {"traffic", "setup", "--write"});
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.err, Catch::Contains("owns no HAProxy file"));

    write(errorfile, part(inv, "errorfile", {"--errorfile", errorfile}));
    write(cfg,
          part(inv, "global") + "\n" + part(inv, "frontend") + "\n" + part(inv, "backend", {"--errorfile", errorfile}));
    auto c = run({"haproxy", "-c", "-f", cfg});
    INFO(c.out << c.err);
    REQUIRE(c.exit_code == 0);
    CHECK((c.out + c.err).find("WARNING") == std::string::npos);

    harness_args({"haproxy-start", kPeers, cfg, pid});
    // NocoBase's readiness check marks the servers up (every server "UP" with an L7OK check).
    nlohmann::json st;
    for (int i = 0; i < 100; ++i) {
        st = status_json(inv);
        if (st["serving"].size() == 4) break;
        std::this_thread::sleep_for(100ms);
    }
    CHECK(st["serving"].size() == 4);
    CHECK_THAT(st["detail"].get<std::string>(), Catch::Contains("web1(app1)=ready/UP"));
    live_then_maintenance(inv, kSetupHaproxyUrl, "haproxy", "120");
    CHECK(get(kSetupHaproxyUrl, true).body == "backend-app1");  // the bypass reaches the canary
    pin_then_live(inv, kSetupHaproxyUrl);
}

TEST_CASE("validate --connect explains an LB that is not set up, with the command that fixes it", "[traffic][setup]") {
    fs::remove_all(kDir);
    fs::create_directories(kDir);
    SECTION("nginx: ncbctl's include file is missing") {
        fresh_dirs();
        const std::string inv = nginx_inventory_file();
        auto v = cli(inv, {"validate", "--connect"});
        CHECK(v.exit_code == 3);
        CHECK_THAT(traffic_line(v.out), Catch::StartsWith("FAIL traffic: nginx not set up for ncbctl") &&
                                            Catch::Contains("is missing") &&
                                            Catch::Contains("`ncbctl traffic setup --write`"));
    }
    SECTION("HAProxy: socket at level operator, TCP-only health checks") {
        const std::string cfg = kDir + "/gaps.cfg";
        const std::string pid = kDir + "/gaps.pid";
        StopAtEnd stop{{pid}};
        std::ostringstream c;
        c << "global\n  stats socket " << kDir << "/gaps.sock mode 600 level operator\n"
          << "defaults\n  mode http\n  timeout connect 2s\n  timeout client 10s\n  timeout server 10s\n"
          << "frontend fe\n  bind 127.0.0.1:18041\n  default_backend nocobase\n"
          << "backend nocobase\n";
        for (int i = 1; i <= 4; ++i) c << "  server web" << i << " 127.0.0.1:1800" << i << " check inter 500\n";
        write(cfg, c.str());
        harness_args({"haproxy-start", kPeers, cfg, pid});
        const std::string inv =
            haproxy_inventory_file("gaps.yaml", "http://127.0.0.1:18041", kDir + "/gaps.sock", false);
        std::string line;
        for (int i = 0; i < 50; ++i) {  // until the first TCP checks passed
            line = traffic_line(cli(inv, {"validate", "--connect"}).out);
            if (line.find("TCP-level") != std::string::npos) break;
            std::this_thread::sleep_for(100ms);
        }
        CHECK_THAT(line, Catch::StartsWith("FAIL traffic: haproxy not set up for ncbctl") &&
                             Catch::Contains("level operator") && Catch::Contains("level admin") &&
                             Catch::Contains("TCP-level") && Catch::Contains("option httpchk GET /api/__health_check"));
    }
}
