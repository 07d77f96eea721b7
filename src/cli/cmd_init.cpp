// `ncbctl init [--driver docker|ssh] [--preset P] [--lb L] [--cluster NAME]`: writes a commented starter inventory
// to the inventory path (-i FILE, else $NCBCTL_INVENTORY, else ./ncbctl.yaml). Never overwrites: an existing
// file is a usage error (exit 2), and the file is created with O_EXCL so a race cannot clobber one either.
// stdout: the path written; stderr: what to do next. Exit 0 written, 2 bad flag or the file exists, 1 write failed.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>

#include "cli/context.hpp"
#include "cli/init_template.hpp"
#include "util/fd.hpp"

namespace ncbctl::cli {
namespace {

ExitCode write_new(const std::string& path, const std::string& text) {
    util::Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd.valid()) {
        const int err = errno;
        if (err == EEXIST) {
            std::cerr << "ncbctl: init: " << path
                      << " exists; not overwriting it (move it away, or give another -i FILE)\n";
            return ExitCode::Usage;
        }
        std::cerr << "ncbctl: init: cannot create " << path << ": " << std::strerror(err) << '\n';
        return ExitCode::Failed;
    }
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            std::cerr << "ncbctl: init: cannot write " << path << ": " << std::strerror(errno) << '\n';
            ::unlink(path.c_str());  // a half-written starter would only mislead
            return ExitCode::Failed;
        }
        done += static_cast<std::size_t>(n);
    }
    return ExitCode::Ok;
}

}  // namespace

void register_init(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("init", "Write a commented starter inventory (never overwrites)");
    auto o = std::make_shared<InitOptions>();
    cmd->add_option("--driver", o->driver, "How ncbctl reaches each node")
        ->check(CLI::IsMember(kInitDrivers))
        ->capture_default_str();
    cmd->add_option("--preset", o->preset, "Service manager on the nodes (--driver ssh; default systemd)")
        ->check(CLI::IsMember(kInitPresets));
    cmd->add_option("--lb", o->lb, "Load balancer ncbctl switches to the 503 page")
        ->check(CLI::IsMember(kInitLbs))
        ->capture_default_str();
    cmd->add_option("--cluster", o->cluster, "Cluster name (names the state directory)")->capture_default_str();
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o]() -> ExitCode {
            auto text = starter_inventory(*o);
            if (!text) {
                std::cerr << "ncbctl: " << text.error().message << '\n';
                return ExitCode::Usage;
            }
            const std::string path = ctx.inventory_path();
            if (auto rc = write_new(path, *text); rc != ExitCode::Ok) return rc;
            std::cout << path << '\n';
            std::cerr << "ncbctl: wrote " << path << "; replace its CHANGE-ME values, then run `ncbctl"
                      << (ctx.opts.inventory.empty() ? "" : " -i " + path) << " validate`\n";
            return ExitCode::Ok;
        };
    });
}

}  // namespace ncbctl::cli
