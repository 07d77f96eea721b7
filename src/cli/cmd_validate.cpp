// `ncbctl validate [--connect] [--no-file-checks]`: load the inventory strictly (including that the local
// files it refers to exist, unless --no-file-checks) and print OK or every diagnostic.
// stdout: one OK line (text) or one JSON document (--output json), valid or not.
// stderr: each problem as FILE:LINE:COL: message, then a one-line count; warnings (a secret file others may
// read) as FILE:LINE:COL: warning: ..., also in JSON ("warnings"). Exit 0 valid, 2 invalid.
// --connect (valid inventories only): every node driver, node API, the LB and the database reached in
// parallel, one OK/FAIL line each on stdout ("connect" array in JSON); exit 3 when any failed. Then, when all
// answered, the cluster preflight (docs/preflight.md): one finding line each ("findings" in JSON); exit 3 on
// an error (--strict: on a warning too).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <memory>

#include "cli/context.hpp"
#include "cli/init_template.hpp"
#include "cli/inventory_load.hpp"
#include "inventory/bounded_read.hpp"
#include "inventory/yaml_limits.hpp"
#include "ncbctl/load_options.hpp"
#include "util/redact.hpp"
#include "wiring/wiring.hpp"
#include "workflow/cluster_preflight.hpp"
#include "workflow/connectivity.hpp"

namespace ncbctl::cli {

namespace {

nlohmann::json summary_json(const Inventory& inv) {
    nlohmann::json nodes = nlohmann::json::array();
    for (const auto& n : inv.nodes)
        nodes.push_back({{"name", n.name},
                         {"driver", n.driver == DriverKind::Docker ? "docker" : "ssh"},
                         {"url", util::redact_url(n.url)}});
    return {{"cluster", inv.cluster},      {"nodes", nodes},
            {"canary", inv.canary},        {"traffic", inv.traffic.driver},
            {"backup", inv.backup.method}, {"content_hash", inv.content_hash}};
}

// The CHANGE-ME values a starter inventory from `ncbctl init` still has, one warning line each on stderr.
// Read as the loader reads (a regular file, at most 4 MiB): a FIFO or /dev/zero must not hang here either.
std::vector<Placeholder> placeholders(const std::string& path) {
    auto text = inv::read_regular_file(path, inv::kMaxInventoryBytes);
    if (!text) return {};  // the load reported why
    auto found = find_placeholders(text->content);
    for (const auto& p : found)
        std::cerr << path << ":" << p.line << ": warning: " << (p.key.empty() ? "this value" : p.key)
                  << " is still a placeholder (" << kPlaceholder << "); replace it (its comment says with what)\n";
    return found;
}

std::vector<workflow::ConnectResult> connect(const Inventory& inv) {
    const auto ports = wiring::make_cluster_ports(inv);
    return workflow::check_connectivity(inv, ports,
                                        Deadline::after(std::chrono::duration_cast<Duration>(inv.timeouts.connect)));
}

}  // namespace

void register_validate(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("validate", "Check the inventory: schema, references, unsafe values");
    auto reach = std::make_shared<bool>(false);
    auto no_file_checks = std::make_shared<bool>(false);
    auto strict = std::make_shared<bool>(false);
    cmd->add_flag("--connect", *reach,
                  "Also reach every node driver, node API, the load balancer and the database (exit 3 if any fails)");
    cmd->add_flag("--no-file-checks", *no_file_checks,
                  "Do not check that the local files it refers to (keys, certificates, secret files) exist here");
    cmd->add_flag("--strict", *strict, "With --connect: the cluster preflight's warnings are errors (exit 3)");
    cmd->callback([&ctx, reach, no_file_checks, strict] {
        ctx.action = [&ctx, reach, no_file_checks, strict]() -> ExitCode {
            const std::string path = ctx.inventory_path();
            std::vector<Diagnostic> warnings;
            auto inv = read_inventory(ctx, LoadOptions{.check_files = !*no_file_checks, .warnings = &warnings});
            for (const auto& w : warnings) std::cerr << w.to_string() << '\n';
            const auto left = placeholders(path);
            std::vector<workflow::ConnectResult> reached;
            if (inv && *reach) reached = connect(*inv);
            const bool all_ok = std::ranges::all_of(reached, [](const auto& r) { return r.ok; });
            workflow::PreflightReport findings;
            if (inv && *reach && all_ok)
                findings = workflow::run_cluster_preflight(
                    *inv, wiring::make_cluster_ports(*inv), *strict,
                    Deadline::after(std::chrono::duration_cast<Duration>(inv->timeouts.command) * 4));
            if (ctx.format() == OutputFormat::Json) {
                nlohmann::json out{{"inventory", path}, {"valid", inv.has_value()}};
                out["errors"] = nlohmann::json::array();
                out["warnings"] = nlohmann::json::array();
                for (const auto& w : warnings)
                    out["warnings"].push_back(
                        {{"file", w.file}, {"line", w.line}, {"column", w.column}, {"message", w.message}});
                if (!inv) {
                    for (const auto& d : inv.error())
                        out["errors"].push_back(
                            {{"file", d.file}, {"line", d.line}, {"column", d.column}, {"message", d.message}});
                } else {
                    out.update(summary_json(*inv));
                }
                out["placeholders"] = nlohmann::json::array();
                for (const auto& p : left) out["placeholders"].push_back({{"line", p.line}, {"key", p.key}});
                if (*reach) {
                    out["connect"] = nlohmann::json::array();
                    for (const auto& r : reached)
                        out["connect"].push_back({{"target", r.target}, {"ok", r.ok}, {"detail", r.detail}});
                    out["reachable"] = inv.has_value() && all_ok;
                    out["findings"] = nlohmann::json::array();
                    for (const auto& f : findings.details) out["findings"].push_back(f);
                    out["preflight_ok"] = findings.ok;
                }
                std::cout << out.dump() << '\n';
            }
            if (!inv) {
                for (const auto& d : inv.error()) std::cerr << d.to_string() << '\n';
                const auto n = inv.error().size();
                std::cerr << "ncbctl: " << n << " error" << (n == 1 ? "" : "s") << " in " << path << '\n';
                return ExitCode::Usage;
            }
            if (ctx.format() == OutputFormat::Text) {
                if (!left.empty())
                    std::cerr << "ncbctl: " << left.size() << " placeholder" << (left.size() == 1 ? "" : "s")
                              << " left in " << path << "\n";
                std::cout << "OK " << path << ": cluster " << inv->cluster << ", " << inv->nodes.size() << " node"
                          << (inv->nodes.size() == 1 ? "" : "s") << ", canary " << inv->canary << ", traffic "
                          << inv->traffic.driver << ", backup " << inv->backup.method << '\n';
                for (const auto& r : reached)
                    std::cout << (r.ok ? "OK   " : "FAIL ") << r.target << ": " << r.detail << '\n';
                for (const auto& line : findings.lines) std::cout << line << '\n';
            }
            if (!all_ok) {
                const auto n = std::ranges::count_if(reached, [](const auto& r) { return !r.ok; });
                std::cerr << "ncbctl: " << n << " of " << reached.size() << " targets unreachable; see the FAIL "
                          << (n == 1 ? "line" : "lines") << '\n';
                return ExitCode::Preflight;
            }
            if (!findings.ok) {
                std::cerr << "ncbctl: " << findings.error << '\n';
                return ExitCode::Preflight;
            }
            return ExitCode::Ok;
        };
    });
}

}  // namespace ncbctl::cli
