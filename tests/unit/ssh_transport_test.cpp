#include <algorithm>
#include <catch2/catch.hpp>

#include "drivers/ssh/ssh_transport.hpp"

using namespace ncbctl;
using namespace ncbctl::ssh;

namespace {

SshTarget target() {
    SshTarget t;
    t.host = "10.0.0.5";
    t.port = 2222;
    t.user = "deploy";
    t.identity_file = "/keys/id 1";
    t.known_hosts_file = "/kh/known%hosts";
    return t;
}

bool has_pair(const Argv& a, const std::string& k, const std::string& v) {
    for (std::size_t i = 0; i + 1 < a.size(); ++i)
        if (a[i] == k && a[i + 1] == v) return true;
    return false;
}

}  // namespace

TEST_CASE("ssh stderr is classified into distinct faults", "[ssh]") {
    CHECK(classify_ssh_stderr("ssh: connect to host 127.0.0.1 port 2202: Connection refused\n") == SshFault::Refused);
    CHECK(classify_ssh_stderr("root@127.0.0.1: Permission denied (publickey).\r\n") == SshFault::Auth);
    CHECK(classify_ssh_stderr("No ED25519 host key is known for [127.0.0.1]:2201 and you have requested strict "
                              "checking.\nHost key verification failed.\n") == SshFault::HostKey);
    CHECK(classify_ssh_stderr("@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @\n") == SshFault::HostKey);
    CHECK(classify_ssh_stderr("Connection timed out during banner exchange\nConnection to 127.0.0.1 port 2203 "
                              "timed out\n") == SshFault::ConnectTimeout);
    CHECK(classify_ssh_stderr("ssh: connect to host 10.9.9.9 port 22: Connection timed out\n") ==
          SshFault::ConnectTimeout);
    CHECK(classify_ssh_stderr("Connection to 10.0.0.5 closed by remote host.\n") == SshFault::Dropped);
    CHECK(classify_ssh_stderr("Timeout, server 10.0.0.5 not responding.\n") == SshFault::Dropped);
    CHECK(classify_ssh_stderr("ssh: Could not resolve hostname nope.invalid: Name or service not known\n") ==
          SshFault::UnknownHost);
    CHECK(classify_ssh_stderr("ssh: connect to host 10.0.0.9 port 22: No route to host\n") == SshFault::Unreachable);
    CHECK(classify_ssh_stderr("command-line line 0: Bad configuration option: nope\n") == SshFault::Config);
    CHECK(classify_ssh_stderr("grep: pattern not found\n") == SshFault::None);
}

TEST_CASE("fault errors map to codes and transience", "[ssh]") {
    auto e = fault_error(SshFault::Refused, "node app1 (h:22)", "x");
    CHECK(e.code == ErrorCode::Unreachable);
    CHECK(e.transient);
    CHECK(e.message.starts_with("node app1 (h:22): connection refused"));
    CHECK(fault_error(SshFault::Auth, "n", "").code == ErrorCode::Auth);
    CHECK_FALSE(fault_error(SshFault::Auth, "n", "").transient);
    CHECK(fault_error(SshFault::HostKey, "n", "").code == ErrorCode::HostKey);
    CHECK_FALSE(fault_error(SshFault::HostKey, "n", "").transient);
    CHECK(fault_error(SshFault::ConnectTimeout, "n", "").code == ErrorCode::Timeout);
    CHECK(fault_error(SshFault::ConnectTimeout, "n", "").transient);
    CHECK(fault_error(SshFault::Dropped, "n", "").transient);
    CHECK_FALSE(fault_error(SshFault::UnknownHost, "n", "").transient);
    for (auto f : {SshFault::Refused, SshFault::Auth, SshFault::HostKey, SshFault::Dropped})
        CHECK(fault_error(f, "n", "a").message.find('\n') == std::string::npos);
}

