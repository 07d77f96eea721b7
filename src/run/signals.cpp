#include "run/signals.hpp"

#include <unistd.h>

#include "ncbctl/cancel.hpp"

namespace ncbctl::run {
namespace {

void on_signal(int) {
    request_interrupt();
    // Only async-signal-safe calls here: write(2) of constant text.
    static constexpr char kFirst[] =
        "\nncbctl: interrupted: starting no new step, letting running steps finish (again to abort them)\n";
    static constexpr char kSecond[] = "\nncbctl: aborting running steps; the journal stays consistent\n";
    if (interrupt_count() == 1)
        (void)!::write(STDERR_FILENO, kFirst, sizeof kFirst - 1);
    else if (interrupt_count() == 2)
        (void)!::write(STDERR_FILENO, kSecond, sizeof kSecond - 1);
}

void on_signal_quiet(int) {
    request_interrupt();
}

}  // namespace

SignalGuard::SignalGuard(SignalNotice notice) {
    struct sigaction sa {};
    sa.sa_handler = notice == SignalNotice::Run ? on_signal : on_signal_quiet;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
}

SignalGuard::~SignalGuard() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
}

}  // namespace ncbctl::run
