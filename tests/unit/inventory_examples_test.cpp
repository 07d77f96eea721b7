// Every examples/*.yaml must validate, and each example must really be what its name says.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <regex>
#include <sstream>

#include "inventory_test_util.hpp"

using namespace ncbctl;
namespace fs = std::filesystem;

namespace {

Inventory example(const std::string& name) {
    auto inv = load_inventory((test::source_dir() / "examples" / name).string());
    if (!inv) FAIL(test::joined(inv.error()));
    return *inv;
}

bool all_driver(const Inventory& inv, DriverKind k) {
    return std::all_of(inv.nodes.begin(), inv.nodes.end(), [k](const Node& n) { return n.driver == k; });
}

}  // namespace

TEST_CASE("every example inventory validates", "[inventory][examples]") {
    int count = 0;
    for (const auto& e : fs::directory_iterator(test::source_dir() / "examples")) {
        if (e.path().extension() != ".yaml") continue;
        INFO(e.path().string());
        auto inv = load_inventory(e.path().string());
        CHECK(inv.has_value());
        if (!inv) WARN(test::joined(inv.error()));
        ++count;
    }
    CHECK(count >= 4);
}

TEST_CASE("examples/docker.yaml is Docker-only with three nodes behind haproxy", "[inventory][examples]") {
    const Inventory inv = example("docker.yaml");
    CHECK(inv.nodes.size() == 3);
    CHECK(all_driver(inv, DriverKind::Docker));
    CHECK(inv.traffic.driver == "haproxy");
    CHECK(inv.traffic.servers.size() == 3);
    CHECK(inv.nodes[1].docker.endpoint.starts_with("tcp://"));
    CHECK(inv.nodes[2].docker.endpoint.starts_with("ssh://"));
}

TEST_CASE("examples/ssh-systemd.yaml is SSH-only with systemd and nginx", "[inventory][examples]") {
    const Inventory inv = example("ssh-systemd.yaml");
    CHECK(all_driver(inv, DriverKind::Ssh));
    for (const auto& n : inv.nodes) CHECK(n.ssh.service.preset == "systemd");
    CHECK(inv.traffic.driver == "nginx");
    CHECK(inv.traffic.upstreams.size() == inv.nodes.size());
}

TEST_CASE("examples/mixed.yaml mixes drivers, uses a command switch and api backups", "[inventory][examples]") {
    const Inventory inv = example("mixed.yaml");
    CHECK_FALSE(all_driver(inv, DriverKind::Docker));
    CHECK_FALSE(all_driver(inv, DriverKind::Ssh));
    CHECK(inv.traffic.driver == "command");
    CHECK(inv.backup.method == "api");
}

namespace {

// The default of `NAME=${NAME:-DEFAULT}` in tests/harness/cluster.sh (quotes dropped).
std::string harness_default(const std::string& name) {
    static const std::string text = test::read_text(test::source_dir() / "tests/harness/cluster.sh");
    std::smatch m;
    const std::regex re(name + R"re(=\$\{)re" + name + R"re(:-"?([^"}]*)"?\})re");
    if (!std::regex_search(text, m, re)) FAIL("no default for " + name + " in tests/harness/cluster.sh");
    return m[1].str();
}

// The directory the e2e tests bring the harness up in.
std::string e2e_dir() {
    const std::string text = test::read_text(test::source_dir() / "tests/e2e/upgrade/CMakeLists.txt");
    std::smatch m;
    if (!std::regex_search(text, m, std::regex(R"(set\(E2E_DIR ([^)]+)\))"))) FAIL("no E2E_DIR");
    return m[1].str();
}

}  // namespace

TEST_CASE("examples/local-cluster.yaml is the inventory `cluster.sh up` writes for the e2e directory",
          "[inventory][examples]") {
    const Inventory inv = example("local-cluster.yaml");
    const std::string dir = e2e_dir();
    std::istringstream ports(harness_default("NODE_PORTS"));
    std::vector<std::string> node_ports{std::istream_iterator<std::string>(ports), {}};
    REQUIRE(node_ports.size() == 3);
    REQUIRE(inv.nodes.size() == node_ports.size());
    for (std::size_t i = 0; i < inv.nodes.size(); ++i) {
        const Node& n = inv.nodes[i];
        INFO(n.name);
        CHECK(n.name == "app" + std::to_string(i + 1));
        CHECK(n.url == "http://127.0.0.1:" + node_ports[i]);
        CHECK(n.driver == DriverKind::Ssh);
        CHECK(n.ssh.target.host == "127.0.0.1");
        CHECK(std::to_string(n.ssh.target.port) == harness_default("SSHPORT"));
        CHECK(n.ssh.target.user == "root");
        CHECK(n.ssh.target.identity_file == dir + "/ssh/id");
        CHECK(n.ssh.target.known_hosts_file == dir + "/ssh/known_hosts");
        CHECK(n.ssh.service.preset == "supervisord");
        CHECK(n.ssh.service.process == "ncb-" + n.name);
        CHECK(n.ssh.service.supervisor_config == dir + "/supervisord.conf");
    }
    CHECK(inv.auth.password.file == dir + "/admin-password");
    CHECK(inv.lb_url == "http://127.0.0.1:" + harness_default("LBPORT"));
    CHECK(inv.traffic.driver == "haproxy");
    CHECK(inv.traffic.socket == dir + "/haproxy.sock");
    CHECK(inv.database.host == "127.0.0.1");
    CHECK(std::to_string(inv.database.port) == harness_default("PGPORT"));
    CHECK(inv.database.dialect == "postgres");
    CHECK(inv.database.password.file == dir + "/db-password");
    CHECK(inv.backup.destination == dir + "/backups");
}

TEST_CASE("examples/redis-lock.yaml keeps the cluster lock in Redis", "[inventory][examples]") {
    const Inventory inv = example("redis-lock.yaml");
    CHECK(inv.lock.backend == "redis");
    CHECK(inv.lock.redis.host == "10.2.0.30");
    CHECK(inv.lock.redis.port == 6379);
    CHECK(inv.lock.redis.password.env == "ERP_REDIS_PASSWORD");
    CHECK(inv.lock.redis.key == "ncbctl:lock:erp");
}
