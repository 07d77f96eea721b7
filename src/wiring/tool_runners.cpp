// Where database tools run (database.run_on), built from the inventory in one place: this machine, an ssh
// node's host, a docker node's container, or a named container on the first docker node's engine.
#include "backup/local_tool_runner.hpp"
#include "drivers/docker/docker_tool_runner.hpp"
#include "drivers/ssh/ssh_tool_runner.hpp"
#include "drivers/ssh/ssh_transport.hpp"
#include "wiring/wiring.hpp"

namespace ncbctl::wiring {
namespace {

Result<docker::Endpoint> endpoint_of(const Node& n, const Inventory& inv) {
    auto ep = docker::parse_endpoint(n.docker);
    if (ep) {
        ep->node = n.name;
        ep->connect_timeout = std::chrono::duration_cast<Duration>(inv.timeouts.connect);
    }
    return ep;
}

}  // namespace

Result<std::unique_ptr<ToolRunner>> make_tool_runner(const Inventory& inv) {
    const std::string& run_on = inv.database.run_on;
    if (run_on.empty() || run_on == "local") return make_local_tool_runner();
    if (run_on.starts_with("node:")) {
        const std::string name = run_on.substr(5);
        const Node* n = inv.find_node(name);
        if (n == nullptr) return fail(ErrorCode::Inventory, "database.run_on: no node named " + name);
        if (n->driver == DriverKind::Ssh) return ssh::make_ssh_tool_runner(*n, ssh::connect_timeout(inv));
        return docker::make_docker_tool_runner(endpoint_of(*n, inv), n->docker.container, n->name);
    }
    if (run_on.starts_with("container:")) {
        for (const auto& n : inv.nodes)
            if (n.driver == DriverKind::Docker)
                return docker::make_docker_tool_runner(endpoint_of(n, inv), run_on.substr(10), n.name);
        return fail(ErrorCode::Inventory, "database.run_on: `container:` needs a docker node (its engine runs it)");
    }
    return fail(ErrorCode::Inventory, "database.run_on: '" + run_on + "' is not local, node:NAME or container:NAME");
}

}  // namespace ncbctl::wiring
