// Plain, quiet, NDJSON and live TTY reporters, and the final summary.
#include "run/reporters.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <condition_variable>
#include <ctime>
#include <map>
#include <mutex>
#include <ostream>
#include <thread>

#include "plan/render.hpp"
#include "run/event_json.hpp"

namespace ncbctl::run {
namespace {

std::string clock_text(std::int64_t ts_ms) {
    std::time_t t = static_cast<std::time_t>(ts_ms / 1000);
    std::tm tm{};
    ::localtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
    return buf;
}

std::string dur(std::int64_t ms) {
    return plan::format_duration(Duration{ms});
}

std::string error_text(const Event& e) {
    if (!e.error) return "";
    return e.error->message + " (" + std::string(to_string(e.error->code)) + (e.error->transient ? ", transient" : "") +
           ")";
}

// One line per event: CI logs and pipes.
class PlainReporter final : public EventSink {
public:
    PlainReporter(std::ostream& err, bool quiet) : err_(err), quiet_(quiet) {}
    void on_event(const Event& e) override {
        std::string line = line_for(e);
        if (line.empty()) return;
        err_ << clock_text(e.ts_ms) << ' ' << line << '\n';
        err_.flush();
    }

private:
    std::string line_for(const Event& e) const {
        const bool failed = e.result == "failed";
        if (quiet_ && !failed) return "";
        switch (e.kind) {
            case EventKind::RunStarted:
                return "run " + e.run_id + " started: " + e.message;
            case EventKind::RunResumed:
                return "run " + e.run_id + " resumed: " + e.message;
            case EventKind::PhaseStarted:
                return "phase " + e.phase + " started";
            case EventKind::PhaseFinished:
                return "phase " + e.phase + " " + e.result + " in " + dur(e.duration_ms);
            case EventKind::StepStarted:
                return e.step + " " + e.action + " started" +
                       (e.attempt > 1 ? fmt::format(" (try {})", e.attempt) : "");
            case EventKind::StepRetry:
                return e.step + " failed, retrying in " + dur(e.duration_ms) + ": " + error_text(e);
            case EventKind::StepProgress:
                return e.step + ": " + e.message;
            case EventKind::StepFinished:
                return e.step + " " + e.result + " in " + dur(e.duration_ms) + (e.error ? ": " + error_text(e) : "");
            case EventKind::UndoStarted:
                return "undo " + e.step + ": " + e.action;
            case EventKind::UndoFinished:
                return "undo " + e.step + " " + e.result + (e.error ? ": " + error_text(e) : "");
            case EventKind::RunInterrupted:
                return "run " + e.run_id + " interrupted: " + e.message;
            case EventKind::RunFinished:
                return "";  // the summary says it
        }
        return "";
    }
    std::ostream& err_;
    bool quiet_;
};

class JsonReporter final : public EventSink {
public:
    explicit JsonReporter(std::ostream& out) : out_(out) {}
    void on_event(const Event& e) override {
        out_ << event_to_line(e);
        out_.flush();
    }

private:
    std::ostream& out_;
};

// The live view: one line per phase, the running steps of the current phase under it, elapsed times ticking.
class TtyReporter final : public EventSink {
public:
    TtyReporter(std::ostream& err, bool color) : err_(err), color_(color), ticker_([this] { tick(); }) {}
    ~TtyReporter() override {
        {
            std::lock_guard lock(mu_);
            stopping_ = true;
        }
        cv_.notify_all();
        ticker_.join();
    }
    void on_event(const Event& e) override {
        std::lock_guard lock(mu_);
        apply(e);
        redraw();
        if (e.kind == EventKind::StepFinished && e.result == "failed") {
            clear();
            err_ << paint("31", "✗ " + e.step + ": " + error_text(e)) << '\n';
            redraw();
        }
    }

private:
    struct PhaseView {
        std::string name;
        std::string result;  // empty while pending or running
        bool started = false;
        Clock::time_point t0{};
        std::int64_t duration_ms = 0;
        std::size_t total = 0, done = 0;
    };
    struct Running {
        std::string target, action, message;
        Clock::time_point t0;
    };

    std::string paint(const char* code, const std::string& s) const {
        return color_ ? std::string("\033[") + code + "m" + s + "\033[0m" : s;
    }

    void apply(const Event& e) {
        switch (e.kind) {
            case EventKind::RunStarted:
            case EventKind::RunResumed:
                title_ = e.message + "  (run " + e.run_id + ")";
                if (e.plan != nullptr && phases_.empty())
                    for (const auto& p : e.plan->phases)
                        phases_.push_back({p.name, "", false, {}, 0, p.steps.size(), 0});
                break;
            case EventKind::PhaseStarted:
                if (auto* p = find(e.phase)) {
                    p->started = true;
                    p->t0 = Clock::now();
                }
                break;
            case EventKind::PhaseFinished:
                if (auto* p = find(e.phase)) {
                    p->result = e.result;
                    p->duration_ms = e.duration_ms;
                }
                break;
            case EventKind::StepStarted:
                running_[e.step] = {e.target, e.action, running_[e.step].message, Clock::now()};
                break;
            case EventKind::StepProgress:
                running_[e.step].message = e.message;
                break;
            case EventKind::StepFinished:
                running_.erase(e.step);
                if (auto* p = find(e.phase); p != nullptr && e.result == "ok") ++p->done;
                break;
            case EventKind::UndoStarted:
                running_["undo " + e.step] = {e.target, "undo " + e.action, "", Clock::now()};
                break;
            case EventKind::UndoFinished:
                running_.erase("undo " + e.step);
                break;
            case EventKind::RunInterrupted:
            case EventKind::RunFinished:
                finished_ = true;
                break;
            default:
                break;
        }
    }

