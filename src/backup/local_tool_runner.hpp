#pragma once
// The ToolRunner that runs database tools on this machine (database.run_on: local).
#include <memory>

#include "ncbctl/tool_runner.hpp"

namespace ncbctl {

std::unique_ptr<ToolRunner> make_local_tool_runner();

}  // namespace ncbctl
