#pragma once
// The real ActionRunner (node drivers, traffic switch, NocoBase client) bound to an inventory. `work_dir`
// holds what later steps of one run need from earlier ones (previous versions, the plugin set before the
// upgrade, the start of the 503 window), so a resumed process finds it: one directory per run id.
#include <memory>
#include <string>

#include "ncbctl/action_runner.hpp"
#include "ncbctl/inventory.hpp"

namespace ncbctl::run {

Result<std::unique_ptr<ActionRunner>> make_action_runner(const Inventory& inv, const std::string& work_dir);
std::string run_work_dir(const std::string& state_dir, const std::string& run_id);

}  // namespace ncbctl::run
