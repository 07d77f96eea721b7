// The local lock backend: flock(2) on `<state>/lock` for the run's lifetime (the kernel drops it when the
// process dies, so a crashed run never blocks the next one) plus `<state>/lock.json` describing the holder.
// Breaking a lock unlinks both: a hung holder keeps a lock on an orphaned inode and its next heartbeat
// notices that the path no longer names its file.
#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "ncbctl/cancel.hpp"
#include "run/cluster_lock.hpp"
#include "util/atomic_file.hpp"
#include "util/fd.hpp"
#include "util/lock_holder_json.hpp"
#include "util/quote.hpp"
#include "util/run_id.hpp"
#include "util/utc_time.hpp"

namespace ncbctl::run {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::int64_t now_s() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

std::string hostname() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
    return buf;
}

bool pid_alive(std::int64_t pid) {
    if (pid <= 0) return false;
    return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

class LocalLock final : public LockBackend {
public:
    explicit LocalLock(std::string dir)
        : dir_(std::move(dir)), lock_path_(dir_ + "/lock"), json_path_(dir_ + "/lock.json") {}

    Result<std::optional<LockHolder>> try_acquire(const LockHolder& me, const Deadline& deadline) override {
        std::lock_guard lock(mu_);
        if (auto d = util::create_private_directories(dir_); !d)
            return fail(ErrorCode::Io, "cannot create state dir " + dir_ + ": " + d.error().message);
        for (;;) {
            util::Fd fd(::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
            if (!fd.valid()) return fail(ErrorCode::Io, "cannot open " + lock_path_ + ": " + std::strerror(errno));
            if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
                if (errno != EWOULDBLOCK)
                    return fail(ErrorCode::Io, "flock " + lock_path_ + ": " + std::strerror(errno));
                auto holder = read_json();
                // The holder JSON lags the flock by a few microseconds, and `lock status` holds the flock for
                // an instant: retry briefly before naming a holder that is not there.
                bool settled = holder && !(holder->host == hostname() && !pid_alive(holder->pid));
                if (settled || deadline.expired()) {
                    if (holder) return holder;
                    return LockHolder{.run_id = "unknown", .command = "(holder not recorded yet)"};
                }
                std::this_thread::sleep_for(20ms);
                continue;
            }
            if (!same_file(fd.get())) continue;  // broken between open and flock: take the new file
            auto written = write_json(me);
            if (!written) return fail(written.error());
            fd_ = std::move(fd);
            return std::optional<LockHolder>{};
        }
    }

    Status heartbeat(const LockHolder& me, const Deadline&) override {
        std::lock_guard lock(mu_);
        if (!fd_.valid()) return fail(ErrorCode::Lock, "the cluster lock is not held by this run");
        auto cur = read_json();
        if (!same_file(fd_.get()) || !cur || cur->run_id != me.run_id)
            return fail(ErrorCode::Lock, "the cluster lock " + lock_path_ +
                                             " was broken under this run (ncbctl lock release --force?); stopping");
        LockHolder h = me;
        h.heartbeat = now_s();
        return write_json(h);
    }

    Status release(const LockHolder& me, const Deadline&) override {
        std::lock_guard lock(mu_);
        if (!fd_.valid()) return {};
        if (auto cur = read_json(); cur && cur->run_id == me.run_id && same_file(fd_.get()))
            ::unlink(json_path_.c_str());
        fd_.reset();
        return {};
    }

    Result<std::optional<LockHolder>> read(const Deadline&) override {
        std::lock_guard lock(mu_);
        auto holder = read_json();
        if (!holder) return std::optional<LockHolder>{};
        if (fd_.valid()) return holder;  // ours
        util::Fd fd(::open(lock_path_.c_str(), O_RDWR | O_CLOEXEC));
        if (!fd.valid()) return std::optional<LockHolder>{};
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
            ::flock(fd.get(), LOCK_UN);
            return std::optional<LockHolder>{};  // left by a process that died: nobody holds the lock
        }
        return holder;
    }

    Status break_lock(const LockHolder& stale, const Deadline&) override {
        std::lock_guard lock(mu_);
        auto cur = read_json();
        if (!cur) return {};
        if (cur->run_id != stale.run_id)
            return fail(ErrorCode::Conflict,
                        "the lock changed hands meanwhile (now " + describe(*cur) + "); not broken");
        ::unlink(json_path_.c_str());
        ::unlink(lock_path_.c_str());
        return {};
    }

private:
    bool same_file(int fd) const {
        struct stat a {
        }, b{};
        return ::fstat(fd, &a) == 0 && ::stat(lock_path_.c_str(), &b) == 0 && a.st_ino == b.st_ino &&
               a.st_dev == b.st_dev;
    }

    std::optional<LockHolder> read_json() const {
        std::ifstream in(json_path_);
        if (!in) return std::nullopt;
        std::stringstream ss;
        ss << in.rdbuf();
        auto j = nlohmann::json::parse(ss.str(), nullptr, false);
        if (j.is_discarded() || !j.is_object()) return std::nullopt;
        return util::holder_with_checked_run_id(util::holder_from_json(j), "lock.json");
    }

    Status write_json(const LockHolder& h) const {
        return util::write_file_atomic(json_path_, util::holder_to_json(h).dump() + "\n", 0600);
    }

    std::string dir_, lock_path_, json_path_;
    std::mutex mu_;
    util::Fd fd_;
};

}  // namespace

