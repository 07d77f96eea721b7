#pragma once
// Process-wide cancellation, raised by the SIGINT/SIGTERM handler (src/run/). The first interrupt asks the
// engine to start no new step; the second asks in-flight I/O (HTTP transfers, child processes) to abort.
namespace ncbctl {

void request_interrupt() noexcept;  // async-signal-safe
int interrupt_count() noexcept;     // 0 none, 1 graceful, >=2 abort now
inline bool stop_requested() noexcept {
    return interrupt_count() >= 1;
}
inline bool abort_requested() noexcept {
    return interrupt_count() >= 2;
}
void reset_interrupts() noexcept;  // tests only

}  // namespace ncbctl
