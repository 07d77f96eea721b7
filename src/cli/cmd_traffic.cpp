// `ncbctl traffic status|maintenance|live|pin NODE|setup`: the load balancer by hand. `status` only reads
// (exit 0, or 3 when the LB cannot be read); the three changes are tiny locked, journaled plans
// (src/plan/traffic_workflows.hpp) run like upgrade/start/stop, so `runs list` shows them. `setup` prints
// (and for nginx's include, writes) the LB configuration (wiring::set_up_traffic): stdout the pieces,
// stderr what was written; exit 2 for usage, 3 when the LB host refuses (nothing written).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

#include "cli/workflow_command.hpp"
#include "ncbctl/traffic_setup.hpp"
#include "plan/traffic_workflows.hpp"
#include "wiring/wiring.hpp"

namespace ncbctl::cli {
namespace {

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out.empty() ? "none" : out;
}

ExitCode traffic_status(const Context& ctx) {
    auto inv = ctx.load();
    if (!inv) return ExitCode::Usage;
    auto sw = wiring::make_traffic_switch(*inv);
    Result<TrafficState> st =
        sw ? (*sw)->status(Deadline::after(std::chrono::duration_cast<Duration>(inv->timeouts.connect * 3)))
           : fail(sw.error());
    if (!st) {
        std::cerr << "ncbctl: traffic (" << inv->traffic.driver << "): " << st.error().message << '\n';
        return ExitCode::Preflight;
    }
    const std::string mode(to_string(st->mode));
    if (ctx.format() == OutputFormat::Json) {
        std::cout
            << nlohmann::json{{"cluster", inv->cluster},   {"driver", inv->traffic.driver}, {"mode", mode},
                              {"pinned", st->pinned_node}, {"serving", st->serving_nodes},  {"detail", st->detail}}
                   .dump()
            << '\n';
    } else {
        std::cout << "mode: " << mode << (st->pinned_node.empty() ? "" : " to " + st->pinned_node) << '\n'
                  << "serving: " << joined(st->serving_nodes) << '\n'
                  << "detail: " << st->detail << '\n';
    }
    return ExitCode::Ok;
}

ExitCode traffic_setup(const Context& ctx, const TrafficSetupRequest& req) {
    auto inv = ctx.load();
    if (!inv) return ExitCode::Usage;
    auto out =
        wiring::set_up_traffic(*inv, req, Deadline::after(std::chrono::duration_cast<Duration>(inv->timeouts.command)));
    if (!out) {
        std::cerr << "ncbctl: traffic setup: " << out.error().message << '\n';
        const auto code = out.error().code;
        return code == ErrorCode::Usage || code == ErrorCode::Inventory ? ExitCode::Usage : ExitCode::Preflight;
    }
    if (ctx.format() == OutputFormat::Json) {
        nlohmann::json pieces = nlohmann::json::array();
        for (const auto& p : out->pieces)
            pieces.push_back({{"name", p.name}, {"where", p.where}, {"content", p.content}});
        std::cout << nlohmann::json{{"cluster", inv->cluster},
                                    {"driver", inv->traffic.driver},
                                    {"pieces", pieces},
                                    {"wrote", out->wrote},
                                    {"notes", out->notes}}
                         .dump()
                  << '\n';
    } else if (out->pieces.size() == 1 && !req.part.empty()) {
        std::cout << out->pieces.front().content;  // exactly the piece, to redirect into its file
    } else {
        for (const auto& p : out->pieces)
            std::cout << "# ==== " << p.name << ": " << p.where << '\n' << p.content << '\n';
    }
    for (const auto& n : out->notes) std::cerr << "ncbctl: " << n << '\n';
    return ExitCode::Ok;
}

// One change subcommand: run flags only (a two-phase plan has nothing to select).
CLI::App* change(CLI::App& parent, Context& ctx, const std::string& name, const std::string& help,
                 std::function<ExitCode(const WorkflowFlags&)> run) {
    auto flags = std::make_shared<WorkflowFlags>();
    auto* cmd = parent.add_subcommand(name, help);
    add_run_flags(*cmd, flags->run);
    cmd->callback([&ctx, flags, run] { ctx.action = [flags, run] { return run(*flags); }; });
    return cmd;
}

}  // namespace

void register_traffic(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand(
        "traffic", "Read, switch or set up the load balancer: status, maintenance, live, pin NODE, setup");
    cmd->require_subcommand(1);

    cmd->add_subcommand("status", "The LB's mode and serving nodes; changes nothing")->callback([&ctx] {
        ctx.action = [&ctx] { return traffic_status(ctx); };
    });

    change(*cmd, ctx, "maintenance", "Every client gets 503 + Retry-After (bypass requests excepted)",
           [&ctx](const WorkflowFlags& f) {
               std::cerr << "ncbctl: warning: every client of the load balancer now gets 503 (the maintenance "
                            "page) until `ncbctl traffic live`\n";
               return run_workflow(ctx, plan::build_traffic_maintenance, f);
           });
    change(*cmd, ctx, "live", "Every node serves again", [&ctx](const WorkflowFlags& f) {
        return run_workflow(ctx, plan::build_traffic_live, f);
    })->alias("restore");

    auto node = std::make_shared<std::string>();
    change(*cmd, ctx, "pin", "Only NODE serves (the others get no traffic)",
           [&ctx, node](const WorkflowFlags& f) {
               return run_workflow(
                   ctx, [node](const Inventory& inv) { return plan::build_traffic_pin(inv, *node); }, f);
           })
        ->add_option("NODE", *node, "Inventory node that alone receives traffic")
        ->required();

    auto req = std::make_shared<TrafficSetupRequest>();
    auto* setup = cmd->add_subcommand(
        "setup", "Print the LB configuration NocoBase and ncbctl need (nginx: --write creates ncbctl's include)");
    setup->add_flag("--write", req->write,
                    "nginx: write ncbctl's include file (live variant) and its page when missing; never over a file "
                    "without ncbctl's marker");
    setup->add_option("--part", req->part,
                      "Print only this piece, as is (nginx: include, server; haproxy: global, frontend, backend, "
                      "errorfile)");
    setup->add_option("--errorfile", req->errorfile, "HAProxy: path of the 503 errorfile the backend names")
        ->capture_default_str();
    setup->callback([&ctx, req] { ctx.action = [&ctx, req] { return traffic_setup(ctx, *req); }; });
}

}  // namespace ncbctl::cli
