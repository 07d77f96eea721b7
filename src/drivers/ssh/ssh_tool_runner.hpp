#pragma once
// The SSH implementation of ToolRunner (include/ncbctl/tool_runner.hpp): database client tools on a node's
// host. Errors name the node (transport faults classified as for SshTransport::run).
#include <memory>

#include "ncbctl/inventory.hpp"
#include "ncbctl/tool_runner.hpp"

namespace ncbctl::ssh {

// The remote command for `call`: `env K=V...` for the plain settings, then, when there are secrets, the `sh`
// prelude that reads one line per secret from stdin, exports it and execs the tool. Pure. Error Inventory
// for a secret containing a newline.
Result<Argv> remote_tool_argv(const ToolCall& call);

std::unique_ptr<ToolRunner> make_ssh_tool_runner(const Node& node, Duration connect_timeout);

}  // namespace ncbctl::ssh
