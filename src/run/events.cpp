// Event names, the JSON form of events, and the process-wide secret scrubber.
#include <algorithm>
#include <array>
#include <chrono>
#include <mutex>
#include <vector>

#include "plan/render.hpp"
#include "run/event_json.hpp"

namespace ncbctl {
namespace {

constexpr std::array<std::pair<EventKind, std::string_view>, 12> kNames{{
    {EventKind::RunStarted, "run.started"},
    {EventKind::RunResumed, "run.resumed"},
    {EventKind::PhaseStarted, "phase.started"},
    {EventKind::PhaseFinished, "phase.finished"},
    {EventKind::StepStarted, "step.started"},
    {EventKind::StepRetry, "step.retry"},
    {EventKind::StepProgress, "step.progress"},
    {EventKind::StepFinished, "step.finished"},
    {EventKind::UndoStarted, "undo.started"},
    {EventKind::UndoFinished, "undo.finished"},
    {EventKind::RunInterrupted, "run.interrupted"},
    {EventKind::RunFinished, "run.finished"},
}};

struct Secrets {
    std::mutex mu;
    std::vector<std::string> values;
};
Secrets& secrets() {
    static Secrets s;
    return s;
}

}  // namespace

std::string_view to_string(EventKind k) noexcept {
    for (const auto& [kind, name] : kNames)
        if (kind == k) return name;
    return "unknown";
}

void register_secret(std::string value) {
    if (value.size() < 4) return;  // scrubbing "a" would shred every message and protect nothing
    auto& s = secrets();
    std::lock_guard lock(s.mu);
    if (std::find(s.values.begin(), s.values.end(), value) == s.values.end()) s.values.push_back(std::move(value));
    // Longest first so a secret containing another is scrubbed whole.
    std::sort(s.values.begin(), s.values.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string redact(std::string_view text) {
    std::string out(text);
    auto& s = secrets();
    std::lock_guard lock(s.mu);
    for (const auto& v : s.values) {
        for (auto pos = out.find(v); pos != std::string::npos; pos = out.find(v, pos + kRedacted.size()))
            out.replace(pos, v.size(), kRedacted);
    }
    return out;
}

std::int64_t unix_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

namespace run {

nlohmann::json event_to_json(const Event& e) {
    nlohmann::json j{{"v", kEventSchemaVersion}, {"ts", e.ts_ms}, {"type", to_string(e.kind)}, {"run", e.run_id}};
    if (!e.phase.empty()) j["phase"] = e.phase;
    if (!e.step.empty()) j["step"] = e.step;
    if (!e.target.empty()) j["target"] = e.target;
    if (!e.action.empty()) j["action"] = e.action;
    if (e.attempt > 0) j["attempt"] = e.attempt;
    if (!e.result.empty()) j["result"] = e.result;
    if (e.kind == EventKind::StepFinished || e.kind == EventKind::PhaseFinished || e.kind == EventKind::RunFinished ||
        e.kind == EventKind::UndoFinished || e.kind == EventKind::StepRetry)
        j["duration_ms"] = e.duration_ms;
    if (!e.details.empty()) j["details"] = e.details;
    if (e.error)
        j["error"] = {
            {"code", to_string(e.error->code)}, {"message", e.error->message}, {"transient", e.error->transient}};
    if (!e.message.empty()) j["message"] = e.message;
    if (e.exit_code >= 0) j["exit_code"] = e.exit_code;
    if (e.plan != nullptr) j["plan"] = plan::to_json(*e.plan);
    return j;
}

std::string event_to_line(const Event& e) {
    if (e.plan == nullptr)
        return event_to_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    Event head = e;
    head.plan = nullptr;
    std::string line = event_to_json(head).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line.pop_back();  // the closing brace: the plan goes last, as text
    line += ",\"plan\":";
    line += plan::to_json_text(*e.plan);
    line += "}\n";
    return line;
}

Result<EventKind> event_kind_from(std::string_view type) {
    for (const auto& [kind, name] : kNames)
        if (name == type) return kind;
    return fail(ErrorCode::Protocol, "unknown event type '" + std::string(type) + "'");
}

}  // namespace run
}  // namespace ncbctl