TEST_CASE("targets that could smuggle options are rejected", "[ssh]") {
    auto t = target();
    CHECK(validate_target(t));
    t.host = "-oProxyCommand=touch /tmp/x";
    CHECK(validate_target(t).error().code == ErrorCode::Inventory);
    t = target();
    t.host = "a b";
    CHECK_FALSE(validate_target(t));
    t = target();
    t.user = "root@evil";
    CHECK_FALSE(validate_target(t));
    t = target();
    t.options = {"ControlPath=/tmp/x"};
    CHECK_FALSE(validate_target(t));
    t.options = {"StrictHostKeyChecking=no"};
    CHECK_FALSE(validate_target(t));
    t.options = {"Compression=yes\nProxyCommand=x"};
    CHECK_FALSE(validate_target(t));
    t.options = {"Compression=yes"};
    CHECK(validate_target(t));
    t.host_key_checking = "off";
    CHECK_FALSE(validate_target(t));
}

TEST_CASE("ssh argv: batch, strict host keys, multiplexing, one quoted command", "[ssh]") {
    auto t = SshTransport::open("app1", target(), Duration(4000));
    REQUIRE(t);
    const Argv a = (*t)->ssh_argv({"echo", "a b", "$(id)"});
    CHECK(a.front() == "ssh");
    CHECK(has_pair(a, "-o", "BatchMode=yes"));
    CHECK(has_pair(a, "-o", "ConnectTimeout=4"));
    CHECK(has_pair(a, "-o", "StrictHostKeyChecking=yes"));
    CHECK(has_pair(a, "-o", "ControlMaster=auto"));
    CHECK(has_pair(a, "-o", "ControlPath=" + (*t)->control_path()));
    // not -i (stat()ed before its % expansion): IdentityFile, quoted for the blank
    CHECK(has_pair(a, "-o", "IdentityFile=\"/keys/id 1\""));
    CHECK(std::ranges::find(a, "-i") == a.end());
    CHECK(has_pair(a, "-o", "UserKnownHostsFile=/kh/known%%hosts"));
    CHECK(has_pair(a, "-p", "2222"));
    CHECK(has_pair(a, "-l", "deploy"));
    CHECK(std::ranges::find(a, "-F") == a.end());  // the operator's ~/.ssh/config stays in effect
    REQUIRE(a.size() >= 3);
    CHECK(a[a.size() - 3] == "--");
    CHECK(a[a.size() - 2] == "10.0.0.5");
    CHECK(a.back() == "echo 'a b' '$(id)'");
    const auto dir = (*t)->control_path().substr(0, (*t)->control_path().rfind('/'));
    CHECK(dir.find("ncbctl-ssh.") != std::string::npos);
}

TEST_CASE("ssh argv: accept-new, config file, jump host, no mux for forwards", "[ssh]") {
    auto tg = target();
    tg.host_key_checking = "accept-new";
    tg.config_file = "/etc/ncb/ssh_config";
    tg.jump_host = "bastion.example:2200";
    tg.port = 22;
    tg.options = {"Compression=yes"};
    auto t = SshTransport::open("app1", tg, Duration(10000));
    REQUIRE(t);
    const Argv a = (*t)->ssh_argv({}, false, {"-N"});
    CHECK(has_pair(a, "-F", "/etc/ncb/ssh_config"));
    CHECK(has_pair(a, "-o", "StrictHostKeyChecking=accept-new"));
    CHECK(has_pair(a, "-J", "bastion.example:2200"));
    CHECK(has_pair(a, "-o", "ControlPath=none"));
    CHECK(std::ranges::find(a, "-p") == a.end());
    CHECK(a.back() == "10.0.0.5");
    // Inventory extras come after ncbctl's own options: for ssh the first value wins.
    auto extra = std::ranges::find(a, "Compression=yes");
    auto batch = std::ranges::find(a, "BatchMode=yes");
    CHECK(batch < extra);
}

TEST_CASE("shared transports: one per node target while held", "[ssh]") {
    auto a = SshTransport::shared("n1", target(), Duration(1000));
    auto b = SshTransport::shared("n1", target(), Duration(1000));
    auto c = SshTransport::shared("n2", target(), Duration(1000));
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(c);
    CHECK(a->get() == b->get());
    CHECK(a->get() != c->get());
    CHECK((*a)->control_path() != (*c)->control_path());
}

TEST_CASE("remote commands with a finite deadline run under the host's timeout", "[ssh]") {
    CHECK(with_remote_timeout({"sleep", "9"}, Duration(10500)) == Argv{"timeout", "-k", "2", "12", "sleep", "9"});
    CHECK(with_remote_timeout({"true"}, Duration::max()) == Argv{"true"});
}
