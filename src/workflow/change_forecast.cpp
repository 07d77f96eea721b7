#include "workflow/change_forecast.hpp"

namespace ncbctl::workflow {
namespace {

const PluginInfo* find_plugin(const std::vector<PluginInfo>& list, const std::string& name) {
    for (const auto& p : list)
        if (p.name == name || p.package_name == name) return &p;
    return nullptr;
}

bool installed(const PluginInfo* p) {
    return p != nullptr && (p->installed || p->enabled);
}

}  // namespace

Result<std::optional<std::string>> forecast_maintain(const std::vector<PluginInfo>& plugins,
                                                     const std::vector<plan::MaintainAction>& actions,
                                                     const std::string& node) {
    std::vector<std::string> holds;
    bool changes = false;
    for (const auto& a : actions) {
        const bool update = a.kind == "plugin_update";
        const auto ref = update ? plan::split_plugin_ref(a.target) : plan::PluginRef{a.target, ""};
        const PluginInfo* p = find_plugin(plugins, ref.name);
        if (a.kind == "plugin_disable" && !installed(p))
            return fail(ErrorCode::Conflict, "node " + node + ": plugin " + a.target +
                                                 " is not installed, so it cannot be disabled" +
                                                 " (see `ncbctl plugin list`); nothing was changed");
        if (update && !installed(p))
            return fail(ErrorCode::Conflict, "node " + node + ": plugin " + ref.name +
                                                 " is not installed, so it cannot be upgraded (add it with "
                                                 "`ncbctl plugin add`); nothing was changed");
        bool held = false;
        if (a.kind == "plugin_enable") held = p != nullptr && p->enabled;
        if (a.kind == "plugin_disable") held = !p->enabled;
        if (a.kind == "plugin_remove") held = !installed(p);
        if (a.kind == "plugin_add") held = p != nullptr;
        // Without a version the registry's latest is wanted, which only the registry knows: a change.
        if (update) held = !ref.version.empty() && p->version == ref.version;
        if (!held) {
            changes = true;
            continue;
        }
        const std::string state = a.kind == "plugin_enable"    ? "enabled"
                                  : a.kind == "plugin_disable" ? "disabled"
                                  : a.kind == "plugin_remove"  ? "not installed"
                                  : a.kind == "plugin_add"     ? "on the node"
                                                               : "at " + ref.version;
        holds.push_back(ref.name + " is " + state + " already");
    }
    if (changes || holds.empty()) return std::nullopt;
    std::string why;
    for (const auto& h : holds) why += (why.empty() ? "" : ", ") + h;
    return std::optional<std::string>(why + " (node " + node + ")");
}

}  // namespace ncbctl::workflow
