// Append-only JSONL journal: written through the executor's event stream, read back by runs/resume.
#include "run/journal.hpp"
#include "util/atomic_file.hpp"
#include "util/quote.hpp"
#include "util/run_id.hpp"
#include "util/utc_time.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>

#include "plan/render.hpp"
#include "run/event_json.hpp"
#include "util/json_int.hpp"

namespace ncbctl {
namespace fs = std::filesystem;

namespace {

std::string errno_text() {
    return std::strerror(errno);
}

Status write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        auto n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(ErrorCode::Io, errno_text());
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

}  // namespace

Result<std::unique_ptr<Journal>> Journal::open(const std::string& path) {
    const fs::path dir = fs::path(path).parent_path();
    // The state directory and runs/ are private (0700 whatever the umask); existing ones are left as they are.
    if (!dir.empty())
        if (auto d = util::create_private_directories(dir.string()); !d) return fail(d.error());
    // O_CREAT with 0600: umask can only narrow it. An existing journal (resume) was created the same way.
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return fail(ErrorCode::Io, "cannot open journal " + path + ": " + errno_text());
    std::unique_ptr<Journal> j(new Journal(fd, path));
    // A process killed mid-write leaves a torn last line: end it so the next event starts a fresh line.
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_size > 0) {
        char last = '\n';
        if (::pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n') {
            if (auto ok = write_all(fd, "\n"); !ok)
                return fail(ErrorCode::Io, "cannot write journal " + path + ": " + ok.error().message);
        }
    }
    return j;
}

Journal::~Journal() {
    sync();  // nothing left unsynced by a caller that skipped it
    if (fd_ >= 0) ::close(fd_);
}

std::string Journal::error() const {
    std::lock_guard lock(error_mu_);
    return error_;
}

void Journal::set_failed(std::string message) {
    std::lock_guard lock(error_mu_);
    if (failed_.load(std::memory_order_acquire)) return;  // keep the first cause
    error_ = std::move(message);
    failed_.store(true, std::memory_order_release);
}

void Journal::on_event(const Event& e) {
    if (e.kind == EventKind::StepProgress || !ok()) return;
    std::string line = run::event_to_line(e);
    if (auto written = write_all(fd_, line); !written) {
        set_failed("cannot write journal " + path_ + ": " + written.error().message);
        return;
    }
    written_.fetch_add(1, std::memory_order_release);
}

void Journal::sync() {
    // What this caller needs durable: the lines written before it called sync(), read before any wait (read
    // after it, it would count lines others wrote meanwhile and every waiter would sync in turn).
    const std::uint64_t mine = written_.load(std::memory_order_acquire);
    std::unique_lock lock(sync_mu_);
    // One fdatasync in flight; the callers that arrive meanwhile wait for it together and, when it ends, all
    // return at once if it covered their lines. A mutex alone would wake them one at a time, each behind
    // the next sync.
    while (synced_ < mine && syncing_ && ok()) sync_done_.wait(lock);
    if (synced_ >= mine || !ok()) return;  // a sync that started after our write covered it
    syncing_ = true;
    // This fdatasync starts after every line counted here was written, so it covers them all.
    const std::uint64_t upto = written_.load(std::memory_order_acquire);
    lock.unlock();
    syncs_.fetch_add(1, std::memory_order_relaxed);
    const bool failed = (sync_fn_ ? sync_fn_(fd_) : ::fdatasync(fd_)) != 0;
    const std::string why = failed ? errno_text() : std::string();
    lock.lock();
    syncing_ = false;
    if (failed)
        set_failed("cannot fsync journal " + path_ + ": " + why);
    else
        synced_ = std::max(synced_, upto);
    lock.unlock();
    sync_done_.notify_all();
}

bool RunRecord::resumable() const {
    return undos == 0 && (!finished || exit_code == to_int(ExitCode::NeedsHuman));
}

// An exit code as the journal holds it, `fallback` when it is missing; not one of 0..255: malformed.
static int exit_code_of(const nlohmann::json& j, int fallback) {
    return static_cast<int>(util::json_int_or_throw(j, "exit_code", fallback, 0, 255));
}

