#pragma once
// The inventory's verification checks (checks:), run against one node after the canary is up and
// again wherever a workflow verifies: HTTP path + status (+ JSON pointer value), plugins enabled,
// a command on a node. Failure semantics: the first failing check is a Verification error naming the
// check, the node and what was seen; transport errors keep their code.
#include <functional>
#include <string>
#include <vector>

#include "ncbctl/app_client.hpp"
#include "ncbctl/http_get.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/node_driver.hpp"

namespace ncbctl::workflow {

struct CheckContext {
    const Inventory& inv;
    const Node& node;                        // the node being verified (HTTP checks use its URL)
    const std::vector<PluginInfo>& plugins;  // as the node reports them now
    HttpGet http_get;                        // GET a URL (the node's or the LB's) as a client sees it
    std::function<Result<ExecResult>(const std::string& node, const Argv&, const Deadline&)> exec_on;
};

// Which checks: verify runs those that do not read the plugin list while it asks the node for that list.
enum class CheckSet { All, WithoutPlugins, WithPlugins };

// Runs the checks of `which` in inventory order; returns how many ran.
Result<int> run_checks(const CheckContext& ctx, const Deadline& deadline,
                       const std::function<void(const std::string&)>& progress, CheckSet which = CheckSet::All);

// The value at `pointer` in `json_text`, as text (strings unquoted); error when absent or not JSON.
Result<std::string> json_pointer_value(const std::string& json_text, const std::string& pointer);

}  // namespace ncbctl::workflow
