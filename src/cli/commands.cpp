#include "cli/commands.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>

#include "inventory/suggest.hpp"

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

namespace {

std::vector<const CLI::App*> subcommands_of(const CLI::App& app) {
    // Hidden ones (empty group, e.g. __complete) are neither listed nor suggested.
    return app.get_subcommands([](const CLI::App* a) { return !a->get_name().empty() && !a->get_group().empty(); });
}

// Whether `arg` is an option of `app` or an enclosing command that takes a value in the next argument.
bool takes_value(const CLI::App* app, const std::string& arg) {
    if (arg.starts_with("--") && arg.find('=') != std::string::npos) return false;
    for (; app != nullptr; app = app->get_parent()) {
        if (const CLI::Option* o = app->get_option_no_throw(arg)) return o->get_type_size_min() > 0;
    }
    return false;
}

}  // namespace

std::optional<std::string> unknown_command_message(const CLI::App& app, int argc, const char* const* argv) {
    const CLI::App* cur = &app;
    std::string path = "ncbctl";
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--") break;
        if (arg.starts_with('-')) {
            if (takes_value(cur, arg)) ++i;
            continue;
        }
        const auto subs = subcommands_of(*cur);
        if (subs.empty()) return std::nullopt;  // an argument of a command: CLI11's message says it well
        const auto it = std::find_if(subs.begin(), subs.end(), [&](const CLI::App* a) { return a->check_name(arg); });
        if (it != subs.end()) {
            cur = *it;
            path += " " + arg;
            continue;
        }
        std::vector<std::string_view> names;
        std::string list;
        for (const CLI::App* a : subs) {
            names.push_back(a->get_name());
            list += (list.empty() ? "" : ", ") + a->get_name();
        }
        // Shown cut and with control characters made visible: it is the user's input echoed back.
        std::string shown = arg.substr(0, 40);
        for (char& c : shown)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
        std::string msg = "unknown command `" + shown + "` for `" + path + "`";
        if (auto s = inv::suggest(arg, names)) msg += "; did you mean `" + *s + "`?";
        return msg + " (commands: " + list + "; see `" + path + " --help`)";
    }
    return std::nullopt;
}

}  // namespace ncbctl::cli
