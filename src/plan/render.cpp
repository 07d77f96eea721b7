// Plan <-> text runbook / JSON. The JSON form is also what the journal's run.started records, so resume
// runs exactly the plan that was started.
#include "plan/render.hpp"

#include <fmt/format.h>
#include <algorithm>

#include "plan/workflows.hpp"
#include "util/json_int.hpp"
#include "util/redact.hpp"

namespace ncbctl::plan {
namespace {

std::string_view on_failure_name(OnFailure f) {
    return f == OnFailure::Undo ? "undo" : "stop";
}

std::string params_text(const Params& p) {
    std::string out;
    // A URL parameter (--registry) may carry a query token: shown redacted (the plan itself keeps it).
    for (const auto& [k, v] : p)
        out += (out.empty() ? "" : " ") + k + "=" + (v.find("://") != std::string::npos ? util::redact_url(v) : v);
    return out;
}

}  // namespace

std::string format_duration(Duration d) {
    auto ms = d.count();
    if (ms < 1000) return std::to_string(ms) + "ms";
    auto s = ms / 1000;
    if (s < 60)
        return ms % 1000 == 0 ? std::to_string(s) + "s" : fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0);
    if (s < 3600) return std::to_string(s / 60) + "m" + (s % 60 != 0 ? std::to_string(s % 60) + "s" : "");
    return std::to_string(s / 3600) + "h" + (s % 3600 / 60 != 0 ? std::to_string(s % 3600 / 60) + "m" : "");
}

std::string render_text(const Plan& plan) {
    std::string out;
    out += "Plan: " + command_line(plan.workflow, plan.args) + "\n";
    out += "Fingerprint: " + plan.fingerprint + "\n";
    out += "Inventory: sha256 " + plan.inventory_hash + "\n";
    std::size_t id_w = 4, act_w = 6;
    for (const auto& p : plan.phases)
        for (const auto& s : p.steps) {
            id_w = std::max(id_w, s.id.size());
            act_w = std::max(act_w, s.action.size());
        }
    int n = 0;
    for (const auto& p : plan.phases) {
        out += fmt::format("\n{}. {}: {}\n", ++n, p.name, p.title);
        std::string how = p.parallel ? "parallel" : "in order";
        if (p.always) how += ", always runs";
        how += p.on_failure == OnFailure::Undo ? ", on failure: undo completed steps in reverse order, exit "
                                               : ", on failure: stop, exit ";
        how += std::to_string(to_int(p.failure_exit));
        if (!p.needs.empty()) {
            how += ", needs";
            for (const auto& need : p.needs) how += " " + need;
        }
        out += "   (" + how + ")\n";
        if (p.steps.empty()) out += "   (no step)\n";
        for (const auto& s : p.steps) {
            out += fmt::format("   {:<{}}  {:<{}}  {:<8}  timeout {}", s.id, id_w, s.action, act_w, s.target,
                               format_duration(s.timeout));
            if (s.retry.attempts > 1) out += fmt::format(", {} tries", s.retry.attempts);
            if (!s.params.empty()) out += "  " + params_text(s.params);
            if (!s.after.empty()) {
                out += "  after";
                for (const auto& a : s.after) out += " " + a;
            }
            if (s.undo)
                out += "  undo: " + s.undo->action + (s.undo->params.empty() ? "" : " " + params_text(s.undo->params));
            out += "\n";
        }
    }
    return out;
}

