#include "workflow/checks.hpp"

#include <nlohmann/json.hpp>

#include "util/shell_text.hpp"

namespace ncbctl::workflow {
namespace {

Status http_check(const CheckContext& ctx, const Check& c, const Deadline& deadline) {
    const HttpCheck& h = *c.http;
    const std::string base = h.through_lb ? ctx.inv.lb_url : ctx.node.url;
    const std::string where = h.through_lb ? "through the LB" : "on node " + ctx.node.name;
    if (!ctx.http_get) return fail(ErrorCode::Internal, "check " + c.name + ": no HTTP client");
    auto r = ctx.http_get(base + h.path, h.through_lb ? ctx.inv.api_tls : ctx.node.tls, deadline);
    if (!r) return fail(r.error().with_context("check " + c.name + " " + where + ": "));
    if (r->status != h.status)
        return fail(ErrorCode::Verification, "check " + c.name + " " + where + ": GET " + h.path + " answered " +
                                                 std::to_string(r->status) + ", expected " + std::to_string(h.status));
    if (h.json_pointer.empty()) return {};
    auto v = json_pointer_value(r->body, h.json_pointer);
    if (!v) return fail(v.error().with_context("check " + c.name + " " + where + ": "));
    if (*v != h.equals)
        return fail(ErrorCode::Verification, "check " + c.name + " " + where + ": " + h.json_pointer + " is '" + *v +
                                                 "', expected '" + h.equals + "'");
    return {};
}

Status plugins_check(const CheckContext& ctx, const Check& c) {
    for (const auto& want : c.plugins_enabled) {
        bool ok = false;
        for (const auto& p : ctx.plugins) ok = ok || ((p.name == want || p.package_name == want) && p.enabled);
        if (!ok)
            return fail(ErrorCode::Verification,
                        "check " + c.name + " on node " + ctx.node.name + ": plugin " + want + " is not enabled");
    }
    return {};
}

Status command_check(const CheckContext& ctx, const Check& c, const Deadline& deadline) {
    std::vector<std::string> targets;
    if (!c.command->node.empty())
        targets.push_back(c.command->node);
    else
        for (const auto& n : ctx.inv.nodes) targets.push_back(n.name);
    for (const auto& t : targets) {
        auto r = ctx.exec_on(t, c.command->argv, deadline);
        if (!r) return fail(r.error().with_context("check " + c.name + " on node " + t + ": "));
        if (r->exit_code != 0)
            return fail(ErrorCode::Verification, "check " + c.name + " on node " + t + ": " +
                                                     util::shell_join(c.command->argv) + " exited " +
                                                     std::to_string(r->exit_code) + ": " + util::last_lines(r->err, 1));
    }
    return {};
}

}  // namespace

Result<std::string> json_pointer_value(const std::string& json_text, const std::string& pointer) {
    try {
        auto j = nlohmann::json::parse(json_text);
        const auto& v = j.at(nlohmann::json::json_pointer(pointer));
        return v.is_string() ? v.get<std::string>() : v.dump();
    } catch (const nlohmann::json::exception& e) {
        return fail(ErrorCode::Verification, pointer + ": " + e.what());
    }
}

Result<int> run_checks(const CheckContext& ctx, const Deadline& deadline,
                       const std::function<void(const std::string&)>& progress, CheckSet which) {
    int ran = 0;
    for (const auto& c : ctx.inv.checks) {
        const bool reads_plugins = !c.plugins_enabled.empty();
        if ((which == CheckSet::WithoutPlugins && reads_plugins) || (which == CheckSet::WithPlugins && !reads_plugins))
            continue;
        Status st;
        if (c.http) st = http_check(ctx, c, deadline);
        if (st && !c.plugins_enabled.empty()) st = plugins_check(ctx, c);
        if (st && c.command) st = command_check(ctx, c, deadline);
        if (!st) return fail(st.error());
        if (progress) progress("check " + c.name + ": ok");
        ++ran;
    }
    return ran;
}

}  // namespace ncbctl::workflow
