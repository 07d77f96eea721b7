#include "wiring/wiring.hpp"
#include "workflow/cluster_runner.hpp"

namespace ncbctl::wiring {

Result<std::unique_ptr<ActionRunner>> make_action_runner(const Inventory& inv, const std::string& work_dir) {
    return std::make_unique<workflow::ClusterRunner>(inv, make_cluster_ports(inv), work_dir);
}

}  // namespace ncbctl::wiring
