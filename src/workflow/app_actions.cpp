#include "workflow/app_actions.hpp"

#include <chrono>
#include <optional>
#include <vector>

#include "ncbctl/actions.hpp"
#include "ncbctl/package_registry.hpp"
#include "plan/maintain.hpp"
#include "util/redact.hpp"
#include "workflow/change_forecast.hpp"
#include "workflow/progress.hpp"

namespace ncbctl::workflow {
namespace {

std::string get(const Params& p, const std::string& key) {
    auto it = p.find(key);
    return it == p.end() ? std::string() : it->second;
}

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < s.size()) {
        auto end = s.find(',', pos);
        if (end == std::string::npos) end = s.size();
        if (end > pos) out.push_back(s.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

const PluginInfo* find(const std::vector<PluginInfo>& list, const std::string& name) {
    for (const auto& p : list)
        if (p.name == name || p.package_name == name) return &p;
    return nullptr;
}

Status expect_states(const std::vector<PluginInfo>& list, const Step& step, const std::string& node) {
    for (const auto& name : split_list(get(step.params, "present")))
        if (find(list, name) == nullptr)
            return fail(ErrorCode::NotFound, "node " + node + ": no plugin " + name +
                                                 " (see `ncbctl plugin list`; add it first with `ncbctl plugin add`)");
    for (const auto& name : split_list(get(step.params, "enabled"))) {
        const auto* p = find(list, name);
        if (p == nullptr || !p->enabled)
            return fail(ErrorCode::Verification,
                        "node " + node + ": plugin " + name + " is " + (p == nullptr ? "not listed" : "not enabled"),
                        true);
    }
    for (const auto& name : split_list(get(step.params, "disabled"))) {
        const auto* p = find(list, name);
        if (p != nullptr && p->enabled)
            return fail(ErrorCode::Verification, "node " + node + ": plugin " + name + " is still enabled", true);
    }
    for (const auto& item : split_list(get(step.params, "versions"))) {  // name@version
        const auto [name, version] = plan::split_plugin_ref(item);
        const auto* p = find(list, name);
        if (p == nullptr || p->version != version)
            return fail(ErrorCode::Verification,
                        "node " + node + ": plugin " + name + " runs " + (p == nullptr ? "nowhere" : p->version) +
                            ", expected " + version,
                        true);
    }
    for (const auto& name : split_list(get(step.params, "absent"))) {
        const auto* p = find(list, name);
        if (p != nullptr && (p->installed || p->enabled))
            return fail(ErrorCode::Verification, "node " + node + ": plugin " + name + " is still installed", true);
    }
    return {};
}

// The registry has what the canary is about to download: every `add` package, every `upgrade` plugin's
// package at the wanted version (or its latest). Asked from this machine: when it cannot reach the
// registry (the nodes may, through their own network), that is said and the run goes on.
Status check_registry(const std::vector<PluginInfo>& list, const Step& step, const RegistryLookup& lookup,
                      const Deadline& deadline, EventSink& events) {
    const std::string registry = get(step.params, "registry");
    const std::string shown = util::redact_url(registry);
    struct Wanted {
        std::string package, version, current;
    };
    std::vector<Wanted> wanted;
    for (const auto& package : split_list(get(step.params, "add"))) wanted.push_back({package, "", ""});
    for (const auto& ref : split_list(get(step.params, "upgrade"))) {
        auto [name, version] = plan::split_plugin_ref(ref);
        const auto* p = find(list, name);  // absent: added earlier in the same run, by its package name
        if (p == nullptr || p->package_name.empty())
            wanted.push_back({name, version, p == nullptr ? "" : p->version});
        else
            wanted.push_back({p->package_name, version, p->version});
    }
    for (const auto& w : wanted) {
        auto pkg = lookup(registry, w.package, deadline.capped(std::chrono::seconds(10)));
        if (!pkg && pkg.error().code == ErrorCode::NotFound)
            return fail(ErrorCode::NotFound,
                        "registry " + shown + " has no package " + w.package + "; check the name and --registry");
        if (!pkg) {
            progress(events, "cannot check registry " + shown + " from this machine (" + pkg.error().message +
                                 "): the node downloads " + w.package + " itself");
            continue;
        }
        if (!w.version.empty() && !pkg->has(w.version))
            return fail(ErrorCode::NotFound, "registry " + shown + " has no version " + w.version + " of " + w.package +
                                                 " (latest: " + (pkg->latest.empty() ? "none" : pkg->latest) + ")");
        const std::string takes = w.version.empty() ? pkg->latest : w.version;
        progress(events, "registry " + shown + " has " + w.package + " " + takes +
                             (!w.current.empty() && w.current == takes ? " (the version it runs already)" : ""));
    }
    return {};
}

}  // namespace

Result<StepResult> run_app_action(AppClient& app, const RegistryLookup& registry, const Node& node, const Step& step,
                                  const Deadline& deadline, EventSink& events) {
    const std::string prefix = "node " + node.name + ": ";
    const std::string target = get(step.params, "target");
    StepResult out;
    auto wrap = [&](Status st) -> Result<StepResult> {
        if (!st) return fail(st.error().message.starts_with(prefix) ? st.error() : st.error().with_context(prefix));
        return out;
    };
    if (step.action == actions::kAppBackupRestore) {
        progress(events, "restoring " + target + " (the node restarts; about 15 s of 503)");
        if (target.ends_with(".nbdata") && target.find('/') != std::string::npos) {
            return wrap(app.backup_restore_upload(target, deadline));
        }
        return wrap(app.backup_restore(target, deadline));
    }

    auto list = app.plugins(deadline);
    if (!list) return wrap(fail(list.error()));
    if (step.action == actions::kAppPluginsExpect) {
        if (auto st = expect_states(*list, step, node.name); !st) return fail(st.error());
        out.details = {{"plugins", std::to_string(list->size())}};
        return out;
    }
    if (step.action == actions::kAppForecast) {
        auto wanted = plan::decode_actions(get(step.params, "actions"));
        if (!wanted) return fail(wanted.error());
        auto unchanged = forecast_maintain(*list, *wanted, node.name);
        if (!unchanged) return fail(unchanged.error());
        if (*unchanged) out.details[std::string(actions::kUnchanged)] = **unchanged;
        return out;
    }
    if (step.action == actions::kAppRegistryCheck) {
        if (auto st = check_registry(*list, step, registry, deadline, events); !st) return wrap(st);
        return out;
    }
    const PluginInfo* p = find(*list, target);
    if (step.action == actions::kAppPluginAdd) {
        if (p != nullptr) {
            progress(events, target + " is already on the node (" + p->version + ")");
            return out;
        }
        progress(events, "pm:add " + target + " (downloaded by the node)");
        return wrap(app.plugin_add(target, get(step.params, "registry"), "", deadline));
    }
    if (p == nullptr && step.action == actions::kAppPluginRemove) {
        progress(events, target + " is not on the node: nothing to remove");
        return out;
    }
    if (p == nullptr)
        return fail(ErrorCode::NotFound,
                    prefix + "no plugin " + target + " (see `ncbctl plugin list`; add it first with plugin add)");
    out.details = {{"plugin", p->name}, {"version", p->version}};
    if (step.action == actions::kAppPluginEnable) {
        if (p->enabled) return out;
        progress(events, "pm:enable " + p->name + " (in-process reload, about 6-10 s of 503)");
        return wrap(app.plugin_enable(p->name, deadline));
    }
    if (step.action == actions::kAppPluginDisable) {
        if (!p->enabled) return out;
        progress(events, "pm:disable " + p->name);
        return wrap(app.plugin_disable(p->name, deadline));
    }
    if (step.action == actions::kAppPluginRemove) {
        if (!p->installed && !p->enabled) return out;
        progress(events, "pm:remove " + p->name);
        return wrap(app.plugin_remove(p->name, deadline));
    }
    if (step.action == actions::kAppPluginUpdate) {
        const PluginSource src{get(step.params, "registry"), get(step.params, "version"), get(step.params, "file")};
        // The loaded version changes only when the node restarts: a resumed run that restarted already skips.
        if (!src.version.empty() && p->version == src.version) {
            progress(events, p->name + " already runs " + src.version);
            return out;
        }
        progress(events, "pm:update " + p->name + " " + (src.version.empty() ? "(latest)" : src.version) + " from " +
                             (src.file.empty() ? "the registry" : src.file));
        return wrap(app.plugin_update(p->name, p->package_name, src, deadline));
    }
    return fail(ErrorCode::Internal, "step " + step.id + ": unknown app action " + step.action);
}

}  // namespace ncbctl::workflow
