// `ncbctl status [--deep]`: node, driver state, app state, version, LB mode, lock holder, last run and the
// next safe action; --deep adds the cluster preflight's findings (docs/preflight.md). Read-only; exit 0 when
// it could look (whatever it saw), 3 when --deep found an error, 2 on a bad inventory.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "run/cluster_lock.hpp"
#include "wiring/wiring.hpp"
#include "workflow/cluster_status.hpp"

namespace ncbctl::cli {
namespace {

std::string app_text(const AppStatus& a) {
    std::string s(to_string(a.phase));
    if (!a.code.empty() && a.phase != AppPhase::Ready) s += " " + a.code;
    if (!a.command.empty()) s += " (" + a.command + ")";
    return s;
}

nlohmann::json to_json(const workflow::ClusterStatus& s) {
    nlohmann::json j{{"cluster", s.cluster}, {"nodes", nlohmann::json::array()}};
    for (const auto& n : s.nodes) {
        nlohmann::json node{{"name", n.name}, {"driver", n.driver}};
        if (n.node) {
            node["service"] = std::string(to_string(n.node->service));
            node["deployed"] = n.node->deployed_version;
        } else {
            node["service"] = "unknown";
            node["error"] = n.node_error;
        }
        node["app"] = {{"phase", std::string(to_string(n.app.phase))},
                       {"code", n.app.code},
                       {"command", n.app.command},
                       {"message", n.app.message},
                       {"version", n.app.version}};
        j["nodes"].push_back(node);
    }
    if (s.traffic)
        j["traffic"] = {{"mode", std::string(to_string(s.traffic->mode))},
                        {"serving", s.traffic->serving_nodes},
                        {"detail", s.traffic->detail}};
    else
        j["traffic"] = {{"mode", "unknown"}, {"error", s.traffic_error}};
    if (s.lock)
        j["lock"] = {{"run_id", s.lock->run_id}, {"command", s.lock->command}, {"holder", run::describe(*s.lock)}};
    else
        j["lock"] = nullptr;
    j["last_run"] = s.last_run.empty() ? nlohmann::json(nullptr)
                                       : nlohmann::json{{"id", s.last_run},
                                                        {"command", s.last_command},
                                                        {"result", s.last_result},
                                                        {"exit_code", s.last_exit}};
    j["next_action"] = s.next_action;
    if (s.checks) {
        j["findings"] = nlohmann::json::array();
        for (const auto& f : s.checks->details) j["findings"].push_back(f);
        j["checks_ok"] = s.checks->ok;
    }
    return j;
}

void print_text(const workflow::ClusterStatus& s) {
    std::printf("cluster %s\n%-12s %-7s %-9s %-10s %-28s %s\n", s.cluster.c_str(), "NODE", "DRIVER", "SERVICE",
                "DEPLOYED", "APP", "VERSION");
    for (const auto& n : s.nodes) {
        std::printf("%-12s %-7s %-9s %-10s %-28s %s\n", n.name.c_str(), n.driver.c_str(),
                    n.node ? std::string(to_string(n.node->service)).c_str() : "error",
                    n.node && !n.node->deployed_version.empty() ? n.node->deployed_version.c_str() : "-",
                    app_text(n.app).c_str(), n.app.version.empty() ? "-" : n.app.version.c_str());
        if (!n.node) std::printf("  %s\n", n.node_error.c_str());
    }
    if (s.traffic)
        std::printf("traffic: %s%s (%s)\n", std::string(to_string(s.traffic->mode)).c_str(),
                    s.traffic->pinned_node.empty() ? "" : (" to " + s.traffic->pinned_node).c_str(),
                    s.traffic->detail.c_str());
    else
        std::printf("traffic: unknown (%s)\n", s.traffic_error.c_str());
    if (s.lock)
        std::printf("lock: held by %s\n", run::describe(*s.lock).c_str());
    else
        std::printf("lock: %s\n", s.lock_error.empty() ? "free" : s.lock_error.c_str());
    if (!s.last_run.empty())
        std::printf("last run: %s  %s  %s (exit %d)\n", s.last_run.c_str(), s.last_command.c_str(),
                    s.last_result.c_str(), s.last_exit);
    if (!s.next_action.empty()) std::printf("next: %s\n", s.next_action.c_str());
    if (s.checks) {
        std::printf("checks: %s\n", s.checks->ok ? (s.checks->lines.empty() ? "clean" : "no error") : "failed");
        for (const auto& line : s.checks->lines) std::printf("  %s\n", line.c_str());
    }
}

}  // namespace

void register_status(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("status", "Every node's service, app state and version; LB mode; lock; last run");
    auto deep = std::make_shared<bool>(false);
    cmd->add_flag("--deep", *deep,
                  "Also run the cluster preflight's checks (secrets, storage, cluster mode, Redis, LB, database); "
                  "exit 3 on an error");
    cmd->callback([&ctx, deep] {
        ctx.action = [&ctx, deep]() -> ExitCode {
            auto inv = ctx.load();
            if (!inv) return ExitCode::Usage;
            const std::string state_dir = ctx.state_dir_for(inv->cluster);
            auto s = workflow::collect_status(
                *inv, wiring::make_cluster_ports(*inv), wiring::make_lock_backend(*inv, state_dir), state_dir,
                Deadline::after(std::chrono::duration_cast<Duration>(inv->timeouts.connect) * 3), *deep,
                Deadline::after(std::chrono::duration_cast<Duration>(inv->timeouts.command) * 4));
            if (ctx.format() == OutputFormat::Json)
                std::cout << to_json(s).dump(2) << '\n';
            else
                print_text(s);
            if (s.checks && !s.checks->ok) {
                std::cerr << "ncbctl: " << s.checks->error << '\n';
                return ExitCode::Preflight;
            }
            return ExitCode::Ok;
        };
    });
}

}  // namespace ncbctl::cli
