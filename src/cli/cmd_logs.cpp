// `ncbctl logs NODE [-n LINES]`: the last lines of a node's NocoBase service log, through the node's own
// driver (Docker: the container's log; SSH: journalctl, docker compose logs, pm2's log files, supervisorctl tail, or
// the inventory's service.logs). Read-only, no lock. Credentials are masked by shape (util/log_excerpt.hpp).
// Exit 0 printed, 2 bad inventory/unknown node/bad -n, 3 the node or its log could not be read.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <sstream>

#include "cli/context.hpp"
#include "wiring/wiring.hpp"

namespace ncbctl::cli {

void register_logs(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("logs", "Print the last lines of a node's service log");
    auto node = std::make_shared<std::string>();
    auto lines = std::make_shared<int>(50);
    cmd->add_option("node", *node, "Node name (from the inventory)")->required();
    cmd->add_option("-n,--lines", *lines, "How many lines (1-5000)")->capture_default_str();
    cmd->callback([&ctx, node, lines] {
        ctx.action = [&ctx, node, lines]() -> ExitCode {
            auto inv = ctx.load();
            if (!inv) return ExitCode::Usage;
            if (*lines < 1 || *lines > 5000) {
                std::cerr << "ncbctl: logs: -n " << *lines << " is out of range; give 1 to 5000 lines\n";
                return ExitCode::Usage;
            }
            const Node* n = inv->find_node(*node);
            if (n == nullptr) {
                std::cerr << "ncbctl: logs: '" << *node << "' is not a node of " << inv->source_path << "\n";
                return ExitCode::Usage;
            }
            auto driver = wiring::make_node_driver(*n, *inv);
            Result<std::string> text =
                driver ? (*driver)->logs(*lines, Deadline::after(std::chrono::seconds(30))) : fail(driver.error());
            if (!text) {
                std::cerr << "ncbctl: " << text.error().message << "\n";
                return text.error().code == ErrorCode::Inventory ? ExitCode::Usage : ExitCode::Preflight;
            }
            if (ctx.format() == OutputFormat::Json) {
                nlohmann::json out{{"node", n->name}, {"lines", nlohmann::json::array()}};
                std::istringstream in(*text);
                for (std::string line; std::getline(in, line);) out["lines"].push_back(line);
                std::cout << out.dump() << "\n";
            } else if (!text->empty()) {
                std::cout << *text << "\n";
            }
            return ExitCode::Ok;
        };
    });
}

}  // namespace ncbctl::cli
