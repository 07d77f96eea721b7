#pragma once
// The explicit tables of node drivers and command runners (name -> factory), no static self-registration.
#include <memory>

#include "ncbctl/command_runner.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/node_driver.hpp"

namespace ncbctl::drivers {

Result<NodeDriverPtr> make_node_driver(const Node& node, const Inventory& inv);

// Where a command runs: locally when `node` is empty, else on that node (SSH nodes only).
Result<std::unique_ptr<CommandRunner>> make_runner(const std::string& node, const Inventory& inv);

}  // namespace ncbctl::drivers
