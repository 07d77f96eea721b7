#pragma once
// The cluster lock in use: the local backend (flock on `<state>/lock` + holder JSON `<state>/lock.json`),
// staleness, and ClusterLock, which holds a backend's lock for one run and refreshes its heartbeat on a
// thread. Failure semantics: acquire() fails with ErrorCode::Lock naming the holder when another live run
// holds the lock after `wait`; a lock whose heartbeat is older than `stale_after` (or whose holder process
// on this host is gone) is broken with a warning. When the heartbeat finds the lock broken under it, the run
// is interrupted (request_interrupt) so it starts nothing new. When the backend does not answer (Redis or the
// lock node gone), the heartbeat keeps retrying; once the lock was not renewed for stale_after/2 it is no
// longer fresh(): the run is interrupted the same way (others may take the lock at stale_after), and the
// executor asks fresh() before every step it starts.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "ncbctl/exit_code.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/lock.hpp"

namespace ncbctl::run {

std::unique_ptr<LockBackend> make_local_lock(const std::string& state_dir);

LockHolder make_holder(const std::string& run_id, const std::string& command);
// Heartbeat older than stale_after, or the holder was a process of this host that no longer exists.
bool holder_is_stale(const LockHolder& h, Seconds stale_after);
// "run R (upgrade --to V) by user@host pid N, started 12:01:02 UTC, heartbeat 3s ago"
std::string describe(const LockHolder& h);

class ClusterLock {
public:
    static Result<std::unique_ptr<ClusterLock>> acquire(LockBackend& backend, const LockHolder& me, Duration wait,
                                                        Seconds stale_after);
    ~ClusterLock();  // stops the heartbeat, releases
    ClusterLock(const ClusterLock&) = delete;
    ClusterLock& operator=(const ClusterLock&) = delete;
    [[nodiscard]] const LockHolder& holder() const { return me_; }
    // Renewed (or taken) less than stale_after/2 ago: a new step may start under it.
    [[nodiscard]] bool fresh() const;

private:
    ClusterLock(LockBackend& b, LockHolder me, Duration interval, Seconds stale_after);
    void beat();
    LockBackend& backend_;
    LockHolder me_;
    Duration interval_;
    Seconds stale_after_;
    std::atomic<Clock::rep> renewed_;  // steady clock ticks of the last acquisition or renewal
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::thread thread_;
};

// The cluster lock one command holds: its backend and the lock, released (heartbeat stopped) when this
// goes out of scope. Every command that changes the cluster takes it through acquire_cluster_lock.
struct HeldLock {
    std::unique_ptr<LockBackend> backend;  // declared first: the lock refers to it
    std::unique_ptr<ClusterLock> lock;
};

// Takes the lock on `backend` for `command` as run `run_id`, waiting up to `wait`; every command and workflow
// takes it this way. Failure: ErrorCode::Lock naming the holder when another live run holds it (the caller
// exits 4), another code when the backend cannot be read or written.
Result<std::unique_ptr<ClusterLock>> acquire_cluster_lock(LockBackend& backend, const std::string& run_id,
                                                          const std::string& command, Duration wait,
                                                          Seconds stale_after);

// The exit code of a command whose lock could not be taken (docs/exit-codes.md): 4 when another run holds
// it; 2 for the lock's inventory settings (e.g. a password variable that is not set); 3 when the backend
// does not answer or refuses the credentials (nothing was done); 1 otherwise.
ExitCode lock_failure_exit(const Error& e);

}  // namespace ncbctl::run
