// The ssh.options allowlist (util/ssh_options.hpp): shared by the inventory schema and the ssh transport.
#include <catch2/catch.hpp>

#include <algorithm>

#include "drivers/ssh/ssh_transport.hpp"
#include "util/ssh_options.hpp"

using namespace ncbctl;

TEST_CASE("ssh options: only allowlisted tuning options pass, in either form, any case", "[ssh][inventory][security]") {
    for (const char* ok : {"ServerAliveInterval=15", "serveraliveinterval=15", "ServerAliveInterval 15",
                           "Compression = yes", "Ciphers=aes256-gcm@openssh.com,chacha20-poly1305@openssh.com",
                           "KexAlgorithms=+diffie-hellman-group14-sha256", "IPQoS=lowdelay", "AddressFamily=inet",
                           "ConnectionAttempts=3", "LogLevel=ERROR", "PubkeyAcceptedAlgorithms=ssh-ed25519"}) {
        INFO(ok);
        CHECK_FALSE(util::ssh_option_problem(ok));
        CHECK(util::parse_ssh_option(ok));
    }
    CHECK(util::parse_ssh_option("serveraliveinterval 15")->text() == "ServerAliveInterval=15");
    CHECK(util::parse_ssh_option("Compression = yes")->text() == "Compression=yes");

    // Options that defeat host keys, redirect the connection, load code, open forwards or run commands.
    for (const char* bad : {"UserKnownHostsFile=/dev/null",
                            "HostName=evil.example",
                            "hostname evil.example",
                            "SecurityKeyProvider=/tmp/evil.so",
                            "PKCS11Provider=/tmp/evil.so",
                            "DynamicForward=1080",
                            "GatewayPorts=yes",
                            "LocalForward=8080:localhost:80",
                            "RemoteForward=9000:localhost:22",
                            "ProxyCommand=nc %h %p",
                            "proxycommand nc",
                            "LocalCommand=touch",
                            "PermitLocalCommand=yes",
                            "RemoteCommand=id",
                            "KnownHostsCommand=/bin/true",
                            "Match=all",
                            "Include=/etc/x",
                            "HostKeyAlias=other",
                            "UpdateHostKeys=yes",
                            "SendEnv=NCB_TOKEN",
                            "SetEnv=A=b",
                            "ForwardAgent=yes",
                            "VerifyHostKeyDNS=yes",
                            "ControlPath=/tmp/x",
                            "BatchMode=no",
                            "StrictHostKeyChecking=no",
                            "IdentityFile=/k",
                            "ProxyJump=evil",
                            "Port=2222",
                            "User=root",
                            "ConnectTimeout=5"}) {
        INFO(bad);
        CHECK(util::ssh_option_problem(bad));
        CHECK_FALSE(util::parse_ssh_option(bad));
    }
    // Options ncbctl sets say so, and what to use instead.
    CHECK(
        *util::ssh_option_problem("strictHostKeyChecking=no") ==
        "ssh option `StrictHostKeyChecking` is set by ncbctl itself; use ssh.host_key_checking (strict or accept-new)");
    CHECK(util::ssh_option_problem("UserKnownHostsFile=/dev/null")->find("use ssh.known_hosts_file") !=
          std::string::npos);
    CHECK(util::ssh_option_problem("ControlMaster=no")->find("is set by ncbctl itself") != std::string::npos);
    CHECK(util::ssh_option_problem("HostName=x")->find("is not allowed") != std::string::npos);
    // Malformed or smuggling a second value.
    for (const char* bad : {"Compression", "=yes", "-oProxyCommand=x", "Compression=yes\nProxyCommand=x",
                            "Compression=yes ProxyCommand=x", "Ciphers=a;b", "LogLevel=", "Compression\t"}) {
        INFO(bad);
        CHECK(util::ssh_option_problem(bad));
    }
}

TEST_CASE("ssh transport: an option that slipped past the schema is refused, keep-alive tunable", "[ssh][security]") {
    SshTarget t;
    t.host = "10.0.0.5";
    t.options = {"UserKnownHostsFile=/dev/null"};
    auto v = ssh::validate_target(t);
    REQUIRE_FALSE(v);
    CHECK(v.error().code == ErrorCode::Inventory);
    t.options = {"HostName=evil"};
    CHECK_FALSE(ssh::SshTransport::open("n", t, Duration(1000)));

    t.options = {"serveraliveinterval 30"};
    auto tr = ssh::SshTransport::open("n", t, Duration(1000));
    REQUIRE(tr);
    const Argv a = (*tr)->ssh_argv({"true"});
    CHECK(std::ranges::count(a, "ServerAliveInterval=30") == 1);  // normalized, and ncbctl's default dropped
    CHECK(std::ranges::count(a, "ServerAliveInterval=5") == 0);
    CHECK(std::ranges::count(a, "ServerAliveCountMax=3") == 1);
}
