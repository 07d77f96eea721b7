#pragma once
// A picture of the maintenance window: one bar per phase on a shared time axis, the undo actions on their own
// row, and the span during which the load balancer served the 503 page. Built from the events of a run (the
// same events the journal records), so the run summary and `runs show` draw the same picture, and a resumed
// run shows every session on one axis. Drawn with plain ASCII only (no colour unless asked, no Unicode), so it
// reads the same in a pipe, a CI log, LANG=C or NO_COLOR, and two runs can be compared by looking.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ncbctl/error.hpp"
#include "ncbctl/events.hpp"

namespace ncbctl::run {

struct TimelineSpan {
    std::int64_t start_ms = 0;
    std::int64_t end_ms = 0;
    std::string result;  // ok | failed | interrupted | skipped | running (never finished) | open (503 at the end)
};

struct TimelineRow {
    std::string name;
    std::vector<TimelineSpan> spans;  // one per session that ran the phase
    bool undone = false;              // some of its completed steps were undone afterwards
};

struct Timeline {
    std::int64_t start_ms = 0;         // run.started
    std::int64_t end_ms = 0;           // the last event
    std::vector<TimelineRow> phases;   // in the order they first started
    std::vector<TimelineSpan> undo;    // each undo action (result ok | failed)
    std::vector<TimelineSpan> window;  // 503 page served: from traffic.maintenance to traffic back live
    [[nodiscard]] bool empty() const { return phases.empty(); }
};

// Feeds on events in order. The 503 window opens when a traffic.maintenance step starts (the page goes up
// during it; a failed one closes what it opened) and closes when a traffic.live, traffic.pin or
// traffic.serve step, or a traffic.live undo, finishes ok; one still open at the end is reported as "open".
class TimelineBuilder {
public:
    void add(EventKind kind, std::int64_t ts_ms, std::string_view phase, std::string_view action,
             std::string_view result);
    void add(const Event& e) { add(e.kind, e.ts_ms, e.phase, e.action, e.result); }
    [[nodiscard]] Timeline finish() const;

private:
    TimelineRow& row(std::string_view name);
    Timeline t_;
    bool started_ = false;
    bool window_open_ = false;
    bool window_by_failed_step_ = false;
};

// Reads a run journal (runs/<id>.jsonl) into a timeline without building the plan's DOM (the run.started
// line's plan is skipped). Fails with Io when unreadable; torn or unknown lines are ignored like read_journal.
Result<Timeline> read_timeline(const std::string& journal_path);

struct TimelineStyle {
    int width = 60;      // columns of the bars (at least 10)
    bool color = false;  // ANSI colours on top of the characters, never instead of them
};

// The picture, one '\n'-terminated line each; empty when the timeline has no phase. Characters:
// '#' ok, 'X' failed, '!' interrupted, '~' ok but undone later, '?' never finished, '<' undo, '=' 503 served.
std::string render_timeline(const Timeline& t, const TimelineStyle& style = {});

}  // namespace ncbctl::run
