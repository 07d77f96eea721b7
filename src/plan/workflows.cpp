// The upgrade, start and stop workflows as data (docs/engine.md: phases, failure policy).
#include "plan/workflows.hpp"
#include "util/quote.hpp"

#include <algorithm>

#include "ncbctl/actions.hpp"
#include "plan/builders.hpp"
#include "plan/maintain.hpp"
#include "plan/rollback_workflow.hpp"
#include "plan/traffic_workflows.hpp"

namespace ncbctl::plan {
namespace {

constexpr std::string_view kCluster = kClusterTarget;

// An image tag / release: letters and digits, with single `.-_+` between them (2.2.16, 2.2.16-beta.1,
// 1.0.0+build.5, latest). `.`, `..` or `+` alone would name no release, and `..` is a path.
bool valid_version(const std::string& v) {
    auto alnum = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (v.empty() || v.size() > 128 || !alnum(v.front()) || !alnum(v.back())) return false;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (alnum(v[i])) continue;
        if (std::string_view(".-_+").find(v[i]) == std::string_view::npos || !alnum(v[i - 1])) return false;
    }
    return true;
}

Status check_nodes(const Inventory& inv) {
    if (inv.nodes.empty()) return fail(ErrorCode::Inventory, "inventory " + inv.source_path + " lists no node");
    return {};
}

// Preflight: reads only. Any failure: exit 3, nothing changed.
// `forecast`: every probe says whether its node runs `version` already; all of them do: nothing to do.
Phase preflight(const Inventory& inv, const std::string& version, bool forecast = false, bool strict = false) {
    auto p = phase("preflight", "check every node, the LB, the database and the API; change nothing", true,
                   OnFailure::Stop, ExitCode::Preflight);
    p.always = true;
    const auto t = std::chrono::duration_cast<Duration>(inv.timeouts.command);
    for (const auto& n : inv.nodes) {
        auto s = step("preflight/probe/" + n.name, n.name, actions::kNodeProbe, t, 3);
        if (forecast) {
            s.params[std::string(actions::kForecast)] = "1";
            s.params[std::string(actions::kUnchangedIfDeployed)] = version;
        }
        p.steps.push_back(std::move(s));
    }
    p.steps.push_back(step("preflight/traffic", std::string(kCluster), actions::kTrafficStatus, t, 3));
    if (!version.empty()) {
        p.steps.push_back(step("preflight/database", std::string(kCluster), actions::kDatabaseCheck, t, 3));
        p.steps.push_back(step("preflight/app", std::string(kCluster), actions::kAppRecord, t, 3));
        p.steps.push_back(step("preflight/disk", std::string(kCluster), actions::kBackupSpace, t, 2));
        p.steps.push_back(cluster_preflight(inv, strict, version));
        if (inv.backup.in_window == "clone")
            p.steps.push_back(step("preflight/clone", std::string(kCluster), actions::kDatabaseCloneCheck, t, 2));
        for (const auto& n : inv.nodes) {
            auto s = step("preflight/prepare/" + n.name, n.name, actions::kNodePrepare,
                          std::chrono::duration_cast<Duration>(inv.timeouts.upgrade), 3);
            s.params["version"] = version;
            p.steps.push_back(std::move(s));
        }
    }
    return p;
}

Phase maintenance(const Inventory& inv, OnFailure on_failure, ExitCode exit) {
    auto p = phase("maintenance", "load balancer to 503 + Retry-After, verified through the LB", false, on_failure,
                   exit, {"preflight"});
    auto s = step("maintenance/traffic", std::string(kCluster), actions::kTrafficMaintenance,
                  std::chrono::duration_cast<Duration>(inv.timeouts.command), 3);
    s.undo = undo(actions::kTrafficLive, {{"require_ready", "true"}});
    p.steps.push_back(std::move(s));
    return p;
}

Phase stop_all(const Inventory& inv, OnFailure on_failure, ExitCode exit, bool with_undo) {
    auto p = phase("stop", "stop every node, verified stopped", true, on_failure, exit, {"maintenance"});
    const auto t = std::chrono::duration_cast<Duration>(inv.timeouts.stop);
    for (std::size_t i = 0; i < inv.nodes.size(); ++i) {
        const auto& n = inv.nodes[i];
        auto s = step("stop/" + n.name, n.name, actions::kNodeStop, t, 3);
        // Undone in reverse order: the last node's start is undone first and must be ready before the
        // others start (first-start rule: docs/engine.md).
        if (with_undo)
            s.undo = undo(actions::kNodeStart, i + 1 == inv.nodes.size() ? Params{{"wait_ready", "true"}} : Params{});
        p.steps.push_back(std::move(s));
    }
    return p;
}

}  // namespace

