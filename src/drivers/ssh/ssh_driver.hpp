#pragma once
// The SSH side of ncbctl: a node driver for plain hosts (systemd, docker compose, pm2, supervisord or custom
// commands), a CommandRunner on a node, and the shared cluster lock kept on a node. All three share one
// multiplexed OpenSSH connection per node (ssh_transport.hpp) for as long as any of them lives.
//
// Failure semantics: see ssh_transport.hpp for transport faults (Unreachable/Timeout/Auth/HostKey, with
// `transient` only for refused/unreachable/connect timeout/dropped). Service commands that run but fail are
// ErrorCode::Remote naming the node, the action and the last stderr line. An invalid inventory entry
// (bad host, unknown preset, missing unit...) is reported as ErrorCode::Inventory by every call.
#include <memory>

#include "ncbctl/command_runner.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/lock.hpp"
#include "ncbctl/node_driver.hpp"

namespace ncbctl {

// probe: reachable=false (no Error) when the host cannot be reached; Auth/HostKey/Inventory are Errors.
// stop/start: idempotent; start returns once the service reports running (not app readiness).
// prepare: docker-compose pulls the target tag; other presets have nothing to stage (success).
// upgrade/rollback: docker-compose rewrites image_var in PROJECT/.env; others run `service.upgrade`.
NodeDriverPtr make_ssh_driver(const Node& node, const Inventory& inventory);

// Commands on `node` over SSH; where() is "node NAME (user@host:port)".
std::unique_ptr<CommandRunner> make_ssh_runner(const Node& node, const Inventory& inventory);

// The shared lock in inventory.lock.dir on `node`: atomic mkdir, holder.json inside, heartbeat rewrite.
std::unique_ptr<LockBackend> make_ssh_lock(const Node& node, const Inventory& inventory);

}  // namespace ncbctl
