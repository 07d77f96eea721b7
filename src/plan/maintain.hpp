#pragma once
// The in-app maintenance workflow (docs/maintain.md) as data: pin traffic to one node, stop the others,
// act on that node through the API (a readiness wait after each action), verify, start the others (they
// boot consistent with the database), verify every node, traffic live.
// Failure semantics: preflight fails with exit 3 and changes nothing; a failure while pinning or stopping
// the others undoes both (exit 1); a failed action or verification stops where it is, traffic pinned to
// the working node and the others stopped (exit 1, `ncbctl resume RUN` continues); a failed scale-up or
// final verification exits 6 with traffic still pinned.
#include <map>
#include <string>
#include <vector>

#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/plan.hpp"

namespace ncbctl::plan {

struct MaintainAction {
    std::string kind;    // plugin_add | plugin_enable | plugin_disable | plugin_remove | plugin_update | backup_restore
    std::string target;  // package, plugin name (plugin_update: NAME or NAME@VERSION), backup name or .nbdata file
};

// plugin_update's target "NAME@VERSION" (a scoped package's leading @ is part of the name).
struct PluginRef {
    std::string name;
    std::string version;  // empty: the registry's latest
};
PluginRef split_plugin_ref(const std::string& target);

struct MaintainArgs {
    std::vector<MaintainAction> actions;
    std::string canary;    // empty: the inventory's canary
    std::string registry;  // npm registry for plugin_add and plugin_update
    // plugin_update from a local package tarball: plugin (as named in the target) -> absolute path.
    std::map<std::string, std::string> files;
    // Run the cycle even when every action's target state holds already (no forecast step: actions.hpp).
    bool force = false;
    bool strict = false;  // the cluster preflight's warnings are errors (docs/preflight.md)
};

// "enable:sample-hello" or "enable sample-hello" -> {plugin_enable, sample-hello}; Usage error otherwise.
Result<MaintainAction> parse_maintain_action(const std::string& text);
// Round trip through the plan's args (resume rebuilds the plan from them): "enable:a,add:@x/y".
std::string encode_actions(const std::vector<MaintainAction>& actions);
Result<std::vector<MaintainAction>> decode_actions(const std::string& encoded);

Result<Plan> build_maintain(const Inventory& inv, const MaintainArgs& args);

}  // namespace ncbctl::plan
