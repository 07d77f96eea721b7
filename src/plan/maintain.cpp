// The maintain workflow (docs/maintain.md): one node serves while the others are stopped, so no node
// ever runs with stale plugin state or beside a restore (observed on NocoBase 2.2.15: both break).
#include "plan/maintain.hpp"
#include "util/quote.hpp"

#include <algorithm>
#include <map>

#include "ncbctl/actions.hpp"
#include "plan/builders.hpp"
#include "plan/workflows.hpp"

namespace ncbctl::plan {
namespace {

constexpr std::string_view kCluster = kClusterTarget;

const std::map<std::string, std::string, std::less<>> kKinds = {
    {"add", "plugin_add"},       {"enable", "plugin_enable"},   {"disable", "plugin_disable"},
    {"remove", "plugin_remove"}, {"restore", "backup_restore"}, {"upgrade", "plugin_update"},
};
constexpr std::string_view kVerbs = "add, enable, disable, remove, upgrade, restore";

bool safe_target(const std::string& t) {
    return !t.empty() && t.size() < 512 && t.front() != '-' &&
           std::none_of(t.begin(), t.end(), [](char c) { return c == ',' || c == ':' || c <= ' '; });
}

// "https://user:token@host/" : credentials in the authority part.
bool has_userinfo(const std::string& url) {
    const auto scheme = url.find("://");
    const auto start = scheme == std::string::npos ? 0 : scheme + 3;
    const auto end = url.find_first_of("/?#", start);
    return url.substr(start, end == std::string::npos ? std::string::npos : end - start).find('@') != std::string::npos;
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
}

// Final state per plugin after the whole action list: what every node must show at the end.
Params expectations(const std::vector<MaintainAction>& actions) {
    std::map<std::string, std::string> last, versions;
    for (const auto& a : actions) {
        if (a.kind == "plugin_update") {
            // An upgrade keeps the plugin's state; a known version is what every node must load.
            auto ref = split_plugin_ref(a.target);
            if (!ref.version.empty()) versions[ref.name] = ref.version;
        } else if (a.kind != "plugin_add" && a.kind != "backup_restore") {
            last[a.target] = a.kind;
        }
    }
    std::vector<std::string> enabled, disabled, absent;
    for (const auto& [name, kind] : last)
        (kind == "plugin_enable" ? enabled : kind == "plugin_disable" ? disabled : absent).push_back(name);
    Params p;
    if (!enabled.empty()) p["enabled"] = join(enabled);
    if (!disabled.empty()) p["disabled"] = join(disabled);
    if (!absent.empty()) p["absent"] = join(absent);
    std::vector<std::string> pinned;
    for (const auto& [name, version] : versions) pinned.push_back(name + "@" + version);
    if (!pinned.empty()) p["versions"] = join(pinned);
    return p;
}

// Plugins the actions name that must already be on the node (not added earlier in the same list). A plugin
// to remove need not be: absent is what remove wants (the forecast says so, exit 0).
std::string must_exist(const std::vector<MaintainAction>& actions) {
    std::vector<std::string> added, out;
    for (const auto& a : actions) {
        if (a.kind == "plugin_add") added.push_back(a.target);
        if (a.kind == "backup_restore" || a.kind == "plugin_add" || a.kind == "plugin_remove") continue;
        const std::string name = a.kind == "plugin_update" ? split_plugin_ref(a.target).name : a.target;
        if (std::find(out.begin(), out.end(), name) == out.end() && added.empty()) out.push_back(name);
    }
    return join(out);
}

void add_update_params(Step& s, const MaintainAction& a, const MaintainArgs& args) {
    const auto ref = split_plugin_ref(a.target);
    s.params["target"] = ref.name;
    if (!ref.version.empty()) s.params["version"] = ref.version;
    if (auto f = args.files.find(ref.name); f != args.files.end())
        s.params["file"] = f->second;
    else
        s.params["registry"] = args.registry;
}

// The upgrade restarts the canary with NocoBase's `.upgrading` marker: its driver must know where to put it.
Status check_can_mark_upgrade(const Node& n) {
    const auto& sv = n.ssh.service;
    if (n.driver == DriverKind::Ssh && sv.storage_path().empty() && sv.preset != "docker-compose")
        return fail(ErrorCode::Inventory, "maintain: upgrading a plugin restarts " + n.name +
                                              " so NocoBase runs the plugin's migrations: set its service.storage_dir "
                                              "(NocoBase's storage directory on the host) in the inventory");
    return {};
}

}  // namespace

PluginRef split_plugin_ref(const std::string& target) {
    const auto at = target.rfind('@');
    if (at == std::string::npos || at == 0) return {target, ""};
    return {target.substr(0, at), target.substr(at + 1)};
}

Result<MaintainAction> parse_maintain_action(const std::string& text) {
    auto sep = text.find_first_of(": ");
    if (sep == std::string::npos)
        return fail(ErrorCode::Usage,
                    "maintain: action " + util::quote(text) + " is not VERB:TARGET (" + std::string(kVerbs) + ")");
    auto kind = kKinds.find(text.substr(0, sep));
    if (kind == kKinds.end())
        return fail(ErrorCode::Usage,
                    "maintain: unknown action " + util::quote(text.substr(0, sep)) + " (" + std::string(kVerbs) + ")");
    MaintainAction a{kind->second, text.substr(sep + 1)};
    if (!safe_target(a.target))
        return fail(ErrorCode::Usage,
                    "maintain: " + util::quote(a.target) + " is not a plugin, package or backup name");
    return a;
}

std::string encode_actions(const std::vector<MaintainAction>& actions) {
    std::string out;
    for (const auto& a : actions) {
        std::string verb;
        for (const auto& [k, v] : kKinds)
            if (v == a.kind) verb = k;
        out += (out.empty() ? "" : ",") + verb + ":" + a.target;
    }
    return out;
}

Result<std::vector<MaintainAction>> decode_actions(const std::string& encoded) {
    std::vector<MaintainAction> out;
    std::size_t pos = 0;
    while (pos <= encoded.size() && !encoded.empty()) {
        auto end = encoded.find(',', pos);
        auto a = parse_maintain_action(encoded.substr(pos, end == std::string::npos ? std::string::npos : end - pos));
        if (!a) return fail(a.error());
        out.push_back(*a);
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    return out;
}

Result<Plan> build_maintain(const Inventory& inv, const MaintainArgs& args) {
    if (inv.nodes.empty()) return fail(ErrorCode::Inventory, "inventory " + inv.source_path + " lists no node");
    if (args.actions.empty())
        return fail(ErrorCode::Usage, "maintain: no action given (e.g. ncbctl maintain -- enable:sample-hello)");
    const Node* canary = args.canary.empty() ? &inv.canary_node() : inv.find_node(args.canary);
    if (canary == nullptr)
        return fail(ErrorCode::Usage,
                    "maintain: --canary " + util::quote(args.canary) + " is not a node of " + inv.source_path);
    if (has_userinfo(args.registry))
        return fail(ErrorCode::Usage,
                    "maintain: the --registry URL carries credentials (USER:TOKEN@), which the run's journal would "
                    "keep: give the registry's token to the nodes' npm config instead (docs/maintain.md)");
    for (const auto& a : args.actions) {
        if (a.kind == "plugin_add" && args.registry.empty())
            return fail(ErrorCode::Usage, "maintain: add:" + a.target +
                                              " needs --registry URL (the npm registry the node downloads from)");
        if (a.kind != "plugin_update") continue;
        const auto ref = split_plugin_ref(a.target);
        if (ref.name.empty() || a.target.ends_with('@') || (!ref.version.empty() && !safe_target(ref.version)))
            return fail(ErrorCode::Usage,
                        "maintain: upgrade:" + util::quote(a.target) + " is not NAME or NAME@VERSION");
        if (!args.files.contains(ref.name) && args.registry.empty())
            return fail(ErrorCode::Usage,
                        "maintain: upgrade:" + a.target +
                            " needs --registry URL or a package file (ncbctl plugin upgrade FILE.tgz)");
        if (auto ok = check_can_mark_upgrade(*canary); !ok) return fail(ok.error());
    }

    Plan plan;
    plan.workflow = "maintain";
    plan.args["actions"] = encode_actions(args.actions);
    if (!args.canary.empty()) plan.args["canary"] = args.canary;
    if (!args.registry.empty()) plan.args["registry"] = args.registry;
    for (const auto& [name, file] : args.files) plan.args["file:" + name] = file;
    if (args.force) plan.args["force"] = "true";
    if (args.strict) plan.args["strict"] = "true";
    plan.inventory_hash = inv.content_hash;
    const Duration cmd = ms(inv.timeouts.command);

    auto pre = phase("preflight", "every node reachable, the LB answering, " + canary->name + " ready; change nothing",
                     true, OnFailure::Stop, ExitCode::Preflight);
    pre.always = true;
    for (const auto& n : inv.nodes)
        pre.steps.push_back(step("preflight/probe/" + n.name, n.name, actions::kNodeProbe, cmd, 3));
    pre.steps.push_back(step("preflight/traffic", std::string(kCluster), actions::kTrafficStatus, cmd, 3));
    pre.steps.push_back(cluster_preflight(inv, args.strict));
    // The canary serves alone next: it must be ready now, not after a long wait (a down API fails in 30 s).
    pre.steps.push_back(step("preflight/ready/" + canary->name, canary->name, actions::kAppWaitReady,
                             std::min(cmd, Duration(std::chrono::seconds(30)))));
    // A misspelt plugin fails here (exit 3, nothing changed), not after the other nodes were stopped.
    if (auto present = must_exist(args.actions); !present.empty()) {
        auto s = step("preflight/plugins/" + canary->name, canary->name, actions::kAppPluginsExpect, cmd, 3);
        s.params["present"] = present;
        pre.steps.push_back(std::move(s));
    }
    // Nothing to do is not a maintenance: when every target state holds already, the run ends here (exit 0);
    // an action that cannot apply (disable a plugin that is not installed) fails here (exit 3).
    const bool restores = std::any_of(args.actions.begin(), args.actions.end(),
                                      [](const MaintainAction& a) { return a.kind == "backup_restore"; });
    if (!args.force && !restores) {
        auto s = step("preflight/forecast/" + canary->name, canary->name, actions::kAppForecast, cmd, 3);
        s.params["actions"] = encode_actions(args.actions);
        s.params[std::string(actions::kForecast)] = "1";
        pre.steps.push_back(std::move(s));
    }
    // What the canary will download must be in the registry (asked from here; see app_actions.hpp).
    if (!args.registry.empty()) {
        std::vector<std::string> adds, upgrades;
        for (const auto& a : args.actions) {
            if (a.kind == "plugin_add") adds.push_back(a.target);
            if (a.kind == "plugin_update" && !args.files.contains(split_plugin_ref(a.target).name))
                upgrades.push_back(a.target);
        }
        if (!adds.empty() || !upgrades.empty()) {
            auto s = step("preflight/registry/" + canary->name, canary->name, actions::kAppRegistryCheck, cmd);
            s.params["registry"] = args.registry;
            if (!adds.empty()) s.params["add"] = join(adds);
            if (!upgrades.empty()) s.params["upgrade"] = join(upgrades);
            pre.steps.push_back(std::move(s));
        }
    }
    plan.phases.push_back(std::move(pre));

    auto pin = phase("pin", "traffic to " + canary->name + " only, verified through the LB", false, OnFailure::Undo,
                     ExitCode::Failed, {"preflight"});
    auto ps = step("pin/traffic", std::string(kCluster), actions::kTrafficPin, cmd, 3);
    ps.params["node"] = canary->name;
    ps.undo = undo(actions::kTrafficLive);
    pin.steps.push_back(std::move(ps));
    plan.phases.push_back(std::move(pin));

    auto down =
        phase("scale-down", "stop every node but " + canary->name, true, OnFailure::Undo, ExitCode::Failed, {"pin"});
    for (const auto& n : inv.nodes) {
        if (n.name == canary->name) continue;
        auto s = step("scale-down/" + n.name, n.name, actions::kNodeStop, ms(inv.timeouts.stop), 3);
        s.undo = undo(actions::kNodeStart, {{"wait_ready", "true"}});
        down.steps.push_back(std::move(s));
    }
    plan.phases.push_back(std::move(down));

    // Stop, not undo: the pinned node keeps serving and `ncbctl resume` retries the failed action.
    auto act = phase("actions", "on " + canary->name + ": " + encode_actions(args.actions) + ", ready after each",
                     false, OnFailure::Stop, ExitCode::Failed, {"scale-down"});
    for (std::size_t i = 0; i < args.actions.size(); ++i) {
        const auto& a = args.actions[i];
        const std::string id = "actions/" + std::to_string(i + 1) + "-" + a.kind;
        auto s = step(id, canary->name, "app." + a.kind,
                      ms(a.kind == "backup_restore" ? inv.timeouts.backup : inv.timeouts.ready));
        s.params["target"] = a.target;
        if (a.kind == "plugin_add") s.params["registry"] = args.registry;
        if (a.kind == "plugin_update") add_update_params(s, a, args);
        act.steps.push_back(std::move(s));
        // pm:update only writes the new code: the canary loads it (and runs its migrations) when it
        // restarts with NocoBase's upgrade marker. Consecutive upgrades share one restart. The only serving
        // node goes down, so clients get the maintenance page first: a request reaching a NocoBase that is
        // shutting down gets 500 "ConnectionManager ... closed" (seen live), one reaching it stopped hangs
        // in the LB's connect retries.
        const bool next_is_update = i + 1 < args.actions.size() && args.actions[i + 1].kind == "plugin_update";
        const bool restart = a.kind == "plugin_update" && !next_is_update;
        if (restart) {
            act.steps.push_back(step(id + "/mark", canary->name, actions::kNodeMarkUpgrade, cmd, 3));
            act.steps.push_back(step(id + "/maintenance", std::string(kCluster), actions::kTrafficMaintenance, cmd, 3));
            act.steps.push_back(step(id + "/stop", canary->name, actions::kNodeStop, ms(inv.timeouts.stop), 3));
            act.steps.push_back(step(id + "/start", canary->name, actions::kNodeStart, ms(inv.timeouts.start), 3));
        }
        if (a.kind != "plugin_update" || !next_is_update)
            act.steps.push_back(step(id + "/ready", canary->name, actions::kAppWaitReady, ms(inv.timeouts.ready)));
        if (restart) {
            auto back = gated(step(id + "/pin", std::string(kCluster), actions::kTrafficPin, cmd, 3));
            back.params["node"] = canary->name;
            act.steps.push_back(std::move(back));
        }
    }
    plan.phases.push_back(std::move(act));

    const Params expect = expectations(args.actions);
    auto ver = phase("verify", "on " + canary->name + ": plugin states and the inventory's checks", false,
                     OnFailure::Stop, ExitCode::Failed, {"actions"});
    auto vs = step("verify/" + canary->name, canary->name, actions::kVerify, cmd);
    ver.steps.push_back(std::move(vs));
    auto ve = step("verify/plugins/" + canary->name, canary->name, actions::kAppPluginsExpect, cmd, 3);
    ve.params = expect;
    ver.steps.push_back(std::move(ve));
    plan.phases.push_back(std::move(ver));

    // After pm:add (or a restore) one node first, alone: pm:add leaves storage/.upgrading, so the next
    // node to start runs NocoBase's app.upgrade(); two nodes doing that at once fail (seen: APP_ERROR
    // "Validation error" on the second). Otherwise, and for the rest, in parallel.
    const bool one_first = std::any_of(args.actions.begin(), args.actions.end(), [](const MaintainAction& a) {
        return a.kind == "plugin_add" || a.kind == "backup_restore";
    });
    auto up = phase("scale-up",
                    one_first ? "start one other node until ready (it runs the pending upgrade), then the rest"
                              : "start the other nodes, each ready (they load the new state at boot)",
                    true, OnFailure::Stop, ExitCode::NeedsHuman, {"verify"});
    std::string first_ready;
    for (const auto& n : inv.nodes) {
        if (n.name == canary->name) continue;
        auto s = step("scale-up/start/" + n.name, n.name, actions::kNodeStart, ms(inv.timeouts.start), 3);
        auto r = step("scale-up/ready/" + n.name, n.name, actions::kAppWaitReady, ms(inv.timeouts.ready));
        r.after = {s.id};
        if (!first_ready.empty())
            s.after = {first_ready};
        else if (one_first)
            first_ready = r.id;
        up.steps.push_back(std::move(s));
        up.steps.push_back(std::move(r));
    }
    plan.phases.push_back(std::move(up));

    auto all = phase("verify-all", "every node shows the same plugin states", true, OnFailure::Stop,
                     ExitCode::NeedsHuman, {"scale-up"});
    for (const auto& n : inv.nodes) {
        auto s = step("verify-all/" + n.name, n.name, actions::kAppPluginsExpect, cmd, 3);
        s.params = expect;
        all.steps.push_back(std::move(s));
    }
    plan.phases.push_back(std::move(all));

    plan.phases.push_back(live_phase(inv, "traffic live on every node that answers ready, verified", {"verify-all"}));
    plan.fingerprint = plan_fingerprint(plan.inventory_hash, plan.workflow, plan.args);
    return plan;
}

}  // namespace ncbctl::plan
