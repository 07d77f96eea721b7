#pragma once
// A node that answers its probe (running, at `version`) and, when given one, prints `env_out` for `env` (a
// Docker node's environment source); every other call fails. For tests where the node is not what is under
// test (the cluster preflight's rules, its LB check against a real HAProxy).
#include <optional>
#include <string>

#include "ncbctl/node_driver.hpp"

namespace ncbctl::testing {

class NodeStub final : public NodeDriver {
public:
    explicit NodeStub(std::string name, std::optional<std::string> env_out = std::nullopt,
                      std::string version = "2.2.15")
        : name_(std::move(name)), env_(std::move(env_out)), version_(std::move(version)) {}
    const std::string& node_name() const override { return name_; }
    Result<NodeState> probe(const Deadline&) override {
        return NodeState{.reachable = true, .service = ServiceState::Running, .deployed_version = version_};
    }
    Status stop(const Deadline&) override { return no(); }
    Status start(const Deadline&) override { return no(); }
    Status prepare(const std::string&, const Deadline&) override { return no(); }
    Status upgrade(const std::string&, const Deadline&) override { return no(); }
    Status rollback(const std::string&, const Deadline&) override { return no(); }
    Result<ExecResult> exec(const Argv& argv, const Deadline&) override {
        if (env_ && argv == Argv{"env"}) return ExecResult{.exit_code = 0, .out = *env_};
        return no();
    }
    Status mark_upgrade(const Deadline&) override { return no(); }

private:
    static std::unexpected<Error> no() { return std::unexpected(Error(ErrorCode::Unsupported, "not on this node")); }
    std::string name_;
    std::optional<std::string> env_;
    std::string version_;
};

}  // namespace ncbctl::testing
