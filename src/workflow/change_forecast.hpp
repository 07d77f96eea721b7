#pragma once
// What maintain's actions would change on the cluster, read from one node's plugin list before anything
// changes (plugins live in the shared database, so one node's list is the cluster's). `ncbctl plugin disable
// X` on a cluster where X is already disabled must not stop nodes and pin traffic for nothing.
#include <optional>
#include <string>
#include <vector>

#include "ncbctl/app_client.hpp"
#include "ncbctl/error.hpp"
#include "plan/maintain.hpp"

namespace ncbctl::workflow {

// nullopt: at least one action changes something. A string: every action's target state already holds
// (the string says so, naming the plugins). A Conflict error (preflight: exit 3): an action that cannot apply, such as
// disabling a plugin that is not installed.
Result<std::optional<std::string>> forecast_maintain(const std::vector<PluginInfo>& plugins,
                                                     const std::vector<plan::MaintainAction>& actions,
                                                     const std::string& node);

}  // namespace ncbctl::workflow
