#pragma once
// The run journal: `<state>/runs/<run-id>.jsonl`, one JSON event per line, append-only, fsync'd per event,
// mode 0600. It is an EventSink (the executor writes through it) and can be read back for `runs` and
// `resume`. Failure semantics: a write failure is remembered (ok() false) and reported by the executor,
// which stops starting steps: a run must never go on unjournaled.
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ncbctl/error.hpp"
#include "ncbctl/events.hpp"
#include "ncbctl/plan.hpp"

namespace ncbctl {

class Journal : public EventSink {
public:
    // Creates (or, for resume, appends to) the journal file.
    static Result<std::unique_ptr<Journal>> open(const std::string& path);
    ~Journal() override;
    void on_event(const Event& e) override;
    [[nodiscard]] bool ok() const { return !failed_.load(std::memory_order_acquire); }  // any thread
    [[nodiscard]] const std::string& error() const { return error_; }                   // once !ok()
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    Journal(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_ = -1;
    std::string path_;
    std::string error_;
    std::atomic<bool> failed_{false};
};

enum class StepState { Pending, InFlight, Ok, Failed, Undone };

struct StepRecord {
    StepState state = StepState::Pending;
    Params details;  // as recorded (secrets already redacted)
    std::int64_t duration_ms = 0;
    std::string error;
};

// A journal read back. A run without run.finished died (crash, SIGKILL) or was interrupted.
struct RunRecord {
    std::string run_id;
    std::string path;
    std::string workflow;
    std::string command;  // "upgrade --to 2.2.16"
    std::string ncbctl_version;
    std::string inventory_hash;
    std::string fingerprint;
    std::int64_t started_ms = 0;
    std::int64_t last_event_ms = 0;
    std::optional<Plan> plan;
    std::map<std::string, StepRecord> steps;  // by step id
    std::vector<std::string> phases_ok;       // phases that finished ok, in order
    bool finished = false;
    bool interrupted = false;
    std::string result;  // of run.finished (or "interrupted" / "incomplete")
    int exit_code = -1;
    int sessions = 0;                      // 1 + number of resumes
    int undos = 0;                         // undo actions run (a rolled-back run is never resumed)
    [[nodiscard]] bool resumable() const;  // unfinished, interrupted, or left for a human (exit 6) without any undo
};

// Fails with Io when unreadable, Protocol when the first line is not a run.started event. A torn last line
// (the process died mid-write) is ignored.
Result<RunRecord> read_journal(const std::string& path);
// Newest first; unreadable files are skipped.
std::vector<RunRecord> list_runs(const std::string& state_dir);
std::string runs_dir(const std::string& state_dir);
std::string journal_path(const std::string& state_dir, const std::string& run_id);
std::string new_run_id();  // "20261126T024512Z-3f9a1c": sortable, unique enough per cluster

}  // namespace ncbctl
