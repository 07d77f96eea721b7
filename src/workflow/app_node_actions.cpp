// The app.* family on one node: readiness, the upgrade's verification, and the in-app actions of
// maintain (app_actions.cpp), all through the node's own NocoBase API.
#include <future>
#include <set>

#include "ncbctl/actions.hpp"
#include "workflow/app_actions.hpp"
#include "workflow/checks.hpp"
#include "workflow/cluster_runner.hpp"
#include "workflow/progress.hpp"
#include "workflow/state_files.hpp"

namespace ncbctl::workflow {

const ClusterRunner::Handlers& ClusterRunner::app_handlers() {
    static const Handlers table = {
        {actions::kAppWaitReady, &ClusterRunner::app_wait_ready}, {actions::kVerify, &ClusterRunner::app_verify},
        {actions::kAppPluginAdd, &ClusterRunner::app_api},        {actions::kAppPluginEnable, &ClusterRunner::app_api},
        {actions::kAppPluginDisable, &ClusterRunner::app_api},    {actions::kAppPluginRemove, &ClusterRunner::app_api},
        {actions::kAppPluginUpdate, &ClusterRunner::app_api},     {actions::kAppBackupRestore, &ClusterRunner::app_api},
        {actions::kAppPluginsExpect, &ClusterRunner::app_api},    {actions::kAppRegistryCheck, &ClusterRunner::app_api},
        {actions::kAppForecast, &ClusterRunner::app_api},
    };
    return table;
}

Result<const Node*> ClusterRunner::target_node(const Call& c) const {
    const Node* node = inv_.find_node(c.step.target);
    if (node == nullptr) return fail(ErrorCode::Internal, "step " + c.step.id + ": no node " + c.step.target);
    return node;
}

Result<StepResult> ClusterRunner::app_wait_ready(const std::string&, const Call& c) {
    auto node = target_node(c);
    if (!node) return fail(node.error());
    return wait_ready(**node, param(c.step.params, "version"), c.step, c.deadline, c.events);
}

Result<StepResult> ClusterRunner::app_verify(const std::string&, const Call& c) {
    auto node = target_node(c);
    if (!node) return fail(node.error());
    return verify(**node, c.step, c.deadline, c.events);
}

Result<StepResult> ClusterRunner::app_api(const std::string&, const Call& c) {
    auto node = target_node(c);
    if (!node) return fail(node.error());
    auto app = ports_.node_app(**node);
    if (!app) return fail(app.error().with_context("node " + (*node)->name + ": "));
    return run_app_action(**app, ports_.registry, **node, c.step, c.deadline, c.events);
}

Result<StepResult> ClusterRunner::wait_ready(const Node& node, const std::string& version, const Step&,
                                             const Deadline& deadline, EventSink& events) {
    auto app = ports_.node_app(node);
    if (!app) return fail(about(app.error(), node.name));
    std::string last;
    const std::optional<std::string> want =
        version.empty() ? std::nullopt : std::optional<std::string>(expected_app_version(version));
    auto r = (*app)->wait_ready(want, deadline, [&](const AppStatus& st) {
        std::string line = std::string(to_string(st.phase));
        if (!st.code.empty()) line += " " + st.code;
        if (!st.command.empty()) line += " (" + st.command + ")";
        if (!st.message.empty()) line += ": " + st.message;
        if (!st.version.empty()) line += " version " + st.version;
        if (line != last) progress(events, line);
        last = line;
    });
    if (!r) {
        show_logs(node, events);
        return fail(about(r.error(), node.name));
    }
    StepResult out;
    out.details = {{"version", r->version}};
    return out;
}

Result<StepResult> ClusterRunner::verify(const Node& node, const Step& step, const Deadline& deadline,
                                         EventSink& caller_events) {
    SerialSink events(caller_events);  // the checks' thread and this one both report progress
    auto exec_on = [this](const std::string& name, const Argv& argv, const Deadline& d) -> Result<ExecResult> {
        const Node* n = inv_.find_node(name);
        if (n == nullptr) return fail(ErrorCode::Inventory, "check names unknown node " + name);
        auto s = slot(*n);
        if (!s) return fail(s.error());
        std::lock_guard lock((*s)->mu);
        return (*s)->driver->exec(argv, d);
    };
    auto shown = [&](const std::string& m) { progress(events, m); };
    // Three independent questions at once, none waiting for another's round trip: the inventory's checks that
    // read no plugin list (on their own thread), the enabled plugins (another thread, its own client: a client
    // is one connection), and readiness at the version (this thread).
    static const std::vector<PluginInfo> kNoPlugins;
    const CheckContext early_ctx{
        .inv = inv_, .node = node, .plugins = kNoPlugins, .http_get = ports_.http_get, .exec_on = exec_on};
    auto early = std::async(std::launch::async,
                            [&] { return run_checks(early_ctx, deadline, shown, CheckSet::WithoutPlugins); });
    auto list_plugins = [&]() -> Result<std::vector<PluginInfo>> {
        auto lister = ports_.node_app(node);
        if (!lister) return fail(about(lister.error(), node.name));
        auto r = (*lister)->enabled_plugins(deadline);
        if (!r) return fail(about(r.error(), node.name));
        return r;
    };
    auto listed = std::async(std::launch::async, list_plugins);
    auto app = ports_.node_app(node);
    if (!app) return fail(about(app.error(), node.name));
    // The canary phase has just waited for consecutive ready answers: one answer at the version is enough
    // here (no second poll, which cost the window half a second). A node not ready now (a verify resumed on
    // its own, a node that flipped) is waited for as before, and its plugins are asked again once it is ready.
    const std::string deployed = param(step.params, "version");
    std::string version;
    if (const AppStatus now = (*app)->check(deadline);
        now.phase == AppPhase::Ready && (deployed.empty() || now.version == expected_app_version(deployed)))
        version = now.version;
    auto plugins = listed.get();
    if (version.empty()) {
        auto ready = wait_ready(node, deployed, step, deadline, events);
        if (!ready) return fail(ready.error());
        version = ready->details["version"];
        plugins = list_plugins();
    }
    if (!plugins) return fail(plugins.error());
    std::set<std::string> enabled;
    for (const auto& p : *plugins)
        if (p.enabled) enabled.insert(p.name);
    // Plugin set unchanged by the upgrade (recorded by app.record before the window opened).
    const std::string before = read_small_file(state_file("plugins-enabled"));
    if (!before.empty()) {
        std::set<std::string> lost;
        for (const auto& p : split(before))
            if (!enabled.contains(p)) lost.insert(p);
        if (!lost.empty())
            return fail(ErrorCode::Verification,
                        "node " + node.name + ": plugins enabled before the upgrade are not any more: " + join(lost));
    }
    auto early_ran = early.get();
    if (!early_ran) return fail(early_ran.error());
    const CheckContext ctx{
        .inv = inv_, .node = node, .plugins = *plugins, .http_get = ports_.http_get, .exec_on = exec_on};
    auto late_ran = run_checks(ctx, deadline, shown, CheckSet::WithPlugins);
    if (!late_ran) return fail(late_ran.error());
    StepResult out;
    out.details = {{"version", version},
                   {"plugins_enabled", std::to_string(enabled.size())},
                   {"checks", std::to_string(*early_ran + *late_ran)}};
    return out;
}

}  // namespace ncbctl::workflow
