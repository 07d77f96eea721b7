#pragma once
// The run journal: `<state>/runs/<run-id>.jsonl`, one JSON event per line, append-only, mode 0600. It is an
// EventSink (the executor writes through it) and can be read back for `runs` and `resume`. on_event writes
// the line (a process crash cannot lose it); sync() makes it durable with a group commit: one fdatasync in
// flight at a time, covering every line written before it started, so parallel steps share fsyncs instead
// of queueing one each. The executor syncs after every event, before the step it announces runs.
// Failure semantics: a write or sync failure is remembered (ok() false) and reported by the executor,
// which stops starting steps: a run must never go on unjournaled.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
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
    void sync() override;
    [[nodiscard]] bool ok() const { return !failed_.load(std::memory_order_acquire); }  // any thread
    [[nodiscard]] std::string error() const;                                            // once !ok()
    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] std::uint64_t syncs() const { return syncs_.load(); }  // fdatasync calls made (tests, bench)
    // Tests only, before any concurrent use: what sync() calls instead of fdatasync(fd) (a slow disk).
    void set_sync_function(std::function<int(int)> fn) { sync_fn_ = std::move(fn); }

private:
    Journal(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    void set_failed(std::string message);
    int fd_ = -1;
    std::string path_;
    mutable std::mutex error_mu_;
    std::string error_;  // the first failure
    std::atomic<bool> failed_{false};
    std::atomic<std::uint64_t> written_{0};  // lines written (on_event, under the engine's event lock)
    std::mutex sync_mu_;                     // guards synced_ and syncing_
    std::condition_variable sync_done_;      // a sync ended: waiters whose lines it covered return
    bool syncing_ = false;                   // one fdatasync in flight at a time
    std::uint64_t synced_ = 0;               // lines durable
    std::atomic<std::uint64_t> syncs_{0};
    std::function<int(int)> sync_fn_;  // empty: fdatasync
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
    bool changed = true;                   // false: its forecast found nothing to do, so the run changed nothing
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
