// `ncbctl resume [RUN]`: continue an interrupted run from its journal (finished steps skipped, the step in
// flight re-run).
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "cli/context.hpp"
#include "cli/run_options.hpp"
#include "cli/run_setup.hpp"
#include "run/session.hpp"

namespace ncbctl::cli {
namespace {

struct ResumeFlags {
    std::string run_id;
    bool force = false;
    RunFlags run;
};

ExitCode resume(const Context& ctx, const ResumeFlags& flags) {
    auto inv = ctx.load();
    if (!inv) return ExitCode::Usage;
    auto opts = session_options(ctx, *inv, flags.run);
    if (!opts) {
        std::cerr << "ncbctl: " << opts.error().message << '\n';
        return ExitCode::Usage;
    }
    auto record = run::find_resumable(opts->state_dir, flags.run_id, inv->content_hash, flags.force);
    if (!record) {
        std::cerr << "ncbctl: " << record.error().message << '\n';
        return ExitCode::Usage;
    }
    if (record->inventory_hash != inv->content_hash)
        std::cerr << "ncbctl: warning: the inventory changed since run " << record->run_id
                  << " started; resuming anyway (--force)\n";
    auto setup = make_run_setup(*inv, opts->state_dir, record->run_id);
    if (!setup) return setup.error();
    return run::resume_run(*record, *setup->runner, *setup->lock, *opts);
}

}  // namespace

void register_resume(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("resume", "Continue an interrupted run (default: the newest resumable one)");
    auto flags = std::make_shared<ResumeFlags>();
    cmd->add_option("RUN", flags->run_id, "Run id (see runs list)")->check(CLI::Validator(run_id_problem, "RUN"));
    cmd->add_flag("--force", flags->force, "Resume even though the inventory changed since the run started");
    add_run_flags(*cmd, flags->run);
    cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return resume(ctx, *flags); }; });
}

}  // namespace ncbctl::cli