static Result<RunRecord> read_journal_lines(const std::string& path) {
    std::ifstream in(path);
    if (!in) return fail(ErrorCode::Io, "cannot read journal " + path);
    RunRecord r;
    r.path = path;
    std::string line;
    bool first = true;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object()) continue;  // torn line of a killed process
        auto kind = run::event_kind_from(j.value("type", ""));
        if (!kind) continue;
        if (first && *kind != EventKind::RunStarted)
            return fail(ErrorCode::Protocol, "journal " + path + " does not start with run.started");
        first = false;
        r.last_event_ms = util::json_int_or_throw(j, "ts", 0);
        const std::string step = j.value("step", "");
        const std::string result = j.value("result", "");
        switch (*kind) {
            case EventKind::RunStarted: {
                r.run_id = j.value("run", "");
                r.started_ms = r.last_event_ms;
                r.command = j.value("message", "");
                auto d = j.value("details", Params{});
                r.ncbctl_version = d["ncbctl_version"];
                r.workflow = d["workflow"];
                r.inventory_hash = d["inventory_hash"];
                r.fingerprint = d["fingerprint"];
                if (j.contains("plan")) {
                    auto p = plan::plan_from_json(j["plan"]);
                    if (!p) return fail(p.error().with_context("journal " + path + ": "));
                    r.plan = std::move(*p);
                }
                r.sessions = 1;
                break;
            }
            case EventKind::RunResumed:
                ++r.sessions;
                r.finished = false;
                r.interrupted = false;
                r.exit_code = -1;
                r.result.clear();
                break;
            case EventKind::StepStarted:
                r.steps[step].state = StepState::InFlight;
                break;
            case EventKind::StepFinished: {
                auto& s = r.steps[step];
                s.duration_ms = util::json_int_or_throw(j, "duration_ms", 0);
                s.details = j.value("details", Params{});
                s.error = j.contains("error") ? j["error"].value("message", "") : "";
                s.state = result == "ok" ? StepState::Ok : result == "failed" ? StepState::Failed : StepState::InFlight;
                break;
            }
            case EventKind::UndoFinished:
                ++r.undos;
                if (result == "ok") r.steps[step].state = StepState::Undone;
                break;
            case EventKind::PhaseFinished:
                if (result == "ok") r.phases_ok.push_back(j.value("phase", ""));
                break;
            case EventKind::RunInterrupted:
                r.interrupted = true;
                r.exit_code = exit_code_of(j, to_int(ExitCode::Interrupted));
                r.result = "interrupted";
                break;
            case EventKind::RunFinished:
                r.finished = true;
                r.result = result;
                r.changed = !(j.contains("details") && j["details"].is_object() &&
                              util::json_string_or(j["details"], "changed") == "false");
                r.exit_code = exit_code_of(j, -1);
                break;
            default:
                break;
        }
    }
    if (first) return fail(ErrorCode::Protocol, "journal " + path + " is empty");
    // Checked after every field has been read (a wrong JSON type is reported as such first): the id names the
    // run's work directory and the journal resume appends to, so it must have the shape ncbctl gives ids and
    // be this file's own name; a journal copied, renamed or edited to point elsewhere is refused.
    if (!util::is_run_id(r.run_id) || fs::path(path).stem().string() != r.run_id)
        return fail(ErrorCode::Protocol, "journal " + path + " records run id " + util::quote(r.run_id) +
                                             ", which is not its own name (" + std::string(util::kRunIdShape) + ")");
    if (!r.finished && !r.interrupted) r.result = "incomplete";
    return r;
}

// A journal is input like any file (damaged, foreign, edited by hand): a key of the wrong JSON type
// (`"type": 1`, `"details": []`) is the journal's fault, reported as such rather than thrown.
Result<RunRecord> read_journal(const std::string& path) {
    try {
        return read_journal_lines(path);
    } catch (const nlohmann::json::exception& e) {
        return fail(ErrorCode::Protocol, "journal " + path + " has a malformed event (" + e.what() + ")");
    }
}

std::string runs_dir(const std::string& state_dir) {
    return state_dir + "/runs";
}

std::string journal_path(const std::string& state_dir, const std::string& run_id) {
    return runs_dir(state_dir) + "/" + run_id + ".jsonl";
}

std::vector<RunRecord> list_runs(const std::string& state_dir) {
    std::vector<RunRecord> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(runs_dir(state_dir), ec)) {
        if (entry.path().extension() != ".jsonl") continue;
        if (auto r = read_journal(entry.path().string())) out.push_back(std::move(*r));
    }
    std::sort(out.begin(), out.end(), [](const RunRecord& a, const RunRecord& b) {
        return a.started_ms != b.started_ms ? a.started_ms > b.started_ms : a.run_id > b.run_id;
    });
    return out;
}

std::string new_run_id() {
    const std::string stamp = util::format_utc(std::time(nullptr), util::kCompactUtc);
    std::random_device rd;
    char suffix[12];
    std::snprintf(suffix, sizeof suffix, "%06x", rd() & 0xffffffU);
    return std::string(stamp) + "-" + suffix;
}

}  // namespace ncbctl
