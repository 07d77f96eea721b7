#include <signal.h>

#include <catch2/catch.hpp>
#include <future>

#include "drivers/ssh/ssh_driver.hpp"
#include "drivers/ssh/ssh_transport.hpp"
#include "support.hpp"

using namespace ncbctl;
using namespace ssh_it;
using namespace std::chrono_literals;

namespace {

Error run_error(const SshTarget& t, const std::string& node, Duration connect = Duration(3000)) {
    auto tr = ssh::SshTransport::open(node, t, connect);
    REQUIRE(tr);
    auto r = (*tr)->run({"true"}, Deadline::after(20s));
    REQUIRE_FALSE(r);
    INFO(r.error().message);
    CHECK(r.error().message.find("node " + node) != std::string::npos);
    CHECK(r.error().message.find('\n') == std::string::npos);
    return r.error();
}

std::vector<long> children_of(long pid) {
    std::vector<long> out;
    for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
        std::ifstream in(task.path() / "children");
        long c = 0;
        while (in >> c) out.push_back(c);
    }
    return out;
}

void kill_remote(const std::string& pidfile) {
    std::ifstream in(pidfile);
    long p = 0;
    if (in >> p && p > 0) ::kill(static_cast<pid_t>(p), SIGKILL);
}

}  // namespace

TEST_CASE("wrong key: Auth, not transient", "[ssh][faults]") {
    auto t = lo_target();
    t.identity_file = E("WRONG_ID");
    auto e = run_error(t, "badkey");
    CHECK(e.code == ErrorCode::Auth);
    CHECK_FALSE(e.transient);
}

TEST_CASE("unknown and changed host keys: HostKey; accept-new learns a new key", "[ssh][faults]") {
    const std::string empty = E("DIR") + "/empty_known_hosts";
    std::ofstream(empty).flush();
    auto t = lo_target();
    t.known_hosts_file = empty;
    auto unknown = run_error(t, "unknownkey");
    CHECK(unknown.code == ErrorCode::HostKey);
    CHECK_FALSE(unknown.transient);

    t.known_hosts_file = E("OTHER_KNOWN_HOSTS");
    auto changed = run_error(t, "changedkey");
    CHECK(changed.code == ErrorCode::HostKey);
    t.host_key_checking = "accept-new";  // accept-new never accepts a CHANGED key
    CHECK(run_error(t, "changedkey2").code == ErrorCode::HostKey);

    t.known_hosts_file = empty;
    auto tr = ssh::SshTransport::open("firstcontact", t, Duration(3000));
    REQUIRE(tr);
    REQUIRE((*tr)->run({"true"}, Deadline::after(20s)));
    CHECK(slurp(empty).find("ssh-ed25519") != std::string::npos);
}

TEST_CASE("connection refused: Unreachable, transient; probe says unreachable", "[ssh][faults]") {
    auto t = lo_target();
    t.port = 2202;
    auto e = run_error(t, "refused");
    CHECK(e.code == ErrorCode::Unreachable);
    CHECK(e.transient);
    CHECK(e.message.find("refused") != std::string::npos);

    ServiceSpec s;
    s.preset = "custom";
    s.start = s.stop = s.status = {"true"};
    auto inv = inventory();
    auto p = make_ssh_driver(ssh_node("refused2", t, s), inv)->probe(Deadline::after(20s));
    REQUIRE(p);
    CHECK_FALSE(p->reachable);
    CHECK(p->detail.find("refused") != std::string::npos);
}

TEST_CASE("no SSH banner within ConnectTimeout: Timeout, transient", "[ssh][faults]") {
    util::Fd l(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    int one = 1;
    ::setsockopt(l.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(2203);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(l.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);  // NOLINT
    REQUIRE(::listen(l.get(), 8) == 0);  // the kernel completes the handshake; nobody ever speaks SSH
    auto t = lo_target();
    t.port = 2203;
    auto e = run_error(t, "silent", Duration(1000));
    CHECK(e.code == ErrorCode::Timeout);
    CHECK(e.transient);
}

TEST_CASE("command deadline: Timeout, not transient; stopped on the host; the master survives", "[ssh][faults]") {
    auto tr = ssh::SshTransport::open("slow", lo_target(), Duration(3000));
    REQUIRE(tr);
    const std::string pidfile = E("DIR") + "/slow.pid";
    auto r = (*tr)->run({"sh", "-c", "echo $$ > \"$1\"; exec sleep 600", "sh", pidfile}, Deadline::after(1500ms));
    long remote_pid = 0;
    std::ifstream(pidfile) >> remote_pid;
    CHECK(eventually([&] { return !pid_alive(remote_pid); }));  // the host's `timeout` stopped it
    kill_remote(pidfile);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Timeout);
    CHECK_FALSE(r.error().transient);
    CHECK(r.error().message.find("node slow") != std::string::npos);
    CHECK((*tr)->master_alive());
    auto again = (*tr)->run({"echo", "ok"}, Deadline::after(10s));
    REQUIRE(again);
    CHECK(again->out == "ok\n");
}

TEST_CASE("sshd killed mid-command: dropped connection, transient", "[ssh][faults]") {
    auto tr = ssh::SshTransport::open("dropped", lo_target(), Duration(3000));
    REQUIRE(tr);
    REQUIRE((*tr)->connect(Deadline::after(10s)));
    const long sshd = std::stol(E("SSHD_PID"));
    const std::string pidfile = E("DIR") + "/dropped.pid";
    std::filesystem::remove(pidfile);
    auto fut = std::async(std::launch::async, [&] {
        return (*tr)->run({"sh", "-c", "echo $$ > \"$1\"; exec sleep 30", "sh", pidfile}, Deadline::after(40s));
    });
    REQUIRE(eventually([&] { return std::filesystem::exists(pidfile) && !slurp(pidfile).empty(); }));
    for (long c : children_of(sshd)) ::kill(static_cast<pid_t>(c), SIGKILL);  // every session process of sshd
    auto r = fut.get();
    kill_remote(pidfile);
    REQUIRE_FALSE(r);
    INFO(r.error().message);
    CHECK(r.error().code == ErrorCode::Unreachable);
    CHECK(r.error().transient);
    CHECK(r.error().message.find("dropped") != std::string::npos);
    CHECK(r.error().message.find("node dropped") != std::string::npos);
    auto again = (*tr)->run({"echo", "back"}, Deadline::after(20s));  // sshd's listener lives: reconnect
    REQUIRE(again);
    CHECK(again->out == "back\n");
}