    PhaseView* find(const std::string& name) {
        for (auto& p : phases_)
            if (p.name == name) return &p;
        return nullptr;
    }

    void clear() {
        if (drawn_ > 0) err_ << "\033[" << drawn_ << "A";
        for (int i = 0; i < drawn_; ++i) err_ << "\033[2K\n";
        if (drawn_ > 0) err_ << "\033[" << drawn_ << "A";
        drawn_ = 0;
    }

    void redraw() {
        clear();
        std::vector<std::string> lines;
        lines.push_back(paint("1", title_));
        const auto now = Clock::now();
        for (const auto& p : phases_) {
            std::string mark = p.result == "ok"       ? paint("32", "✓")
                               : p.result.empty()     ? (p.started ? paint("33", "▶") : "·")
                               : p.result == "failed" ? paint("31", "✗")
                                                      : paint("33", "‖");
            std::int64_t ms = p.result.empty() && p.started
                                  ? std::chrono::duration_cast<std::chrono::milliseconds>(now - p.t0).count()
                                  : p.duration_ms;
            std::string line = fmt::format("{} {:<12} {:>4}/{:<4}", mark, p.name, p.done, p.total);
            if (p.started)
                line += "  " + dur(ms - ms % (p.result.empty() ? 1000 : 1)) + (p.result.empty() ? "" : "  " + p.result);
            lines.push_back(line);
            if (p.started && p.result.empty()) {
                std::size_t shown = 0;
                for (const auto& [id, r] : running_) {
                    if (++shown > kMaxRunningLines) break;
                    auto el = std::chrono::duration_cast<std::chrono::seconds>(now - r.t0).count();
                    std::string msg = r.message.size() > 60 ? r.message.substr(0, 57) + "..." : r.message;
                    lines.push_back(fmt::format("    {:<10} {:<20} {:>4}s  {}", r.target, r.action, el, msg));
                }
                if (running_.size() > kMaxRunningLines)
                    lines.push_back(fmt::format("    ... and {} more running", running_.size() - kMaxRunningLines));
            }
        }
        for (const auto& l : lines) err_ << l << '\n';
        drawn_ = static_cast<int>(lines.size());
        err_.flush();
    }

    void tick() {
        std::unique_lock lock(mu_);
        while (!cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopping_; }))
            if (!finished_ && !phases_.empty()) redraw();
    }

    static constexpr std::size_t kMaxRunningLines = 8;
    std::ostream& err_;
    bool color_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    bool finished_ = false;
    std::string title_;
    std::vector<PhaseView> phases_;
    std::map<std::string, Running> running_;
    int drawn_ = 0;
    std::thread ticker_;
};

}  // namespace

std::unique_ptr<EventSink> make_reporter(ReporterKind kind, std::ostream& out, std::ostream& err, bool color) {
    switch (kind) {
        case ReporterKind::Tty:
            return std::make_unique<TtyReporter>(err, color);
        case ReporterKind::Json:
            return std::make_unique<JsonReporter>(out);
        case ReporterKind::Quiet:
            return std::make_unique<PlainReporter>(err, true);
        case ReporterKind::Plain:
            break;
    }
    return std::make_unique<PlainReporter>(err, false);
}

void print_summary(std::ostream& out, const std::string& command, const std::string& run_id, const RunOutcome& o,
                   const Timeline* timeline) {
    out << "\n" << command << "  (run " << run_id << ")\n";
    std::size_t w = 5;
    for (const auto& p : o.phases) w = std::max(w, p.name.size());
    out << fmt::format("  {:<{}}  {:<24}  {:<12}  {}\n", "phase", w, "nodes", "result", "duration");
    for (const auto& p : o.phases) {
        std::string nodes;
        for (const auto& t : p.targets) nodes += (nodes.empty() ? "" : ",") + t;
        if (nodes.size() > 24) nodes = std::to_string(p.targets.size()) + " targets";
        out << fmt::format(
            "  {:<{}}  {:<24}  {:<12}  {}\n", p.name, w, nodes, p.result.empty() ? "-" : p.result,
            p.result == "ok" || p.result == "failed" || p.result == "interrupted" ? dur(p.duration_ms) : "");
    }
    if (timeline != nullptr && !timeline->empty()) out << '\n' << render_timeline(*timeline) << '\n';
    for (const auto& f : o.failures) out << "  failed: " << f << '\n';
    for (const auto& u : o.undone) out << "  undone: " << u << '\n';
    for (const auto& u : o.undo_failures) out << "  undo failed: " << u << '\n';
    out << "  cluster: " << o.cluster_state << '\n';
    print_final_line(out, command, run_id, o);
}

void print_final_line(std::ostream& out, const std::string& command, const std::string& run_id, const RunOutcome& o) {
    out << command << ": " << o.result << (o.exit == ExitCode::Ok && !o.changed ? ", nothing changed" : "") << " in "
        << dur(o.duration_ms) << " (run " << run_id << ", exit " << to_int(o.exit) << ")\n";
}

}  // namespace ncbctl::run
