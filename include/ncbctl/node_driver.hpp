#pragma once
// The port every node driver implements (docker/, ssh/). The engine knows nothing of Docker or SSH.
// Failure semantics: every call returns an Error naming the node; `transient` is set only when a retry
// can help (connection refused/reset, timeouts of the transport). All state-changing calls are idempotent:
// stopping a stopped node and starting a running one succeed, so `resume` can re-run an in-flight step.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"

namespace ncbctl {

enum class ServiceState { Running, Stopped, Missing, Unknown };
std::string_view to_string(ServiceState s) noexcept;

struct NodeState {
    bool reachable = false;  // the driver reached the host/engine
    ServiceState service = ServiceState::Unknown;
    std::string deployed_version;  // image tag / release deployed (empty when unknown)
    std::string detail;            // e.g. container id, unit state text
};

struct ExecResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

class NodeDriver {
public:
    virtual ~NodeDriver() = default;
    NodeDriver() = default;
    NodeDriver(const NodeDriver&) = delete;
    NodeDriver& operator=(const NodeDriver&) = delete;

    [[nodiscard]] virtual const std::string& node_name() const = 0;
    virtual Result<NodeState> probe(const Deadline&) = 0;  // never changes anything
    virtual Status stop(const Deadline&) = 0;              // already stopped => ok
    virtual Status start(const Deadline&) = 0;             // process running; app readiness is the AppClient's
    virtual Status prepare(const std::string& version, const Deadline&) = 0;  // pre-pull / stage; before the window
    virtual Status upgrade(const std::string& version, const Deadline&) = 0;  // deploy, do not start
    virtual Status rollback(const std::string& previous_version, const Deadline&) = 0;  // back to previous, not started
    virtual Result<ExecResult> exec(const Argv& argv, const Deadline&) = 0;             // argv, never a shell string
    // Makes the node's next start run NocoBase's upgrade (core and plugin migrations): drops
    // `storage/.upgrading` where the driver knows the storage directory. Unsupported (with the inventory
    // key to set) when it cannot; a no-op for images whose entrypoint upgrades at every start.
    virtual Status mark_upgrade(const Deadline&) = 0;
    // The service's last `lines` log lines, oldest first (what an operator reads when a node does not come
    // up). Unsupported by default and for services with no log command configured.
    virtual Result<std::string> logs(int lines, const Deadline&);
};

using NodeDriverPtr = std::unique_ptr<NodeDriver>;

}  // namespace ncbctl
