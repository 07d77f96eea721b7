#include "run/timeline.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

#include "plan/render.hpp"
#include "run/event_json.hpp"
#include "util/json_int.hpp"

namespace ncbctl::run {
namespace {

bool reopens_traffic(std::string_view action) {
    return action == "traffic.live" || action == "traffic.pin" || action == "traffic.serve";
}

}  // namespace

TimelineRow& TimelineBuilder::row(std::string_view name) {
    for (auto& r : t_.phases)
        if (r.name == name) return r;
    t_.phases.push_back(TimelineRow{std::string(name), {}, false});
    return t_.phases.back();
}

void TimelineBuilder::add(EventKind kind, std::int64_t ts, std::string_view phase, std::string_view action,
                          std::string_view result) {
    if (!started_) {
        t_.start_ms = ts;
        started_ = true;
    }
    t_.end_ms = std::max(t_.end_ms, ts);
    switch (kind) {
        case EventKind::PhaseStarted:
            row(phase).spans.push_back({ts, ts, "running"});
            break;
        case EventKind::PhaseFinished: {
            auto& r = row(phase);
            if (r.spans.empty() || r.spans.back().result != "running") {
                if (result == "skipped") break;  // a phase done in an earlier run: nothing ran now
                r.spans.push_back({ts, ts, ""});
            }
            r.spans.back().end_ms = ts;
            r.spans.back().result = std::string(result);
            break;
        }
        case EventKind::StepStarted:
            if (action == "traffic.maintenance" && !window_open_) {
                t_.window.push_back({ts, ts, "open"});
                window_open_ = true;
                window_by_failed_step_ = true;  // until the step finishes ok, the page is not known to be up
            }
            break;
        case EventKind::StepFinished:
            if (!window_open_) break;
            if (action == "traffic.maintenance" && window_by_failed_step_) {
                if (result == "ok") {
                    window_by_failed_step_ = false;
                } else {
                    t_.window.pop_back();
                    window_open_ = false;
                }
            } else if (reopens_traffic(action) && result == "ok") {
                t_.window.back().end_ms = ts;
                t_.window.back().result = "ok";
                window_open_ = false;
            }
            break;
        case EventKind::UndoStarted:
            t_.undo.push_back({ts, ts, "running"});
            break;
        case EventKind::UndoFinished:
            if (t_.undo.empty() || t_.undo.back().result != "running") t_.undo.push_back({ts, ts, ""});
            t_.undo.back().end_ms = ts;
            t_.undo.back().result = std::string(result);
            if (result == "ok") row(phase).undone = true;
            if (window_open_ && action == "traffic.live" && result == "ok") {
                t_.window.back().end_ms = ts;
                t_.window.back().result = "ok";
                window_open_ = false;
            }
            break;
        default:
            break;
    }
}

Timeline TimelineBuilder::finish() const {
    Timeline t = t_;
    for (auto& r : t.phases)
        for (auto& s : r.spans)
            if (s.result == "running") s.end_ms = t.end_ms;
    for (auto& s : t.undo)
        if (s.result == "running") s.end_ms = t.end_ms;
    if (window_open_) t.window.back().end_ms = t.end_ms;
    return t;
}

Result<Timeline> read_timeline(const std::string& journal_path) {
    std::ifstream in(journal_path);
    if (!in) return fail(ErrorCode::Io, "cannot read journal " + journal_path);
    TimelineBuilder b;
    std::string line;
    while (std::getline(in, line)) {
        // run.started carries the whole plan as its last key: parse only what precedes it.
        if (line.find("\"type\":\"run.started\"") != std::string::npos)
            if (auto at = line.find(",\"plan\":"); at != std::string::npos) line = line.substr(0, at) + "}";
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object()) continue;
        auto kind = event_kind_from(util::json_string_or(j, "type"));
        if (!kind) continue;
        b.add(*kind, util::json_int_or(j, "ts", 0), util::json_string_or(j, "phase"), util::json_string_or(j, "action"),
              util::json_string_or(j, "result"));
    }
    return b.finish();
}

