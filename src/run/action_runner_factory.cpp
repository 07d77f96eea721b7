#include "run/action_runner_factory.hpp"

#include "workflow/cluster_runner.hpp"

namespace ncbctl::run {

Result<std::unique_ptr<ActionRunner>> make_action_runner(const Inventory& inv, const std::string& work_dir) {
    return std::make_unique<workflow::ClusterRunner>(inv, workflow::make_cluster_ports(inv), work_dir);
}

std::string run_work_dir(const std::string& state_dir, const std::string& run_id) {
    return state_dir + "/work/" + run_id;
}

}  // namespace ncbctl::run
