// Every examples/*.yaml must validate, and each example must really be what its name says.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

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

TEST_CASE("examples/local-cluster.yaml: three supervisord nodes over sshd on 127.0.0.1:2222", "[inventory][examples]") {
    const Inventory inv = example("local-cluster.yaml");
    REQUIRE(inv.nodes.size() == 3);
    for (const auto& n : inv.nodes) {
        CHECK(n.driver == DriverKind::Ssh);
        CHECK(n.ssh.target.host == "127.0.0.1");
        CHECK(n.ssh.target.port == 2222);
        CHECK(n.ssh.service.preset == "supervisord");
    }
    CHECK(inv.traffic.driver == "haproxy");
    CHECK(inv.database.host == "127.0.0.1");
    CHECK(inv.database.dialect == "postgres");
}
