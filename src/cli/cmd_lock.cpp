// `ncbctl lock status` / `ncbctl lock release --force`: the cluster lock, read and (when stale) broken.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

#include "cli/context.hpp"
#include "run/cluster_lock.hpp"
#include "wiring/wiring.hpp"

namespace ncbctl::cli {
namespace {

using namespace std::chrono_literals;

nlohmann::json holder_json(const LockHolder& h) {
    return {{"run_id", h.run_id}, {"command", h.command}, {"user", h.user},          {"host", h.host},
            {"pid", h.pid},       {"started", h.started}, {"heartbeat", h.heartbeat}};
}

ExitCode status(const Context& ctx) {
    auto inv = ctx.load();
    if (!inv) return ExitCode::Usage;
    auto backend = wiring::make_lock_backend(*inv, ctx.state_dir_for(inv->cluster));
    if (!backend) {
        std::cerr << "ncbctl: " << backend.error().message << '\n';
        return ExitCode::Usage;
    }
    auto holder = (*backend)->read(Deadline::after(30s));
    if (!holder) {
        std::cerr << "ncbctl: cannot read the cluster lock: " << holder.error().message << '\n';
        return run::lock_failure_exit(holder.error());
    }
    const bool stale = *holder && run::holder_is_stale(**holder, inv->lock.stale_after);
    if (ctx.format() == OutputFormat::Json) {
        nlohmann::json out{{"cluster", inv->cluster}, {"backend", inv->lock.backend}, {"held", holder->has_value()}};
        if (*holder) {
            out["holder"] = holder_json(**holder);
            out["stale"] = stale;
        }
        std::cout << out.dump(2) << '\n';
    } else if (!*holder) {
        std::cout << "lock of cluster " << inv->cluster << ": free\n";
    } else {
        std::cout << "lock of cluster " << inv->cluster << ": held by " << run::describe(**holder)
                  << (stale ? " (STALE: `ncbctl lock release --force` breaks it)" : "") << '\n';
    }
    return ExitCode::Ok;
}

ExitCode release(const Context& ctx, bool force) {
    if (!force) {
        std::cerr << "ncbctl: lock release breaks another run's lock; it needs --force (and refuses while that "
                     "run's heartbeat is fresh)\n";
        return ExitCode::Usage;
    }
    auto inv = ctx.load();
    if (!inv) return ExitCode::Usage;
    auto backend = wiring::make_lock_backend(*inv, ctx.state_dir_for(inv->cluster));
    if (!backend) {
        std::cerr << "ncbctl: " << backend.error().message << '\n';
        return ExitCode::Usage;
    }
    auto holder = (*backend)->read(Deadline::after(30s));
    if (!holder) {
        std::cerr << "ncbctl: cannot read the cluster lock: " << holder.error().message << '\n';
        return run::lock_failure_exit(holder.error());
    }
    if (!*holder) {
        std::cout << "lock of cluster " << inv->cluster << ": already free\n";
        return ExitCode::Ok;
    }
    if (!run::holder_is_stale(**holder, inv->lock.stale_after)) {
        std::cerr << "ncbctl: refusing: the lock is held by " << run::describe(**holder)
                  << ", and its heartbeat is fresh (stale after " << inv->lock.stale_after.count()
                  << "s); stop that run (Ctrl-C) instead\n";
        return ExitCode::LockHeld;
    }
    if (auto st = (*backend)->break_lock(**holder, Deadline::after(30s)); !st) {
        std::cerr << "ncbctl: " << st.error().message << '\n';
        return run::lock_failure_exit(st.error());
    }
    std::cout << "released the stale lock of " << run::describe(**holder) << '\n';
    return ExitCode::Ok;
}

}  // namespace

void register_lock(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("lock", "The cluster lock: who holds it; break a stale one");
    cmd->require_subcommand(1);
    auto* st = cmd->add_subcommand("status", "Holder (run, command, user@host, pid, heartbeat) or free");
    st->callback([&ctx] { ctx.action = [&ctx] { return status(ctx); }; });
    auto* rel = cmd->add_subcommand("release", "Break a stale lock (refused while the holder's heartbeat is fresh)");
    auto force = std::make_shared<bool>(false);
    rel->add_flag("--force", *force, "Required: breaking a lock is never implicit");
    rel->callback([&ctx, force] { ctx.action = [&ctx, force] { return release(ctx, *force); }; });
}

}  // namespace ncbctl::cli
