#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>

#include "cli/context.hpp"

namespace ncbctl::cli {

void register_validate(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("validate", "Check the inventory: schema, references, unsafe values");
    cmd->callback([&ctx] {
        ctx.action = [&ctx]() -> ExitCode {
            auto inv = load_inventory(ctx.inventory_path());
            if (ctx.format() == OutputFormat::Json) {
                nlohmann::json out{{"inventory", ctx.inventory_path()}, {"valid", inv.has_value()}};
                out["errors"] = nlohmann::json::array();
                if (!inv) {
                    for (const auto& d : inv.error())
                        out["errors"].push_back(
                            {{"file", d.file}, {"line", d.line}, {"column", d.column}, {"message", d.message}});
                } else {
                    out["cluster"] = inv->cluster;
                    out["nodes"] = inv->nodes.size();
                }
                std::cout << out.dump() << '\n';
            }
            if (!inv) {
                for (const auto& d : inv.error()) std::cerr << d.to_string() << '\n';
                return ExitCode::Usage;
            }
            if (ctx.format() == OutputFormat::Text)
                std::cout << "OK " << ctx.inventory_path() << ": cluster " << inv->cluster << ", " << inv->nodes.size()
                          << " node" << (inv->nodes.size() == 1 ? "" : "s") << '\n';
            return ExitCode::Ok;
        };
    });
}

}  // namespace ncbctl::cli