Result<Plan> build_upgrade(const Inventory& inv, const UpgradeArgs& args) {
    if (auto ok = check_nodes(inv); !ok) return fail(ok.error());
    if (!valid_version(args.to))
        return fail(ErrorCode::Usage,
                    "upgrade: --to " + (util::is_printable(args.to) ? "'" + args.to + "'" : util::quote(args.to)) +
                        " is not a version (letters and digits, with single . - _ + between them), e.g. --to 2.2.16");
    const Node* canary = args.canary.empty() ? &inv.canary_node() : inv.find_node(args.canary);
    if (canary == nullptr)
        return fail(ErrorCode::Usage,
                    "upgrade: --canary " + util::quote(args.canary) + " is not a node of " + inv.source_path);

    // Once the window is open, a failure either takes everything back or waits for a human.
    const OnFailure undo_or_stop = args.no_rollback ? OnFailure::Stop : OnFailure::Undo;
    const ExitCode back_live = args.no_rollback ? ExitCode::NeedsHuman : ExitCode::Failed;
    const ExitCode rolled_back = args.no_rollback ? ExitCode::NeedsHuman : ExitCode::RolledBack;

    Plan plan;
    plan.workflow = "upgrade";
    plan.args["to"] = args.to;
    if (!args.canary.empty()) plan.args["canary"] = args.canary;
    if (args.no_rollback) plan.args["no-rollback"] = "true";
    if (args.early_traffic) plan.args["early-traffic"] = "true";
    if (args.force) plan.args["force"] = "true";
    if (args.strict) plan.args["strict"] = "true";
    plan.inventory_hash = inv.content_hash;

    plan.phases.push_back(preflight(inv, args.to, !args.force, args.strict));
    plan.phases.push_back(maintenance(inv, undo_or_stop, back_live));
    plan.phases.push_back(stop_all(inv, undo_or_stop, back_live, true));

    // backup.in_window: clone: a server-side copy inside the window (seconds, undone by renaming it back in
    // place); the durable dump of that copy comes after traffic is live (phase "archive").
    const bool clone = inv.backup.in_window == "clone";
    auto backup = phase("backup",
                        clone ? "server-side copy of the database (+ storage/), verified against its source"
                              : "database-level backup (+ storage/), checksummed and checked restorable",
                        false, undo_or_stop, back_live, {"stop"});
    if (clone) {
        auto cp = step("backup/clone", std::string(kCluster), actions::kBackupClone, ms(inv.timeouts.backup));
        cp.undo = undo(actions::kBackupSwap);
        backup.steps.push_back(std::move(cp));
    } else {
        auto db = step("backup/database", std::string(kCluster), actions::kBackupDatabase, ms(inv.timeouts.backup));
        db.undo = undo(actions::kBackupRestore);
        backup.steps.push_back(std::move(db));
    }
    if (!inv.backup.storage_path.empty()) {
        auto st = step("backup/storage", std::string(kCluster), actions::kBackupStorage, ms(inv.timeouts.backup));
        st.undo = undo(actions::kBackupRestoreStorage);
        backup.steps.push_back(std::move(st));
    }
    plan.phases.push_back(std::move(backup));

    auto upgrade = phase("upgrade", "deploy " + args.to + " on every node without starting it", true, undo_or_stop,
                         back_live, {"stop", "backup"});
    for (const auto& n : inv.nodes) {
        auto s = step("upgrade/" + n.name, n.name, actions::kNodeUpgrade, ms(inv.timeouts.upgrade), 2);
        s.params["version"] = args.to;
        s.undo = undo(actions::kNodeRollback);
        upgrade.steps.push_back(std::move(s));
    }
    plan.phases.push_back(std::move(upgrade));

    auto can = phase("canary", "start " + canary->name + " alone; wait until it is ready at " + args.to, false,
                     undo_or_stop, rolled_back, {"upgrade"});
    auto cs = step("canary/start/" + canary->name, canary->name, actions::kNodeStart, ms(inv.timeouts.start), 3);
    cs.undo = undo(actions::kNodeStop);
    can.steps.push_back(std::move(cs));
    auto cr = step("canary/ready/" + canary->name, canary->name, actions::kAppWaitReady, ms(inv.timeouts.ready));
    cr.params["version"] = args.to;
    can.steps.push_back(std::move(cr));
    plan.phases.push_back(std::move(can));

    auto ver = phase("verify", "readiness, version, plugin set unchanged, the inventory's checks", false, undo_or_stop,
                     rolled_back, {"canary"});
    auto vs = step("verify/" + canary->name, canary->name, actions::kVerify, ms(inv.timeouts.command));
    vs.params["version"] = args.to;
    ver.steps.push_back(std::move(vs));
    plan.phases.push_back(std::move(ver));

    // --early-traffic: the verified canary serves alone while the others boot; each then joins as soon as it
    // is ready (fanout/join/<node>).
    if (args.early_traffic) {
        auto early = phase("early-traffic", "traffic live on " + canary->name + " alone while the others start", false,
                           OnFailure::Stop, ExitCode::NeedsHuman, {"verify"});
        auto pin = step("early-traffic/pin/" + canary->name, std::string(kCluster), actions::kTrafficPin,
                        ms(inv.timeouts.command), 3);
        pin.params["node"] = canary->name;
        pin.params["require_ready"] = "true";
        early.steps.push_back(std::move(pin));
        plan.phases.push_back(std::move(early));
    }

    // After a verified canary the new version is the way forward: a fan-out failure waits for a human.
    auto fan = phase("fanout",
                     "start the other nodes, each ready at " + args.to +
                         (args.early_traffic ? ", each joining the load balancer once ready" : ""),
                     true, OnFailure::Stop, ExitCode::NeedsHuman, {"verify"});
    for (const auto& n : inv.nodes) {
        if (n.name == canary->name) continue;
        auto s = step("fanout/start/" + n.name, n.name, actions::kNodeStart, ms(inv.timeouts.start), 3);
        auto r = step("fanout/ready/" + n.name, n.name, actions::kAppWaitReady, ms(inv.timeouts.ready));
        r.params["version"] = args.to;
        r.after = {s.id};
        // --early-traffic: each node joins the load balancer once it is ready, so capacity returns node by
        // node. The joins run in parallel; each names only the canary and its node, and the runner adds the
        // nodes that joined before in this run (`cumulative`, under its traffic lock), so the last join to
        // finish serves every ready node whatever the order. The live phase still ends exactly Live.
        const std::string ready_id = r.id;
        fan.steps.push_back(std::move(s));
        fan.steps.push_back(std::move(r));
        if (args.early_traffic) {
            auto j = step("fanout/join/" + n.name, std::string(kCluster), actions::kTrafficServe,
                          ms(inv.timeouts.command), 3);
            j.params = {{"nodes", canary->name + "," + n.name}, {"cumulative", "true"}};
            j.after = {ready_id};
            fan.steps.push_back(gated(std::move(j)));
        }
    }
    plan.phases.push_back(std::move(fan));

    plan.phases.push_back(
        live_phase(inv, "every node at " + args.to + ", then traffic back live, verified", {"fanout"}, args.to));

    // Outside the window: the off-server dump of the in-window copy (checksummed, proven readable, manifest),
    // then the copy dropped once that dump re-verifies. A failure here leaves the copy as the backup.
    if (clone) {
        auto archive = phase("archive",
                             "durable dump taken from the in-window copy while traffic is live; the copy "
                             "dropped once the dump is verified",
                             false, OnFailure::Stop, ExitCode::Failed, {"live"});
        archive.steps.push_back(
            step("archive/dump", std::string(kCluster), actions::kBackupDumpCopy, ms(inv.timeouts.backup)));
        auto drop = step("archive/drop", std::string(kCluster), actions::kBackupDropCopy, ms(inv.timeouts.command), 2);
        drop.after = {"archive/dump"};
        archive.steps.push_back(std::move(drop));
        plan.phases.push_back(std::move(archive));
    }

    plan.fingerprint = plan_fingerprint(plan.inventory_hash, plan.workflow, plan.args);
    return plan;
}