std::unique_ptr<LockBackend> make_local_lock(const std::string& state_dir) {
    return std::make_unique<LocalLock>(state_dir);
}

LockHolder make_holder(const std::string& run_id, const std::string& command) {
    LockHolder h;
    h.run_id = run_id;
    h.command = command;
    if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr) h.user = pw->pw_name;
    h.host = hostname();
    h.pid = ::getpid();
    h.started = h.heartbeat = now_s();
    return h;
}

bool holder_is_stale(const LockHolder& h, Seconds stale_after) {
    if (h.host == hostname() && !pid_alive(h.pid)) return true;
    return now_s() - h.heartbeat > stale_after.count();
}

std::string describe(const LockHolder& h) {
    const std::string when = util::format_utc(h.started, "%Y-%m-%d %H:%M:%S UTC");
    // Every field comes from a file (local or on a node): shown escaped, never raw to the terminal.
    return "run " + util::quote(h.run_id) + " (" + util::quote(h.command) + ") by " + util::quote(h.user) + "@" +
           util::quote(h.host) + " pid " + std::to_string(h.pid) + ", started " + when + ", heartbeat " +
           std::to_string(std::max<std::int64_t>(0, now_s() - h.heartbeat)) + "s ago";
}

ClusterLock::ClusterLock(LockBackend& b, LockHolder me, Duration interval, Seconds stale_after)
    : backend_(b),
      me_(std::move(me)),
      interval_(interval),
      stale_after_(stale_after),
      renewed_(Clock::now().time_since_epoch().count()),
      thread_([this] { beat(); }) {}

bool ClusterLock::fresh() const {
    const Clock::time_point renewed{Clock::duration{renewed_.load()}};
    return Clock::now() - renewed < std::chrono::duration_cast<Clock::duration>(stale_after_) / 2;
}

Result<std::unique_ptr<ClusterLock>> ClusterLock::acquire(LockBackend& backend, const LockHolder& me, Duration wait,
                                                          Seconds stale_after) {
    const Deadline until = Deadline::after(wait);
    for (;;) {
        auto got = backend.try_acquire(me, Deadline::after(2s));
        if (!got) return fail(got.error());
        if (!*got) {
            const Duration interval = std::clamp<Duration>(std::chrono::duration_cast<Duration>(stale_after) / 4,
                                                           Duration{1000}, Duration{30000});
            return std::unique_ptr<ClusterLock>(new ClusterLock(backend, me, interval, stale_after));
        }
        const LockHolder& other = **got;
        if (other.run_id != "unknown" && holder_is_stale(other, stale_after)) {
            std::fprintf(stderr, "warning: breaking a stale cluster lock: %s\n", describe(other).c_str());
            if (auto b = backend.break_lock(other, Deadline::after(10s)); !b) return fail(b.error());
            continue;
        }
        if (until.expired() || stop_requested())
            return fail(ErrorCode::Lock, "the cluster lock is held by " + describe(other) +
                                             "; wait for it (--lock-wait DURATION) or see `ncbctl lock status`");
        std::this_thread::sleep_for(std::min<Duration>(Duration{500}, until.remaining()));
    }
}

void ClusterLock::beat() {
    // A backend that hangs costs one renewal 10 s at most; the executor's fresh() check does not wait for it.
    const Duration timeout{10000};
    bool failing = false, lapsed = false;
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
        lock.unlock();
        auto st = backend_.heartbeat(me_, Deadline::after(timeout));
        if (st) {
            renewed_ = Clock::now().time_since_epoch().count();
            if (failing) std::fprintf(stderr, "warning: the cluster lock is renewed again\n");
            failing = lapsed = false;
        } else if (st.error().code == ErrorCode::Lock) {
            std::fprintf(stderr, "error: %s\n", st.error().message.c_str());
            if (!stop_requested()) request_interrupt();
        } else {
            if (!failing)
                std::fprintf(stderr,
                             "warning: cannot renew the cluster lock: %s; retrying (no new step starts once it was "
                             "not renewed for %llds)\n",
                             st.error().message.c_str(), static_cast<long long>(stale_after_.count() / 2));
            failing = true;
            if (!fresh() && !lapsed) {
                lapsed = true;
                std::fprintf(stderr,
                             "error: the cluster lock was not renewed for %llds (lock.stale_after %llds: other runs "
                             "may take it then); starting nothing new, running steps finish\n",
                             static_cast<long long>(stale_after_.count() / 2),
                             static_cast<long long>(stale_after_.count()));
                if (!stop_requested()) request_interrupt();
            }
        }
        lock.lock();
    }
}

ClusterLock::~ClusterLock() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    (void)backend_.release(me_, Deadline::after(std::chrono::seconds(10)));
}

Result<std::unique_ptr<ClusterLock>> acquire_cluster_lock(LockBackend& backend, const std::string& run_id,
                                                          const std::string& command, Duration wait,
                                                          Seconds stale_after) {
    return ClusterLock::acquire(backend, make_holder(run_id, command), wait, stale_after);
}

ExitCode lock_failure_exit(const Error& e) {
    switch (e.code) {
        case ErrorCode::Lock:
            return ExitCode::LockHeld;
        case ErrorCode::Inventory:
        case ErrorCode::Usage:
            return ExitCode::Usage;
        case ErrorCode::Unreachable:
        case ErrorCode::Timeout:
        case ErrorCode::Auth:
        case ErrorCode::HostKey:
            return ExitCode::Preflight;
        default:
            return ExitCode::Failed;
    }
}

}  // namespace ncbctl::run
