#include "cli/commands.hpp"

#include <CLI/CLI.hpp>

namespace ncbctl::cli {

// One line per subcommand, each defined in its own cmd_<name>.cpp.
void register_validate(CLI::App&, Context&);
void register_plan(CLI::App&, Context&);
void register_runs(CLI::App&, Context&);
void register_lock(CLI::App&, Context&);
void register_resume(CLI::App&, Context&);
void register_upgrade(CLI::App&, Context&);
void register_start(CLI::App&, Context&);
void register_stop(CLI::App&, Context&);
void register_backup(CLI::App&, Context&);
void register_maintain(CLI::App&, Context&);
void register_plugin(CLI::App&, Context&);
void register_migrate(CLI::App&, Context&);
void register_status(CLI::App&, Context&);
void register_rollback(CLI::App&, Context&);
void register_traffic(CLI::App&, Context&);
void register_logs(CLI::App&, Context&);
void register_init(CLI::App&, Context&);
void register_meta(CLI::App&, Context&);

void register_commands(CLI::App& app, Context& ctx) {
    // clang-format off
    static constexpr RegisterFn kCommands[] = {
        register_init,
        register_validate,
        register_status,
        register_logs,
        register_plan,
        register_upgrade,
        register_start,
        register_stop,
        register_resume,
        register_rollback,
        register_runs,
        register_lock,
        register_traffic,
        register_backup,
        register_maintain,
        register_plugin,
        register_migrate,
        register_meta,  // hidden: __man, __completion, __complete (build and shells)
    };
    // clang-format on
    for (RegisterFn fn : kCommands) fn(app, ctx);
}

}  // namespace ncbctl::cli
