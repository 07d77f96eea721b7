#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/inventory_load.hpp"
#include "cli/logging.hpp"
#include "util/quote.hpp"

namespace ncbctl::cli {

int run(int argc, char** argv) {
    Context ctx;
    CLI::App app{"ncbctl: safe, resumable maintenance of NocoBase clusters", "ncbctl"};
    app.set_version_flag("--version", std::string("ncbctl ") + NCBCTL_VERSION);
    app.require_subcommand(1);
    app.fallthrough();
    app.add_option("-i,--inventory", ctx.opts.inventory,
                   "Inventory file (default: $NCBCTL_INVENTORY, then ./ncbctl.yaml)");
    app.add_option("--output", ctx.opts.output, "Output format on stdout")->check(CLI::IsMember({"text", "json"}));
    app.add_flag("-q,--quiet", ctx.opts.quiet, "Print only errors and the final line");
    app.add_flag("-v,--verbose", ctx.opts.verbose, "More logs on stderr (repeat for more)");
    app.add_flag("--no-color", ctx.opts.no_color, "No colors (also NO_COLOR)");
    app.add_flag("-y,--yes", ctx.opts.yes, "Answer yes to confirmations (non-interactive)");
    app.add_option("--state-dir", ctx.opts.state_dir,
                   "Journals, lock and state (default: $XDG_STATE_HOME/ncbctl/<cluster>)");
    register_commands(app, ctx);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        if (auto unknown = unknown_command_message(app, argc, argv)) {
            std::cerr << "ncbctl: " << util::quote(*unknown) << '\n';
            return to_int(ExitCode::Usage);
        }
        // CLI11 echoes the arguments it did not expect: escaped, so none can drive the terminal.
        std::cerr << "ncbctl: " << util::quote(e.what()) << "\n"
                  << "Run `ncbctl --help` for usage.\n";
        return to_int(ExitCode::Usage);
    }
    setup_logging(ctx.opts.verbose, ctx.opts.quiet, ctx.color());
    if (!ctx.action) {
        std::cerr << "ncbctl: no command given; run `ncbctl --help`\n";
        return to_int(ExitCode::Usage);
    }
    try {
        return to_int(ctx.action());
    } catch (const InterruptedWhileLoading&) {
        std::cerr << "ncbctl: interrupted while loading the inventory; nothing was done\n";
        return to_int(ExitCode::Interrupted);
    } catch (const std::exception& e) {
        spdlog::critical("internal error (a bug, please report it): {}", e.what());
        return to_int(ExitCode::Failed);
    }
}

}  // namespace ncbctl::cli
