#pragma once
// Engine events: what the journal records and reporters render (TTY view, log lines, NDJSON on stdout).
// The JSON form is versioned (docs/events.md); every string passes through redact() before any sink sees it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ncbctl/error.hpp"
#include "ncbctl/plan.hpp"

namespace ncbctl {

inline constexpr int kEventSchemaVersion = 1;

enum class EventKind {
    RunStarted,  // message: command line; details: version, workflow, fingerprint, inventory hash
    RunResumed,  // a later process continues the run
    PhaseStarted,
    PhaseFinished,  // result: ok | failed | skipped | interrupted
    StepStarted,    // attempt: 1-based
    StepRetry,      // error: the transient failure; duration_ms: backoff before the next attempt
    StepProgress,   // message: progress text from the runner (not journaled)
    StepFinished,   // result: ok | failed | skipped | interrupted; details; error when failed
    UndoStarted,
    UndoFinished,    // result: ok | failed
    RunInterrupted,  // message: how to resume
    RunFinished,     // result: ok | failed | rolled-back | needs-human; exit_code
};
std::string_view to_string(EventKind k) noexcept;  // "step.finished"...

struct Event {
    EventKind kind = EventKind::StepProgress;
    std::int64_t ts_ms = 0;  // unix milliseconds, set by the emitter
    std::string run_id;
    std::string phase;
    std::string step;
    std::string target;
    std::string action;
    int attempt = 0;
    std::string result;
    std::int64_t duration_ms = 0;
    Params details;
    std::optional<Error> error;
    std::string message;
    int exit_code = -1;
    const Plan* plan = nullptr;  // run.started only: the whole plan, so resume runs exactly what started
};

class EventSink {
public:
    virtual ~EventSink() = default;
    EventSink() = default;
    EventSink(const EventSink&) = delete;
    EventSink& operator=(const EventSink&) = delete;
    // Called with the engine's event lock held: one event at a time, in order. Must not throw.
    virtual void on_event(const Event& e) = 0;
    // Called without that lock, by any number of threads at once, after on_event: returns when every event
    // handed over before the call is durable (the journal's group commit). Must not throw.
    virtual void sync() {}
};

// Secret values resolved at run time (tokens, passwords) are registered once and scrubbed from every
// event string, journal line and NDJSON line. Thread-safe. Values shorter than 4 bytes are ignored.
void register_secret(std::string value);
std::string redact(std::string_view text);
inline constexpr std::string_view kRedacted = "***";

std::int64_t unix_ms_now();

}  // namespace ncbctl
