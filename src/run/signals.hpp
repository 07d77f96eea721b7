#pragma once
// SIGINT/SIGTERM -> request_interrupt() (include/ncbctl/cancel.hpp) for the lifetime of a run; the previous
// handlers come back on destruction. The first signal prints how the run stops; the second, that it aborts.
#include <csignal>

namespace ncbctl::run {

class SignalGuard {
public:
    SignalGuard();
    ~SignalGuard();
    SignalGuard(const SignalGuard&) = delete;
    SignalGuard& operator=(const SignalGuard&) = delete;

private:
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
};

}  // namespace ncbctl::run
