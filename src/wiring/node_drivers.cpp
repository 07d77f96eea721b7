// The explicit table of node drivers (node.driver -> factory) and of where commands run.
#include "drivers/docker/docker_driver.hpp"
#include "drivers/ssh/ssh_driver.hpp"
#include "net/local_runner.hpp"
#include "wiring/wiring.hpp"

namespace ncbctl::wiring {
namespace {

struct DriverEntry {
    DriverKind kind;
    std::string_view name;
    NodeDriverPtr (*make)(const Node&, const Inventory&);
};

constexpr DriverEntry kDrivers[] = {
    {DriverKind::Docker, "docker", &ncbctl::make_docker_driver},
    {DriverKind::Ssh, "ssh", &ncbctl::make_ssh_driver},
};

}  // namespace

Result<NodeDriverPtr> make_node_driver(const Node& node, const Inventory& inv) {
    for (const auto& d : kDrivers) {
        if (d.kind != node.driver) continue;
        auto p = d.make(node, inv);
        if (!p)
            return fail(ErrorCode::Internal,
                        "node " + node.name + ": cannot create the " + std::string(d.name) + " driver");
        return p;
    }
    return fail(ErrorCode::Internal, "node " + node.name + ": no driver for its kind");
}

Result<std::unique_ptr<CommandRunner>> make_runner(const std::string& node, const Inventory& inv) {
    if (node.empty()) return net::make_local_runner();
    const Node* n = inv.find_node(node);
    if (n == nullptr) return fail(ErrorCode::Inventory, "no node named " + node + " to run commands on");
    if (n->driver != DriverKind::Ssh)
        return fail(ErrorCode::Unsupported, "node " + node + " is not an ssh node: commands can run only over SSH");
    return ncbctl::make_ssh_runner(*n, inv);
}

}  // namespace ncbctl::wiring
