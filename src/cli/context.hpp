#pragma once
// What every command sees: the global flags, resolved once. Commands read the inventory through
// load() so the path rule (-i, $NCBCTL_INVENTORY, ./ncbctl.yaml) lives in one place.
#include <functional>
#include <optional>
#include <string>

#include "ncbctl/exit_code.hpp"
#include "ncbctl/inventory.hpp"

namespace CLI {
class App;
}

namespace ncbctl::cli {

enum class OutputFormat { Text, Json };

struct GlobalOptions {
    std::string inventory;  // -i / --inventory
    std::string output = "text";
    bool quiet = false;
    int verbose = 0;
    bool no_color = false;
    bool yes = false;
    std::string state_dir;
};

struct Context {
    GlobalOptions opts;
    // Set by the chosen subcommand's callback; main runs it after parsing.
    std::function<ExitCode()> action;

    [[nodiscard]] OutputFormat format() const {
        return opts.output == "json" ? OutputFormat::Json : OutputFormat::Text;
    }
    [[nodiscard]] std::string inventory_path() const;
    [[nodiscard]] bool color() const;  // tty, no --no-color, no NO_COLOR
    // Loads the inventory or prints every diagnostic to stderr and returns nullopt (caller exits 2).
    [[nodiscard]] std::optional<Inventory> load() const;
    // State dir for a cluster: --state-dir, else $XDG_STATE_HOME/ncbctl/<cluster>, else ~/.local/state/...
    [[nodiscard]] std::string state_dir_for(const std::string& cluster) const;
};

// One registration function per subcommand, each in its own cmd_<name>.cpp.
using RegisterFn = void (*)(CLI::App&, Context&);

}  // namespace ncbctl::cli
