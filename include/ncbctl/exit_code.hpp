#pragma once
// The documented exit-code table (docs/exit-codes.md). CI jobs depend on these values: never renumber.

namespace ncbctl {

enum class ExitCode : int {
    Ok = 0,             // success
    Failed = 1,         // failed; cluster left in a safe state described in the summary
    Usage = 2,          // usage or inventory error; nothing done
    Preflight = 3,      // preflight failed; nothing changed
    LockHeld = 4,       // another run holds the cluster lock
    RolledBack = 5,     // verification failed; rolled back, traffic restored
    NeedsHuman = 6,     // failed and left in maintenance: a human is needed
    Interrupted = 130,  // SIGINT/SIGTERM; journal saved, `ncbctl resume` continues
};

constexpr int to_int(ExitCode c) noexcept {
    return static_cast<int>(c);
}

}  // namespace ncbctl
