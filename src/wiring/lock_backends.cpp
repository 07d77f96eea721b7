// The explicit table of lock backends: inventory `lock.backend` -> implementation.
#include "drivers/ssh/ssh_driver.hpp"
#include "lock/redis_lock.hpp"
#include "run/cluster_lock.hpp"
#include "wiring/wiring.hpp"

namespace ncbctl::wiring {

Result<std::unique_ptr<LockBackend>> make_lock_backend(const Inventory& inv, const std::string& state_dir) {
    if (inv.lock.backend == "local") return run::make_local_lock(state_dir);
    if (inv.lock.backend == "node") {
        const Node* node =
            inv.lock.node.empty() ? (inv.nodes.empty() ? nullptr : &inv.nodes.front()) : inv.find_node(inv.lock.node);
        if (node == nullptr) return fail(ErrorCode::Inventory, "lock.node names no node of " + inv.source_path);
        return ncbctl::make_ssh_lock(*node, inv);
    }
    if (inv.lock.backend == "redis") return lock::make_redis_lock(inv);
    return fail(ErrorCode::Inventory, "lock.backend '" + inv.lock.backend + "' is not local, node or redis");
}

}  // namespace ncbctl::wiring