namespace {

nlohmann::json step_json(const Step& s) {
    nlohmann::json js{{"id", s.id},
                      {"target", s.target},
                      {"action", s.action},
                      {"params", s.params},
                      {"timeout_ms", s.timeout.count()},
                      {"retry", {{"attempts", s.retry.attempts}, {"backoff_ms", s.retry.backoff.count()}}},
                      {"counts_out_of_service", s.counts_out_of_service},
                      {"after", s.after}};
    js["undo"] =
        s.undo ? nlohmann::json{{"action", s.undo->action}, {"params", s.undo->params}} : nlohmann::json(nullptr);
    return js;
}

// A phase or the plan without its list (steps, phases): the list is added by the caller, as a DOM or as text.
nlohmann::json phase_head(const Phase& p) {
    return {{"name", p.name},
            {"title", p.title},
            {"parallel", p.parallel},
            {"on_failure", on_failure_name(p.on_failure)},
            {"failure_exit", to_int(p.failure_exit)},
            {"always", p.always},
            {"needs", p.needs}};
}

nlohmann::json plan_head(const Plan& plan) {
    return {{"workflow", plan.workflow},
            {"args", plan.args},
            {"command", command_line(plan.workflow, plan.args)},
            {"inventory_hash", plan.inventory_hash},
            {"fingerprint", plan.fingerprint}};
}

std::string dumped(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// `head` (never empty) as text with `"key":[` opened last; the caller appends the items and `]}`.
void open_list(const nlohmann::json& head, const char* key, std::string& out) {
    std::string text = dumped(head);
    text.pop_back();  // the closing brace
    out += text + ",\"" + key + "\":[";
}

}  // namespace

nlohmann::json to_json(const Plan& plan) {
    nlohmann::json phases = nlohmann::json::array();
    for (const auto& p : plan.phases) {
        nlohmann::json steps = nlohmann::json::array();
        for (const auto& s : p.steps) steps.push_back(step_json(s));
        auto jp = phase_head(p);
        jp["steps"] = std::move(steps);
        phases.push_back(std::move(jp));
    }
    auto j = plan_head(plan);
    j["phases"] = std::move(phases);
    return j;
}

std::string to_json_text(const Plan& plan) {
    std::string out;
    open_list(plan_head(plan), "phases", out);
    for (std::size_t i = 0; i < plan.phases.size(); ++i) {
        if (i > 0) out += ',';
        open_list(phase_head(plan.phases[i]), "steps", out);
        for (std::size_t k = 0; k < plan.phases[i].steps.size(); ++k) {
            if (k > 0) out += ',';
            out += dumped(step_json(plan.phases[i].steps[k]));
        }
        out += "]}";
    }
    out += "]}";
    return out;
}

Result<Plan> plan_from_json(const nlohmann::json& j) {
    try {
        Plan plan;
        plan.workflow = j.at("workflow").get<std::string>();
        plan.args = j.at("args").get<std::map<std::string, std::string>>();
        plan.inventory_hash = j.at("inventory_hash").get<std::string>();
        plan.fingerprint = j.at("fingerprint").get<std::string>();
        for (const auto& jp : j.at("phases")) {
            Phase p;
            p.name = jp.at("name").get<std::string>();
            p.title = jp.value("title", "");
            p.parallel = jp.at("parallel").get<bool>();
            p.on_failure = jp.at("on_failure").get<std::string>() == "undo" ? OnFailure::Undo : OnFailure::Stop;
            p.failure_exit = static_cast<ExitCode>(util::json_int_at(jp, "failure_exit", 0, 255));
            p.always = jp.value("always", false);
            p.needs = jp.value("needs", std::vector<std::string>{});
            for (const auto& js : jp.at("steps")) {
                Step s;
                s.id = js.at("id").get<std::string>();
                s.target = js.at("target").get<std::string>();
                s.action = js.at("action").get<std::string>();
                s.params = js.at("params").get<Params>();
                s.timeout = Duration{util::json_int_at(js, "timeout_ms", 0)};
                s.retry.attempts = static_cast<int>(util::json_int_at(js.at("retry"), "attempts", 0, 1000000));
                s.retry.backoff = Duration{util::json_int_at(js.at("retry"), "backoff_ms", 0)};
                s.counts_out_of_service = js.value("counts_out_of_service", false);
                s.after = js.value("after", std::vector<std::string>{});
                if (js.contains("undo") && !js["undo"].is_null())
                    s.undo =
                        UndoAction{js["undo"].at("action").get<std::string>(), js["undo"].at("params").get<Params>()};
                p.steps.push_back(std::move(s));
            }
            plan.phases.push_back(std::move(p));
        }
        return plan;
    } catch (const nlohmann::json::exception& e) {
        return fail(ErrorCode::Protocol, std::string("malformed plan in journal: ") + e.what());
    }
}

}  // namespace ncbctl::plan
