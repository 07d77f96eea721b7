#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "drivers/ssh/ssh_driver.hpp"
#include "drivers/ssh/ssh_forward.hpp"
#include "drivers/ssh/ssh_transport.hpp"
#include "ncbctl/cancel.hpp"
#include "net/process.hpp"
#include "support.hpp"

using namespace ncbctl;
using namespace ssh_it;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<ssh::SshTransport> lo(const std::string& node = "lo") {
    auto t = ssh::SshTransport::open(node, lo_target(), Duration(3000));
    REQUIRE(t);
    return *t;
}

// "Master running (pid=N)" from `ssh -O check`.
long master_pid(const ssh::SshTransport& t) {
    auto r = net::run_process({.argv = t.ssh_argv({}, true, {"-O", "check"})}, Deadline::after(5s));
    if (!r || r->exit_code != 0) return -1;
    auto p = r->err.find("pid=");
    return p == std::string::npos ? -1 : std::stol(r->err.substr(p + 4));
}

}  // namespace

TEST_CASE("remote argv arrives word for word; exit code, stdout, stderr, stdin", "[ssh][transport]") {
    auto t = lo();
    const std::string h = hostile();
    auto r = t->run({"printf", "%s\\n", h, "two words", ""}, Deadline::after(10s));
    REQUIRE(r);
    CHECK(r->exit_code == 0);
    CHECK(r->out == h + "\ntwo words\n\n");
    auto e = t->run({"sh", "-c", "echo out; echo err >&2; exit 7"}, Deadline::after(10s));
    REQUIRE(e);
    CHECK(e->exit_code == 7);
    CHECK(e->out == "out\n");
    CHECK(e->err == "err\n");
    auto in = t->run({"cat"}, Deadline::after(10s), "line1\n" + h);
    REQUIRE(in);
    CHECK(in->out == "line1\n" + h);
    auto x255 = t->run({"sh", "-c", "exit 255"}, Deadline::after(10s));
    REQUIRE(x255);  // the remote command's own 255, master still up: not a transport error
    CHECK(x255->exit_code == 255);
    CHECK_FALSE(injected());
}

TEST_CASE("one master per transport, closed by close(), the destructor and at exit", "[ssh][transport]") {
    long pid = -1;
    std::string sock;
    {
        auto t = lo();
        REQUIRE(t->run({"true"}, Deadline::after(10s)));
        sock = t->control_path();
        pid = master_pid(*t);
        REQUIRE(pid > 0);
        CHECK(std::filesystem::is_socket(sock));
        CHECK((std::filesystem::status(std::filesystem::path(sock).parent_path()).permissions() &
               std::filesystem::perms::all) == std::filesystem::perms::owner_all);
        for (int i = 0; i < 5; ++i) REQUIRE(t->run({"true"}, Deadline::after(10s)));
        CHECK(master_pid(*t) == pid);  // the same master served every command
        t->close();
        CHECK(eventually([&] { return !pid_alive(pid); }));
        REQUIRE(t->run({"true"}, Deadline::after(10s)));  // reconnects on demand
        pid = master_pid(*t);
        REQUIRE(pid > 0);
    }  // destructor
    CHECK(eventually([&] { return !pid_alive(pid); }));
    CHECK_FALSE(std::filesystem::exists(sock));

    // A process that exits (std::exit, as on an error path) without closing: the atexit hook does it,
    // also after a double Ctrl-C (abort requested: no `ssh -O exit` child can run, the PID is signalled).
    for (const bool aborted : {false, true}) {
        const std::string pidfile = E("DIR") + "/child-master.pid";
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            auto t = ssh::SshTransport::open("child", lo_target(), Duration(3000));
            if (!t || !(*t)->run({"true"}, Deadline::after(10s))) std::_Exit(3);
            std::ofstream(pidfile) << master_pid(**t) << "\n" << (*t)->control_path() << "\n";
            auto* leaked = new std::shared_ptr<ssh::SshTransport>(*t);  // never destroyed: only atexit closes it
            (void)leaked;
            if (aborted) {
                request_interrupt();
                request_interrupt();
            }
            std::exit(0);
        }
        int status = 0;
        ::waitpid(child, &status, 0);
        REQUIRE(WIFEXITED(status));
        REQUIRE(WEXITSTATUS(status) == 0);
        std::ifstream in(pidfile);
        long child_master = -1;
        std::string child_sock;
        in >> child_master >> child_sock;
        INFO("aborted: " << aborted);
        REQUIRE(child_master > 0);
        CHECK(eventually([&] { return !pid_alive(child_master); }));
        CHECK_FALSE(std::filesystem::exists(std::filesystem::path(child_sock).parent_path()));
    }
}

