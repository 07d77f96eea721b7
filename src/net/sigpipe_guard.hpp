#pragma once
// While one lives, a write to a closed pipe or socket on this thread fails with EPIPE instead of raising
// SIGPIPE (which would end ncbctl): SIGPIPE is blocked, and one raised meanwhile is taken before the old
// mask comes back. For writes that cannot pass MSG_NOSIGNAL (a pipe, OpenSSL's socket BIO). errno is kept.
#include <csignal>

namespace ncbctl::net {

class SigpipeGuard {
public:
    SigpipeGuard();
    ~SigpipeGuard();
    SigpipeGuard(const SigpipeGuard&) = delete;
    SigpipeGuard& operator=(const SigpipeGuard&) = delete;

private:
    sigset_t old_{};
};

}  // namespace ncbctl::net
