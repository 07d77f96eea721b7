#pragma once
// NodeDriver for a node that is one container of a Docker engine, driven through the Engine API.
// Failure semantics (every Error names the node):
//   - engine unreachable / timeouts: transient Unreachable/Timeout (probe reports reachable=false instead);
//   - container missing: NotFound ("create it first" for stop/start/upgrade, probe reports Missing);
//   - image absent and not pullable: NotFound / Remote with the engine's (or registry's) message;
//   - any other engine answer: Remote (Conflict for 409) with the engine's {"message"} on one line.
// State changes are idempotent: stop of a stopped container (304) and start of a running one (304) succeed;
// upgrade and rollback can be re-run after a crash at any point (see docs/drivers-docker.md).
// Registry credentials are read from the inventory reference at pull time and never logged.
#include <memory>
#include <optional>
#include <string>

#include "drivers/docker/engine_client.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/node_driver.hpp"

namespace ncbctl::docker {

class DockerNodeDriver final : public NodeDriver {
public:
    // A malformed endpoint (Error from parse_endpoint) is returned by every call instead of crashing.
    DockerNodeDriver(std::string node_name, DockerNode config, Result<Endpoint> endpoint);

    [[nodiscard]] const std::string& node_name() const override { return name_; }
    Result<NodeState> probe(const Deadline&) override;
    Status stop(const Deadline&) override;
    Status start(const Deadline&) override;
    Status prepare(const std::string& version, const Deadline&) override;  // pre-pull repo:version
    Status upgrade(const std::string& version, const Deadline&) override;  // recreate from repo:version, not started
    Status rollback(const std::string& previous_version, const Deadline&) override;  // swap the kept one back
    Result<ExecResult> exec(const Argv& argv, const Deadline&) override;
    Status mark_upgrade(const Deadline&) override;
    Result<std::string> logs(int lines, const Deadline&) override;  // GET /containers/{name}/logs?tail=N

    // Puts an empty `.upgrading` into `dir` of the node's container (created or running) via the archive API.
    Status put_upgrade_marker(const std::string& dir, const Deadline&);

    [[nodiscard]] std::string previous_name() const { return config_.container + config_.previous_suffix; }
    EngineClient& engine() { return engine_; }

private:
    Error err(Error e) const;                                                  // "node NAME: " prefix
    Result<Json> inspect_container(const std::string& name, const Deadline&);  // null Json when absent
    Result<std::string> image_for(const std::string& version, const Deadline&);
    Status stop_container(const std::string& name, const Deadline&);
    Status rename_container(const std::string& from, const std::string& to, const Deadline&);
    Status remove_container(const std::string& name, const Deadline&);
    Status create_from(const Json& old_container, const std::string& image, const Deadline&);
    Result<std::string> registry_auth_header(const std::string& repo) const;

    std::string name_;
    DockerNode config_;
    std::optional<Error> config_error_;
    EngineClient engine_;
};

}  // namespace ncbctl::docker

namespace ncbctl {
// The driver-table entry for `driver: docker`. A malformed endpoint is reported by the driver's first call
// (Inventory error), so building the table never fails.
NodeDriverPtr make_docker_driver(const Node& node, const Inventory& inventory);
}  // namespace ncbctl
