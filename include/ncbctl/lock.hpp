#pragma once
// The cluster lock port: one run at a time per cluster (an upgrade and a cron backup never overlap).
// Backends: local flock on a file in the state dir (src/run/), and shared ones for several operators or CI
// runners: on a node (atomic mkdir over SSH, src/drivers/ssh/) or in Redis (SET NX PX, src/lock/).
#include <cstdint>
#include <optional>
#include <string>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"

namespace ncbctl {

struct LockHolder {
    std::string run_id;
    std::string command;  // e.g. "upgrade --to 2.2.16"
    std::string user;
    std::string host;
    std::int64_t pid = 0;
    std::int64_t started = 0;    // unix seconds
    std::int64_t heartbeat = 0;  // unix seconds, refreshed while the run lives
};

class LockBackend {
public:
    virtual ~LockBackend() = default;
    LockBackend() = default;
    LockBackend(const LockBackend&) = delete;
    LockBackend& operator=(const LockBackend&) = delete;

    // Takes the lock for `me`. Returns the current holder (and does not take it) when someone else has it.
    virtual Result<std::optional<LockHolder>> try_acquire(const LockHolder& me, const Deadline&) = 0;
    virtual Status heartbeat(const LockHolder& me, const Deadline&) = 0;
    virtual Status release(const LockHolder& me, const Deadline&) = 0;
    virtual Result<std::optional<LockHolder>> read(const Deadline&) = 0;
    // Removes a lock whose holder is `stale` (same run id); refuses when it changed meanwhile.
    virtual Status break_lock(const LockHolder& stale, const Deadline&) = 0;
};

}  // namespace ncbctl
