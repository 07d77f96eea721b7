#pragma once
// The cluster lock in use: the local backend (flock on `<state>/lock` + holder JSON `<state>/lock.json`),
// staleness, and ClusterLock, which holds a backend's lock for one run and refreshes its heartbeat on a
// thread. Failure semantics: acquire() fails with ErrorCode::Lock naming the holder when another live run
// holds the lock after `wait`; a lock whose heartbeat is older than `stale_after` (or whose holder process
// on this host is gone) is broken with a warning. When the heartbeat finds the lock broken under it, the run
// is interrupted (request_interrupt) so it starts nothing new.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "ncbctl/inventory.hpp"
#include "ncbctl/lock.hpp"

namespace ncbctl::run {

std::unique_ptr<LockBackend> make_local_lock(const std::string& state_dir);
// The inventory's backend: `local` (state dir) or `node` (shared, on lock.node over SSH).
Result<std::unique_ptr<LockBackend>> make_lock_backend(const Inventory& inv, const std::string& state_dir);

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

private:
    ClusterLock(LockBackend& b, LockHolder me, Duration interval);
    void beat();
    LockBackend& backend_;
    LockHolder me_;
    Duration interval_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace ncbctl::run