TEST_CASE("files: atomic write, read, put and get with hostile paths", "[ssh][transport]") {
    auto t = lo();
    const std::string dir = E("DIR") + "/files " + hostile();
    REQUIRE(t->run({"mkdir", "-p", "--", dir}, Deadline::after(10s))->exit_code == 0);
    const std::string remote = dir + "/a 'b\" $(x).txt";
    REQUIRE(t->write_file(remote, "hello\n" + hostile(), Deadline::after(10s), 0640));
    auto back = t->read_file(remote, Deadline::after(10s));
    REQUIRE(back);
    REQUIRE(back->has_value());
    CHECK(**back == "hello\n" + hostile());
    CHECK((std::filesystem::status(remote).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
           std::filesystem::perms::group_read));
    auto missing = t->read_file(dir + "/nope", Deadline::after(10s));
    REQUIRE(missing);
    CHECK_FALSE(missing->has_value());

    const std::string local = E("DIR") + "/big.bin";
    std::string big(3 * 1024 * 1024, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 % 251);
    std::ofstream(local, std::ios::binary) << big;
    REQUIRE(t->put_file(local, dir + "/up load.bin", Deadline::after(30s), 0600));
    CHECK(slurp(dir + "/up load.bin") == big);
    const std::string got = E("DIR") + "/got.bin";
    REQUIRE(t->get_file(dir + "/up load.bin", got, Deadline::after(30s)));
    CHECK(slurp(got) == big);
    auto nf = t->get_file(dir + "/absent", got + "2", Deadline::after(10s));
    REQUIRE_FALSE(nf);
    CHECK(nf.error().code == ErrorCode::NotFound);
    CHECK_FALSE(std::filesystem::exists(got + "2"));
    CHECK_FALSE(injected());
}

TEST_CASE("an identity file and known-hosts file in a directory with a space and a % are used", "[ssh][transport]") {
    namespace fs = std::filesystem;
    const fs::path dir = E("DIR") + "/key dir 100%";
    fs::create_directories(dir);
    fs::copy_file(E("ID"), dir / "id key", fs::copy_options::overwrite_existing);
    fs::copy_file(E("KNOWN_HOSTS"), dir / "known hosts", fs::copy_options::overwrite_existing);
    fs::permissions(dir / "id key", fs::perms::owner_read | fs::perms::owner_write);
    auto tg = lo_target();
    tg.identity_file = (dir / "id key").string();
    tg.known_hosts_file = (dir / "known hosts").string();
    auto t = ssh::SshTransport::open("spaced", tg, Duration(3000));
    REQUIRE(t);
    auto r = (*t)->run({"echo", "in"}, Deadline::after(10s));  // -i could not take a path with a %
    INFO((r ? std::string() : r.error().message));
    REQUIRE(r);
    CHECK(r->exit_code == 0);
    CHECK(r->out == "in\n");
}

TEST_CASE("runner: commands and files on a node", "[ssh][runner]") {
    auto inv = inventory();
    auto runner = make_ssh_runner(ssh_node("runner-node", lo_target()), inv);
    auto r = runner->run({"sh", "-c", "cat; exit 4"}, "data", Deadline::after(10s));
    REQUIRE(r);
    CHECK(r->exit_code == 4);
    CHECK(r->out == "data");
    CHECK(runner->where().find("runner-node") != std::string::npos);
    const std::string path = E("DIR") + "/runner file.txt";
    REQUIRE(runner->write_file(path, "x", Deadline::after(10s), 0644));
    CHECK(slurp(path) == "x");
}

TEST_CASE("unix socket forward: managed child, killed by PID", "[ssh][forward]") {
    auto t = lo();
    pid_t pid = -1;
    std::string local;
    {
        auto fwd = ssh::SshForward::open(*t, E("DIR") + "/sv/supervisor.sock", Deadline::after(15s));
        REQUIRE(fwd);
        pid = (*fwd)->pid();
        local = (*fwd)->local_socket();
        CHECK(pid_alive(pid));
        // supervisord's XML-RPC HTTP server answers through the forward.
        CHECK(unix_request(local, "GET / HTTP/1.0\r\n\r\n").starts_with("HTTP/1."));
        CHECK((*fwd)->alive());
    }
    CHECK_FALSE(pid_alive(pid));
    CHECK_FALSE(std::filesystem::exists(local));
}
