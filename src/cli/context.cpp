#include "cli/context.hpp"
#include "cli/inventory_load.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "ncbctl/cancel.hpp"
#include "run/signals.hpp"

namespace ncbctl::cli {

std::string Context::inventory_path() const {
    if (!opts.inventory.empty()) return opts.inventory;
    if (const char* env = std::getenv("NCBCTL_INVENTORY"); env != nullptr && *env != '\0') return env;
    return "ncbctl.yaml";
}

bool Context::color() const {
    if (opts.no_color) return false;
    if (const char* nc = std::getenv("NO_COLOR"); nc != nullptr && *nc != '\0') return false;
    return ::isatty(STDERR_FILENO) != 0;
}

std::expected<Inventory, std::vector<Diagnostic>> read_inventory(const Context& ctx, const LoadOptions& opts) {
    auto inv = [&] {
        const run::SignalGuard signals(run::SignalNotice::Quiet);
        return load_inventory(ctx.inventory_path(), opts);
    }();
    if (stop_requested()) throw InterruptedWhileLoading{};
    return inv;
}

// Throws InterruptedWhileLoading (see cli/inventory_load.hpp).
std::optional<Inventory> Context::load() const {
    auto inv = read_inventory(*this, LoadOptions{});
    if (inv) return std::move(*inv);
    for (const auto& d : inv.error()) std::cerr << d.to_string() << '\n';
    std::cerr << "ncbctl: " << inv.error().size() << " error" << (inv.error().size() == 1 ? "" : "s") << " in "
              << inventory_path() << "; fix them and run `ncbctl validate`\n";
    return std::nullopt;
}

std::string Context::state_dir_for(const std::string& cluster) const {
    if (!opts.state_dir.empty()) return opts.state_dir;
    std::string base;
    if (const char* x = std::getenv("XDG_STATE_HOME"); x != nullptr && *x != '\0')
        base = x;
    else if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0')
        base = std::string(h) + "/.local/state";
    else
        base = "/var/lib";
    return base + "/ncbctl/" + cluster;
}

}  // namespace ncbctl::cli
