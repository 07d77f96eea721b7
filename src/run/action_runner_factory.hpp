#pragma once
// The real ActionRunner (node drivers, traffic switch, NocoBase client) bound to an inventory. Until the
// upgrade issue supplies it, make_action_runner() fails with Unsupported and `resume` says so.
#include <memory>

#include "ncbctl/action_runner.hpp"
#include "ncbctl/inventory.hpp"

namespace ncbctl::run {

Result<std::unique_ptr<ActionRunner>> make_action_runner(const Inventory& inv);

}  // namespace ncbctl::run
