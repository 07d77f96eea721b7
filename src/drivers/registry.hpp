#pragma once
// The explicit tables of node drivers and command runners (name -> factory), no static self-registration.
#include <memory>

#include "ncbctl/command_runner.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/node_driver.hpp"
#include "ncbctl/tool_runner.hpp"

namespace ncbctl::drivers {

Result<NodeDriverPtr> make_node_driver(const Node& node, const Inventory& inv);

// Where a command runs: locally when `node` is empty, else on that node (SSH nodes only).
Result<std::unique_ptr<CommandRunner>> make_runner(const std::string& node, const Inventory& inv);

// Where the database tools run (database.run_on; src/drivers/tool_runner_factory.cpp). Inventory error for
// a run_on that names no node of the right driver.
Result<std::unique_ptr<ToolRunner>> make_tool_runner(const Inventory& inv);

}  // namespace ncbctl::drivers