Result<Plan> build_start(const Inventory& inv) {
    if (auto ok = check_nodes(inv); !ok) return fail(ok.error());
    const Node& first = inv.canary_node();
    Plan plan;
    plan.workflow = "start";
    plan.inventory_hash = inv.content_hash;
    plan.phases.push_back(preflight(inv, ""));
    plan.phases.push_back(maintenance(inv, OnFailure::Stop, ExitCode::Failed));

    // Several nodes booting on an empty database race the installation: one first, alone.
    add_first_then_rest(plan, inv, first,
                        "start " + first.name + " alone; wait until its plugins are installed and it is ready",
                        {"maintenance"});

    plan.phases.push_back(live_phase(inv, "traffic live on every node, verified", {"rest"}));
    plan.fingerprint = plan_fingerprint(plan.inventory_hash, plan.workflow, plan.args);
    return plan;
}

Result<Plan> build_stop(const Inventory& inv) {
    if (auto ok = check_nodes(inv); !ok) return fail(ok.error());
    Plan plan;
    plan.workflow = "stop";
    plan.inventory_hash = inv.content_hash;
    plan.phases.push_back(preflight(inv, ""));
    plan.phases.push_back(maintenance(inv, OnFailure::Stop, ExitCode::Failed));
    plan.phases.push_back(stop_all(inv, OnFailure::Stop, ExitCode::NeedsHuman, false));
    plan.fingerprint = plan_fingerprint(plan.inventory_hash, plan.workflow, plan.args);
    return plan;
}

