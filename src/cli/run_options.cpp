#include "cli/run_options.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>

#include "inventory/values.hpp"
#include "util/quote.hpp"
#include "util/run_id.hpp"
#include "util/shell_text.hpp"

namespace ncbctl::cli {

void add_run_flags(CLI::App& cmd, RunFlags& flags) {
    cmd.add_option("--parallel", flags.parallel, "Steps run at once within a phase")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd.add_option("--lock-wait", flags.lock_wait, "Wait this long for the cluster lock (e.g. 30s, 5m); 0: do not")
        ->capture_default_str();
    cmd.add_option("--max-out-of-service", flags.max_out_of_service,
                   "Most nodes taken out of service at once by steps that count (0: no limit)")
        ->check(CLI::Validator(
            [](const std::string& v) {
                const bool digits = !v.empty() && v.size() <= 6 &&
                                    std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
                return digits ? std::string()
                              : (util::is_printable(v.substr(0, 20)) ? "`" + v.substr(0, 20) + "`"
                                                                     : util::quote(v.substr(0, 20))) +
                                    " is not a number of nodes (0 to 999999; 0: no limit)";
            },
            "COUNT"));
}

std::string run_id_problem(const std::string& v) {
    return util::is_run_id(v)
               ? std::string()
               : util::quote(v) + " is not a run id (" + std::string(util::kRunIdShape) + "; see `ncbctl runs list`)";
}

Result<Duration> parse_lock_wait(const std::string& value) {
    auto d = ncbctl::inv::parse_wait(value);
    if (!d)
        return fail(ErrorCode::Usage, "--lock-wait " + value +
                                          ": not a duration (30s, 5m, 1h; 0 or 0s: fail at once if the lock is held)");
    return std::chrono::duration_cast<Duration>(*d);
}

Result<run::SessionOptions> session_options(const Context& ctx, const Inventory& inv, const RunFlags& flags) {
    run::SessionOptions o;
    o.state_dir = ctx.state_dir_for(inv.cluster);
    o.ncbctl_prefix = "ncbctl";
    if (!ctx.opts.inventory.empty()) o.ncbctl_prefix += " -i " + util::shell_quote(ctx.opts.inventory);
    if (!ctx.opts.state_dir.empty()) o.ncbctl_prefix += " --state-dir " + util::shell_quote(ctx.opts.state_dir);
    o.parallel = flags.parallel;
    o.max_out_of_service = flags.max_out_of_service;
    auto wait = parse_lock_wait(flags.lock_wait);
    if (!wait) return std::unexpected(wait.error());
    o.lock_wait = *wait;
    o.stale_after = inv.lock.stale_after;
    o.color = ctx.color();
    if (ctx.format() == OutputFormat::Json)
        o.reporter = run::ReporterKind::Json;
    else if (ctx.opts.quiet)
        o.reporter = run::ReporterKind::Quiet;
    else if (::isatty(STDERR_FILENO) != 0)
        o.reporter = run::ReporterKind::Tty;
    else
        o.reporter = run::ReporterKind::Plain;
    return o;
}

}  // namespace ncbctl::cli
