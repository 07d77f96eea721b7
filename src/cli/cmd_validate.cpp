// `ncbctl validate`: load the inventory strictly and print OK or every diagnostic.
// stdout: one OK line (text) or one JSON document (--output json), valid or not.
// stderr: each problem as FILE:LINE:COL: message, then a one-line count. Exit 0 valid, 2 invalid.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>

#include "cli/context.hpp"

namespace ncbctl::cli {

namespace {

nlohmann::json summary_json(const Inventory& inv) {
    nlohmann::json nodes = nlohmann::json::array();
    for (const auto& n : inv.nodes)
        nodes.push_back(
            {{"name", n.name}, {"driver", n.driver == DriverKind::Docker ? "docker" : "ssh"}, {"url", n.url}});
    return {{"cluster", inv.cluster},      {"nodes", nodes},
            {"canary", inv.canary},        {"traffic", inv.traffic.driver},
            {"backup", inv.backup.method}, {"content_hash", inv.content_hash}};
}

}  // namespace

void register_validate(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("validate", "Check the inventory: schema, references, unsafe values");
    cmd->callback([&ctx] {
        ctx.action = [&ctx]() -> ExitCode {
            const std::string path = ctx.inventory_path();
            auto inv = load_inventory(path);
            if (ctx.format() == OutputFormat::Json) {
                nlohmann::json out{{"inventory", path}, {"valid", inv.has_value()}};
                out["errors"] = nlohmann::json::array();
                if (!inv) {
                    for (const auto& d : inv.error())
                        out["errors"].push_back(
                            {{"file", d.file}, {"line", d.line}, {"column", d.column}, {"message", d.message}});
                } else {
                    out.update(summary_json(*inv));
                }
                std::cout << out.dump() << '\n';
            }
            if (!inv) {
                for (const auto& d : inv.error()) std::cerr << d.to_string() << '\n';
                const auto n = inv.error().size();
                std::cerr << "ncbctl: " << n << " error" << (n == 1 ? "" : "s") << " in " << path << '\n';
                return ExitCode::Usage;
            }
            if (ctx.format() == OutputFormat::Text)
                std::cout << "OK " << path << ": cluster " << inv->cluster << ", " << inv->nodes.size() << " node"
                          << (inv->nodes.size() == 1 ? "" : "s") << ", canary " << inv->canary << ", traffic "
                          << inv->traffic.driver << ", backup " << inv->backup.method << '\n';
            return ExitCode::Ok;
        };
    });
}

}  // namespace ncbctl::cli