namespace {

char fill_for(const TimelineSpan& s, bool undone) {
    if (s.result == "ok") return undone ? '~' : '#';
    if (s.result == "failed") return 'X';
    if (s.result == "interrupted") return '!';
    return '?';
}

const char* color_for(char c) {
    switch (c) {
        case '#':
            return "32";
        case 'X':
            return "31";
        case '=':
            return "33";
        default:
            return "35";
    }
}

std::string dur(std::int64_t ms) {
    return plan::format_duration(Duration{std::max<std::int64_t>(0, ms)});
}

// Tick labels: whole seconds once the axis is long enough that tenths are noise.
std::string tick(std::int64_t ms, std::int64_t span) {
    if (ms == 0) return "0s";
    if (span >= 10'000)
        ms = (ms + 500) / 1000 * 1000;
    else if (span >= 1000)
        ms = (ms + 50) / 100 * 100;
    return dur(ms);
}

class Canvas {
public:
    Canvas(const Timeline& t, int width)
        : t0_(t.start_ms), span_(std::max<std::int64_t>(1, t.end_ms - t.start_ms)), w_(width) {}
    [[nodiscard]] std::string blank() const { return std::string(static_cast<std::size_t>(w_), ' '); }
    void paint(std::string& bar, const TimelineSpan& s, char c) const {
        int c0 = std::clamp(col_floor(s.start_ms), 0, w_ - 1);
        int c1 = std::clamp(col_ceil(s.end_ms), c0 + 1, w_);
        for (int i = c0; i < c1; ++i) bar[static_cast<std::size_t>(i)] = c;
    }
    [[nodiscard]] std::int64_t span() const { return span_; }
    [[nodiscard]] int width() const { return w_; }

private:
    [[nodiscard]] int col_floor(std::int64_t ts) const { return static_cast<int>((ts - t0_) * w_ / span_); }
    [[nodiscard]] int col_ceil(std::int64_t ts) const {
        return static_cast<int>(((ts - t0_) * w_ + span_ - 1) / span_);
    }
    std::int64_t t0_;
    std::int64_t span_;
    int w_;
};

std::string colored(const std::string& bar, bool color) {
    if (!color) return bar;
    std::string out;
    char cur = ' ';
    for (char c : bar) {
        if (c != cur) {
            if (cur != ' ') out += "\033[0m";
            if (c != ' ') out += std::string("\033[") + color_for(c) + "m";
            cur = c;
        }
        out += c;
    }
    if (cur != ' ') out += "\033[0m";
    return out;
}

std::int64_t total(const std::vector<TimelineSpan>& spans) {
    std::int64_t ms = 0;
    for (const auto& s : spans) ms += s.end_ms - s.start_ms;
    return ms;
}

// Two lines under the bars, aligned with their '|' borders: '+' ticks at 0, 1/4, 1/2, 3/4 and the end, then the
// time at each tick (the last one right-aligned; a label that would touch the one before is left out).
std::string axis(const Canvas& c, const std::string& indent) {
    const int n = c.width() + 2;
    std::string ticks(static_cast<std::size_t>(n), '-');
    std::string labels(static_cast<std::size_t>(n) + 12, ' ');
    int free_from = 0;
    for (int q = 0; q <= 4; ++q) {
        const int at = (n - 1) * q / 4;
        ticks[static_cast<std::size_t>(at)] = '+';
        const std::string label = tick(c.span() * q / 4, c.span());
        const int start = q == 4 ? std::max(at - static_cast<int>(label.size()) + 1, 0) : at;
        if (start < free_from) continue;
        labels.replace(static_cast<std::size_t>(start), label.size(), label);
        free_from = start + static_cast<int>(label.size()) + 1;
    }
    labels.erase(labels.find_last_not_of(' ') + 1);
    return indent + ticks + "\n" + indent + labels + "\n";
}

}  // namespace

std::string render_timeline(const Timeline& t, const TimelineStyle& style) {
    if (t.empty()) return "";
    const Canvas canvas(t, std::max(10, style.width));
    std::size_t lw = 10;  // "503 window"
    for (const auto& r : t.phases) lw = std::max(lw, r.name.size());
    std::string out = fmt::format("Timeline: {}, one column = {}\n", dur(t.end_ms - t.start_ms),
                                  dur(std::max<std::int64_t>(1, canvas.span() / canvas.width())));
    auto line = [&](const std::string& name, const std::string& bar, std::int64_t ms, const std::string& what) {
        out += fmt::format("  {:<{}} |{}| {:>6}  {}", name, lw, colored(bar, style.color), dur(ms), what);
        while (!out.empty() && out.back() == ' ') out.pop_back();
        out += '\n';
    };
    for (const auto& r : t.phases) {
        std::string bar = canvas.blank();
        for (const auto& s : r.spans) canvas.paint(bar, s, fill_for(s, r.undone));
        std::string what = r.spans.empty() ? "" : r.spans.back().result;
        if (what == "running") what = "never finished";
        if (r.undone) what += ", undone";
        if (r.spans.size() > 1) what += fmt::format(" ({} sessions)", r.spans.size());
        line(r.name, bar, total(r.spans), what);
    }
    if (!t.undo.empty()) {
        std::string bar = canvas.blank();
        bool failed = false;
        for (const auto& s : t.undo) {
            canvas.paint(bar, s, s.result == "ok" ? '<' : 'X');
            failed = failed || s.result != "ok";
        }
        line("undo", bar, t.undo.back().end_ms - t.undo.front().start_ms,
             fmt::format("{} action{}{}", t.undo.size(), t.undo.size() == 1 ? "" : "s", failed ? ", some failed" : ""));
    }
    if (!t.window.empty()) {
        std::string bar = canvas.blank();
        for (const auto& s : t.window) canvas.paint(bar, s, '=');
        line("503 window", bar, total(t.window),
             t.window.back().result == "open" ? "still serving 503 at the end" : "");
    }
    out += axis(canvas, std::string(lw + 3, ' '));
    out += "  # ok  X failed  ! interrupted  ~ undone  < undo  = 503 page served\n";
    return out;
}

}  // namespace ncbctl::run
