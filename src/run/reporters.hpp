#pragma once
// Reporters subscribe to engine events. Progress goes to `err` (stderr: logs); NDJSON goes to `out`
// (stdout: data). The TTY view redraws a per-phase/per-node block with elapsed times on a ticker thread.
#include <iosfwd>
#include <memory>
#include <vector>

#include "ncbctl/events.hpp"
#include "run/executor.hpp"
#include "run/timeline.hpp"

namespace ncbctl::run {

enum class ReporterKind {
    Tty,    // live view on a terminal
    Plain,  // one log line per event (no terminal, CI logs)
    Json,   // NDJSON events on `out`, schema docs/events.md
    Quiet,  // failures only; the final line comes from print_final_line
};

std::unique_ptr<EventSink> make_reporter(ReporterKind kind, std::ostream& out, std::ostream& err, bool color);

// Sends each event to every sink, in order (journal first, so what is shown is already written; the
// executor's sync() that follows makes it durable).
class FanoutSink final : public EventSink {
public:
    explicit FanoutSink(std::vector<EventSink*> sinks) : sinks_(std::move(sinks)) {}
    void on_event(const Event& e) override {
        for (auto* s : sinks_) s->on_event(e);
    }
    void sync() override {
        for (auto* s : sinks_) s->sync();
    }

private:
    std::vector<EventSink*> sinks_;
};

// The final table: phase, nodes, result, duration; then the timeline of the window (when given and not empty),
// failures, undo actions and the cluster state.
void print_summary(std::ostream& out, const std::string& command, const std::string& run_id, const RunOutcome& o,
                   const Timeline* timeline = nullptr);
// One line: "upgrade --to 2.2.16: ok in 1m2s (run R)".
void print_final_line(std::ostream& out, const std::string& command, const std::string& run_id, const RunOutcome& o);

}  // namespace ncbctl::run
