// Faults a real NocoBase will not produce on demand, from a small HTTP server on loopback
// (127.0.0.1:NB_FAULT_PORT): proxy HTML pages, a slow answer, invalid JSON, truncated bodies and
// backup downloads cut mid-way. The first path segment selects the fault: http://127.0.0.1:P/<fault>/api/...
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <thread>

#include "nocobase/client.hpp"
#include "util/fd.hpp"
#include "util/sha256.hpp"

using namespace ncbctl;
using namespace ncbctl::nocobase;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string kBackup = std::string(NCBCTL_SOURCE_DIR) + "/tests/data/nocobase/backup-2.2.15.nbdata";

std::string slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void send_all(int fd, std::string_view s) {
    while (!s.empty()) {
        const ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
        if (n <= 0) return;
        s.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::string head(int status, const std::string& type, std::size_t length) {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(length) + "\r\nConnection: close\r\n\r\n";
}

std::string hex(std::size_t n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%zx", n);
    return buf;
}

// Value of a request header (name in lower case), empty when absent.
std::string header(const std::string& req, const std::string& name) {
    std::string lower = req;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto at = lower.find("\r\n" + name + ":");
    if (at == std::string::npos) return {};
    auto start = at + 3 + name.size();
    while (start < req.size() && req[start] == ' ') ++start;
    return req.substr(start, req.find("\r\n", start) - start);
}

class FaultServer {
public:
    FaultServer() : backup_(slurp(kBackup)) {
        listener_ = util::Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        REQUIRE(listener_.valid());
        int one = 1;
        ::setsockopt(listener_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(NB_FAULT_PORT);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(listener_.get(), 16) == 0);
        thread_ = std::thread([this] { loop(); });
    }
    ~FaultServer() {
        stop_ = true;
        thread_.join();
        for (auto& w : workers_) w.join();
    }
    FaultServer(const FaultServer&) = delete;
    FaultServer& operator=(const FaultServer&) = delete;

    static std::string url(const std::string& fault) {
        return "http://127.0.0.1:" + std::to_string(NB_FAULT_PORT) + "/" + fault;
    }

private:
    void loop() {
        while (!stop_) {
            pollfd p{listener_.get(), POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            // One thread per connection: a slow answer must not hold up the next request.
            int conn = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
            if (conn >= 0) workers_.emplace_back([this, fd = util::Fd(conn)] { serve(fd.get()); });
        }
    }

    void serve(int fd) {
        std::string req;
        char buf[4096];
        while (req.find("\r\n\r\n") == std::string::npos) {
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) return;
            req.append(buf, static_cast<std::size_t>(n));
        }
        const auto sp1 = req.find(' ');
        const std::string path = req.substr(sp1 + 1, req.find(' ', sp1 + 1) - sp1 - 1);
        const std::string fault = path.substr(1, path.find('/', 1) - 1);
        const bool health = path.find("__health_check") != std::string::npos;
        if (fault == "proxy502") {
            const std::string page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
            send_all(fd, head(502, "text/html", page.size()) + page);
        } else if (fault == "spa") {
            const std::string page = "<!doctype html><html><head><title>NocoBase</title></head><body></body></html>";
            send_all(fd, head(200, "text/html", page.size()) + page);
        } else if (fault == "slow") {
            for (int i = 0; i < 30 && !stop_; ++i) std::this_thread::sleep_for(100ms);
            send_all(fd, head(200, "text/plain", 2) + "ok");
        } else if (fault == "badjson") {
            const std::string body = R"({"data":[{"name":"x",)";
            send_all(fd, head(200, "application/json", body.size()) + body);
        } else if (fault == "truncated") {
            send_all(fd, head(200, "application/json", 500) + R"({"data":[{"name":)");
        } else if (fault == "notinstalled") {
            const std::string body =
                R"({"error":{"status":503,"message":"Application main is not installed, Please run 'yarn nocobase install' command first","code":"APP_NOT_INSTALLED_ERROR","command":{"name":"start"},"maintaining":true}})";
            send_all(fd, head(503, "application/json", body.size()) + body);
        } else if (fault == "booting") {
            if (health && boot_answers_++ < 3) {
                const std::string body =
                    R"({"error":{"status":503,"maintaining":true,"message":"load plugin [users], 47/77","command":{"name":"start"},"code":"APP_COMMANDING"}})";
                send_all(fd, head(503, "application/json", body.size()) + body);
            } else if (health) {
                send_all(fd, head(200, "text/plain", 2) + "ok");
            } else {
                const std::string body = R"({"data":{"database":{"dialect":"postgres"},"version":"2.2.15"}})";
                send_all(fd, head(200, "application/json", body.size()) + body);
            }
        } else if (fault == "renew") {  // a sign-in session renewed by the server (x-new-token)
            const std::string auth = header(req, "authorization");
            const std::string body = R"({"data":[]})";
            if (auth == "Bearer old-token" && !renewed_) {
                renewed_ = true;
                send_all(fd,
                         "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-new-token: new-token\r\n"
                         "Content-Length: " +
                             std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
            } else if (auth == "Bearer new-token") {
                send_all(fd, head(200, "application/json", body.size()) + body);
            } else {
                const std::string e =
                    R"({"errors":[{"message":"Your session has expired. Please sign in again.","code":"INVALID_TOKEN"}]})";
                send_all(fd, head(401, "application/json", e.size()) + e);
            }
        } else if (fault == "expire") {  // the first sign-in session is already expired: sign in once more
            if (path.find("auth:signIn") != std::string::npos) {
                const bool has_origin = !header(req, "origin").empty() || !header(req, "referer").empty();
                const std::string body = R"({"data":{"token":"session-)" + std::to_string(++sign_ins_) + R"("}})";
                send_all(fd, has_origin ? head(403, "application/json", 2) + "{}"
                                        : head(200, "application/json", body.size()) + body);
            } else if (header(req, "authorization") == "Bearer session-2") {
                send_all(fd, head(200, "application/json", 11) + R"({"data":[]})");
            } else {
                const std::string e =
                    R"({"errors":[{"message":"Your session has expired.","code":"EXPIRED_SESSION"}]})";
                send_all(fd, head(401, "application/json", e.size()) + e);
            }
        } else if (fault == "plugintable" || fault == "pmonly") {
            // plugintable: the plugin manager's table answers, pm:list would fail. pmonly: the role may not
            // list the table (403), pm:list answers with an enabled and a disabled plugin.
            const bool table = path.find("/api/applicationPlugins:list?") != std::string::npos;
            const bool filtered = path.find("filter=%7B%22enabled%22%3Atrue%7D") != std::string::npos;
            std::string body;
            int status = 200;
            if (table && fault == "plugintable" && filtered) {
                body = R"({"data":[{"name":"acl","packageName":"@nocobase/plugin-acl","enabled":true}]})";
            } else if (!table && fault == "pmonly" && path.find("/api/pm:list") != std::string::npos) {
                body = R"({"data":[{"name":"acl","packageName":"@nocobase/plugin-acl","enabled":true},)"
                       R"({"name":"hello","packageName":"@x/hello","enabled":false}]})";
            } else {
                status = fault == "pmonly" ? 403 : 500;
                body = R"({"errors":[{"message":"No permissions"}]})";
            }
            send_all(fd, head(status, "application/json", body.size()) + body);
        } else if (fault == "full") {  // chunked, as the real server sends backups
            send_all(fd,
                     "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n"
                     "Connection: close\r\n\r\n");
            for (std::size_t off = 0; off < backup_.size(); off += 8192) {
                const std::string_view part = std::string_view(backup_).substr(off, 8192);
                send_all(fd, hex(part.size()) + "\r\n");
                send_all(fd, part);
                send_all(fd, "\r\n");
            }
            send_all(fd, "0\r\n\r\n");
        } else if (fault == "cutlength") {  // Content-Length promised, connection closed half-way
            send_all(fd, head(200, "application/octet-stream", backup_.size()) + backup_.substr(0, backup_.size() / 2));
        } else if (fault == "cutchunked") {  // chunked, closed before the terminating chunk
            const std::string half = backup_.substr(0, backup_.size() / 2);
            send_all(fd,
                     "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n"
                     "Connection: close\r\n\r\n" +
                         hex(half.size()) + "\r\n" + half + "\r\n");
        } else if (fault == "notzip") {
            const std::string body(100000, 'x');
            send_all(fd, head(200, "application/octet-stream", body.size()) + body);
        } else {
            send_all(fd, head(404, "text/plain", 9) + "Not Found");
        }
    }

    std::string backup_;
    util::Fd listener_;
    std::atomic<bool> stop_{false};
    std::atomic<int> boot_answers_{0};
    std::atomic<bool> renewed_{false};
    std::atomic<int> sign_ins_{0};
    std::vector<std::thread> workers_;
    std::thread thread_;
};

ClientOptions opts(const std::string& fault) {
    ClientOptions o;
    o.node = "node fault-" + fault;
    o.base_url = FaultServer::url(fault);
    o.probe_timeout = 1000ms;
    o.request_timeout = 1000ms;
    o.poll_interval = 50ms;
    o.consecutive_ready = 2;
    return o;
}

std::string scratch_dir() {
    auto d = fs::temp_directory_path() / ("ncbctl-nb-fault-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d.string();
}

}  // namespace

TEST_CASE("proxy pages, slow answers, invalid JSON and truncated bodies", "[fault]") {
    FaultServer server;

    NocoBaseClient proxy(opts("proxy502"));
    auto p = proxy.check(Deadline::after(10s));
    CHECK(p.phase == AppPhase::Down);
    CHECK(p.message.find("502 Bad Gateway") != std::string::npos);
    auto pl = proxy.plugins(Deadline::after(10s));
    REQUIRE_FALSE(pl);
    CHECK(pl.error().code == ErrorCode::Unreachable);

    NocoBaseClient spa(opts("spa"));
    auto s = spa.check(Deadline::after(10s));
    CHECK(s.phase == AppPhase::Unknown);
    CHECK(s.message.find("<!doctype html>") != std::string::npos);
    auto sl = spa.plugins(Deadline::after(10s));
    REQUIRE_FALSE(sl);
    CHECK(sl.error().code == ErrorCode::Protocol);
    CHECK(sl.error().message.find("not JSON") != std::string::npos);

    NocoBaseClient slow(opts("slow"));
    CHECK(slow.check(Deadline::after(10s)).phase == AppPhase::Down);
    auto st = slow.plugins(Deadline::after(10s));
    REQUIRE_FALSE(st);
    CHECK(st.error().code == ErrorCode::Timeout);
    CHECK(st.error().transient);

    NocoBaseClient bad(opts("badjson"));
    auto bj = bad.plugins(Deadline::after(10s));
    REQUIRE_FALSE(bj);
    CHECK(bj.error().code == ErrorCode::Protocol);

    NocoBaseClient cut(opts("truncated"));
    auto tr = cut.plugins(Deadline::after(10s));
    REQUIRE_FALSE(tr);
    CHECK(tr.error().code == ErrorCode::Unreachable);
}

TEST_CASE("wait_ready reports progress, and returns at once on a terminal failure", "[fault]") {
    FaultServer server;
    NocoBaseClient boot(opts("booting"));
    std::vector<std::string> messages;
    auto r =
        boot.wait_ready("2.2.15", Deadline::after(60s), [&](const AppStatus& s) { messages.push_back(s.message); });
    REQUIRE(r);
    REQUIRE_FALSE(messages.empty());
    CHECK(messages.front() == "load plugin [users], 47/77");

    NocoBaseClient broken(opts("notinstalled"));
    auto f = broken.wait_ready(std::nullopt, Deadline::after(120s));
    REQUIRE_FALSE(f);
    CHECK(f.error().code == ErrorCode::Remote);  // not Timeout: it did not wait for the deadline
    CHECK(f.error().message.find("APP_NOT_INSTALLED_ERROR") != std::string::npos);
}

TEST_CASE("backup downloads: only a complete, verified file is kept", "[fault]") {
    FaultServer server;
    const std::string dir = scratch_dir();
    const std::string expected_sha = util::sha256_file_hex(kBackup).value();

    NocoBaseClient full(opts("full"));
    auto ok = full.backup_download_verified("b.nbdata", dir + "/full.nbdata", Deadline::after(30s));
    REQUIRE(ok);
    CHECK(ok->sha256 == expected_sha);
    CHECK(ok->version == "2.2.15");

    for (const std::string fault : {"cutlength", "cutchunked", "notzip", "proxy502"}) {
        INFO(fault);
        NocoBaseClient c(opts(fault));
        const std::string dest = dir + "/" + fault + ".nbdata";
        auto r = c.backup_download_verified("b.nbdata", dest, Deadline::after(30s));
        REQUIRE_FALSE(r);
        CHECK_FALSE(fs::exists(dest));
        CHECK_FALSE(fs::exists(dest + ".part"));
        if (fault == "notzip") CHECK(r.error().code == ErrorCode::Verification);
    }
    fs::remove_all(dir);
}

TEST_CASE("enabled_plugins: the plugin table's enabled rows, else pm:list's enabled entries", "[fault]") {
    FaultServer server;
    NocoBaseClient table(opts("plugintable"));
    auto t = table.enabled_plugins(Deadline::after(10s));
    REQUIRE(t);
    REQUIRE(t->size() == 1);
    CHECK(t->front().package_name == "@nocobase/plugin-acl");
    CHECK(t->front().enabled);
    NocoBaseClient refused(opts("pmonly"));
    auto p = refused.enabled_plugins(Deadline::after(10s));
    REQUIRE(p);
    REQUIRE(p->size() == 1);
    CHECK(p->front().name == "acl");
}

TEST_CASE("auth: x-new-token replaces the token; an expired session signs in once more", "[fault]") {
    FaultServer server;
    const std::string dir = scratch_dir();
    std::ofstream(dir + "/token") << "old-token\n";
    ClientOptions o = opts("renew");
    o.auth.token.file = dir + "/token";
    NocoBaseClient renew(o);
    REQUIRE(renew.plugins(Deadline::after(10s)));  // answered with x-new-token
    REQUIRE(renew.plugins(Deadline::after(10s)));  // only the new token is accepted now

    ::setenv("NCBCTL_NB_FAULT_PASSWORD", "pw", 1);
    ClientOptions a = opts("expire");
    a.auth.account = "admin@nocobase.com";
    a.auth.password.env = "NCBCTL_NB_FAULT_PASSWORD";
    NocoBaseClient expire(a);
    REQUIRE(expire.plugins(Deadline::after(10s)));  // session-1 refused, session-2 accepted
    fs::remove_all(dir);
}
