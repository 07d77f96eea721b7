// Hidden commands for the build and the shells, never shown in --help:
//   ncbctl __man DIR              writes ncbctl.1 and ncbctl-COMMAND.1 into DIR (run by the build)
//   ncbctl __completion bash|zsh [--out FILE]  prints (writes) the completion script (run by the build)
//   ncbctl __complete nodes|runs  prints one candidate per line for a completing shell: the node names of the
//                                 inventory (-i, $NCBCTL_INVENTORY, ./ncbctl.yaml), or the run ids of its state
//                                 directory; nothing (exit 0) when there is no readable inventory.
// All three read the same CLI11 tree that parses the arguments, so pages and scripts cannot drift from it.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <memory>

#include "cli/command_tree.hpp"
#include "cli/completion_script.hpp"
#include "cli/context.hpp"
#include "cli/man_page.hpp"
#include "ncbctl/load_options.hpp"
#include "run/journal.hpp"

namespace ncbctl::cli {
namespace {

ExitCode write_man(const CLI::App& root, const std::string& dir) {
    for (const auto& page : man_pages(describe_tree(root), NCBCTL_VERSION)) {
        const std::string path = dir + "/" + page.file;
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << page.text;
        out.flush();
        if (!out) {
            std::cerr << "ncbctl: __man: cannot write " << path << '\n';
            return ExitCode::Failed;
        }
    }
    return ExitCode::Ok;
}

ExitCode write_script(const std::string& text, const std::string& path) {
    if (path.empty()) {
        std::cout << text;
        return ExitCode::Ok;
    }
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << text;
    f.flush();
    if (f) return ExitCode::Ok;
    std::cerr << "ncbctl: __completion: cannot write " << path << '\n';
    return ExitCode::Failed;
}

ExitCode complete(const Context& ctx, const std::string& what) {
    // A completing shell must never see an error: no inventory, no candidates.
    auto inv = load_inventory(ctx.inventory_path(), LoadOptions{.check_files = false});
    if (what == "nodes") {
        if (inv)
            for (const auto& n : inv->nodes) std::cout << n.name << '\n';
        return ExitCode::Ok;
    }
    std::string dir = ctx.opts.state_dir;
    if (dir.empty() && inv) dir = ctx.state_dir_for(inv->cluster);
    if (!dir.empty())
        for (const auto& r : list_runs(dir)) std::cout << r.run_id << '\n';
    return ExitCode::Ok;
}

}  // namespace

void register_meta(CLI::App& app, Context& ctx) {
    auto* man = app.add_subcommand("__man", "Write the man pages (build)")->group("");
    auto dir = std::make_shared<std::string>();
    man->add_option("DIR", *dir, "Output directory")->required()->check(CLI::ExistingDirectory);
    man->callback([&app, &ctx, dir] { ctx.action = [&app, dir] { return write_man(app, *dir); }; });

    auto* script = app.add_subcommand("__completion", "Print a completion script (build)")->group("");
    auto shell = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    script->add_option("SHELL", *shell, "bash or zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
    script->add_option("--out", *out, "Write to this file instead of stdout");
    script->callback([&app, &ctx, shell, out] {
        ctx.action = [&app, shell, out] { return write_script(completion_script(describe_tree(app), *shell), *out); };
    });

    auto* cands = app.add_subcommand("__complete", "Print completion candidates (shells)")->group("");
    auto what = std::make_shared<std::string>();
    cands->add_option("WHAT", *what, "nodes or runs")->required()->check(CLI::IsMember({"nodes", "runs"}));
    cands->callback([&ctx, what] { ctx.action = [&ctx, what] { return complete(ctx, *what); }; });
}

}  // namespace ncbctl::cli
