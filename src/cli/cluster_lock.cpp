#include "cli/cluster_lock.hpp"

#include "cli/run_options.hpp"
#include "run/journal.hpp"
#include "wiring/wiring.hpp"

namespace ncbctl::cli {

std::expected<run::HeldLock, LockRefused> hold_cluster_lock(const Context& ctx, const Inventory& inv,
                                                            const std::string& command, Duration wait) {
    run::HeldLock held;
    auto backend = wiring::make_lock_backend(inv, ctx.state_dir_for(inv.cluster));
    if (!backend) return std::unexpected(LockRefused{ExitCode::Usage, backend.error().message});
    held.backend = std::move(*backend);
    auto lock = run::acquire_cluster_lock(*held.backend, new_run_id(), command, wait, inv.lock.stale_after);
    if (!lock) return std::unexpected(LockRefused{run::lock_failure_exit(lock.error()), lock.error().message});
    held.lock = std::move(*lock);
    return held;
}

workflow::TakeLock job_lock(const Context& ctx, const Inventory& inv, Duration wait) {
    return [&ctx, &inv, wait](const std::string& command) { return hold_cluster_lock(ctx, inv, command, wait); };
}

workflow::TakeLock job_lock(const Context& ctx, const Inventory& inv, const std::string& lock_wait) {
    return [&ctx, &inv, lock_wait](const std::string& command) -> std::expected<run::HeldLock, LockRefused> {
        auto wait = parse_lock_wait(lock_wait);
        if (!wait) return std::unexpected(LockRefused{ExitCode::Usage, wait.error().message});
        return hold_cluster_lock(ctx, inv, command, *wait);
    };
}

}  // namespace ncbctl::cli