std::vector<std::string> workflow_names() {
    return {"upgrade", "start", "stop", "rollback", "maintain", "traffic-maintenance", "traffic-live", "traffic-pin"};
}

Result<Plan> build_workflow(const Inventory& inv, const std::string& workflow,
                            const std::map<std::string, std::string>& args) {
    auto arg = [&args](const std::string& k) {
        auto it = args.find(k);
        return it == args.end() ? std::string() : it->second;
    };
    if (workflow == "upgrade")
        return build_upgrade(inv, {.to = arg("to"),
                                   .canary = arg("canary"),
                                   .no_rollback = arg("no-rollback") == "true",
                                   .early_traffic = arg("early-traffic") == "true",
                                   .strict = arg("strict") == "true"});
    if (workflow == "start") return build_start(inv);
    if (workflow == "stop") return build_stop(inv);
    if (workflow == "rollback") return build_rollback(inv, args);
    if (workflow == "traffic-maintenance") return build_traffic_maintenance(inv);
    if (workflow == "traffic-live") return build_traffic_live(inv);
    if (workflow == "traffic-pin") return build_traffic_pin(inv, arg("node"));
    if (workflow == "maintain") {
        auto actions = decode_actions(arg("actions"));
        if (!actions) return fail(actions.error());
        MaintainArgs m{.actions = *actions, .canary = arg("canary"), .registry = arg("registry"), .files = {}};
        m.strict = arg("strict") == "true";
        for (const auto& [k, v] : args)
            if (k.starts_with("file:")) m.files[k.substr(5)] = v;
        return build_maintain(inv, m);
    }
    return fail(ErrorCode::Usage, "unknown workflow " + util::quote(workflow));
}

}  // namespace ncbctl::plan
