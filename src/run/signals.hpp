#pragma once
// SIGINT/SIGTERM -> request_interrupt() (include/ncbctl/cancel.hpp) for the lifetime of a run; the previous
// handlers come back on destruction. The first signal prints how the run stops; the second, that it aborts.
// Installed even when the signal was ignored (a background job of a script): an interrupt always counts.
#include <csignal>

namespace ncbctl::run {

// Run: the engine's notices on stderr. Quiet: nothing printed (loading the inventory: the command says
// it was interrupted when the load returns).
enum class SignalNotice { Run, Quiet };

class SignalGuard {
public:
    explicit SignalGuard(SignalNotice notice = SignalNotice::Run);
    ~SignalGuard();
    SignalGuard(const SignalGuard&) = delete;
    SignalGuard& operator=(const SignalGuard&) = delete;

private:
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
};

}  // namespace ncbctl::run
