#include "plan/rollback_workflow.hpp"

#include <set>

#include "ncbctl/actions.hpp"
#include "plan/builders.hpp"
#include "plan/workflows.hpp"

namespace ncbctl::plan {
namespace {

// A rollback that fails mid-way needs a human, never a second rollback.
Phase make_phase(std::string name, std::string title, bool parallel, ExitCode exit, std::vector<std::string> needs) {
    return phase(std::move(name), std::move(title), parallel, OnFailure::Stop, exit, std::move(needs));
}

std::string arg(const std::map<std::string, std::string>& a, const std::string& k) {
    auto it = a.find(k);
    return it == a.end() ? std::string() : it->second;
}

}  // namespace

Result<Plan> build_rollback(const Inventory& inv, const std::map<std::string, std::string>& args) {
    const std::string backup = arg(args, "backup");
    if (backup.empty() && arg(args, "clone").empty())
        return fail(ErrorCode::Usage, "rollback: no backup recorded for run " + arg(args, "run"));
    for (const auto& n : inv.nodes)
        if (arg(args, "previous." + n.name).empty())
            return fail(ErrorCode::Usage, "rollback: run " + arg(args, "run") +
                                              " recorded no previous version for node " + n.name +
                                              " (the inventory changed since?)");
    const Node& first = inv.canary_node();
    Plan plan;
    plan.workflow = "rollback";
    plan.args = args;
    plan.inventory_hash = inv.content_hash;

    auto pre = make_phase("preflight", "check every node and the LB; change nothing", true, ExitCode::Preflight, {});
    pre.always = true;
    for (const auto& n : inv.nodes)
        pre.steps.push_back(
            step("preflight/probe/" + n.name, n.name, actions::kNodeProbe, ms(inv.timeouts.command), 3));
    pre.steps.push_back(
        step("preflight/traffic", std::string(kClusterTarget), actions::kTrafficStatus, ms(inv.timeouts.command), 3));
    plan.phases.push_back(std::move(pre));

    auto maint =
        make_phase("maintenance", "load balancer to 503 + Retry-After", false, ExitCode::Failed, {"preflight"});
    maint.steps.push_back(step("maintenance/traffic", std::string(kClusterTarget), actions::kTrafficMaintenance,
                               ms(inv.timeouts.command), 3));
    plan.phases.push_back(std::move(maint));

    auto stop = make_phase("stop", "stop every node", true, ExitCode::NeedsHuman, {"maintenance"});
    for (const auto& n : inv.nodes)
        stop.steps.push_back(step("stop/" + n.name, n.name, actions::kNodeStop, ms(inv.timeouts.stop), 3));
    plan.phases.push_back(std::move(stop));

    auto restore =
        make_phase("restore", "restore the upgrade's verified backup", false, ExitCode::NeedsHuman, {"stop"});
    // The run's in-window copy, not yet dumped and dropped, goes back in place by renaming; else its dump.
    if (!arg(args, "clone").empty()) {
        auto sw = step("restore/clone", std::string(kClusterTarget), actions::kBackupSwap, ms(inv.timeouts.command));
        sw.params = {{"copy", arg(args, "clone")}, {"failed", arg(args, "clone_failed")}};
        restore.steps.push_back(std::move(sw));
    } else {
        auto db =
            step("restore/database", std::string(kClusterTarget), actions::kBackupRestore, ms(inv.timeouts.backup));
        db.params["path"] = backup;
        restore.steps.push_back(std::move(db));
    }
    if (!arg(args, "storage").empty()) {
        auto st = step("restore/storage", std::string(kClusterTarget), actions::kBackupRestoreStorage,
                       ms(inv.timeouts.backup));
        st.params["path"] = arg(args, "storage");
        restore.steps.push_back(std::move(st));
    }
    plan.phases.push_back(std::move(restore));

    auto back = make_phase("rollback", "every node back on its previous version, not started", true,
                           ExitCode::NeedsHuman, {"restore"});
    for (const auto& n : inv.nodes) {
        auto s = step("rollback/" + n.name, n.name, actions::kNodeRollback, ms(inv.timeouts.upgrade), 2);
        s.params["previous_version"] = arg(args, "previous." + n.name);
        back.steps.push_back(std::move(s));
    }
    plan.phases.push_back(std::move(back));

    add_first_then_rest(plan, inv, first, "start " + first.name + " alone until ready", {"rollback"});

    plan.phases.push_back(live_phase(inv, "every node at the same version, traffic live", {"rest"}));
    plan.fingerprint = plan_fingerprint(plan.inventory_hash, plan.workflow, plan.args);
    return plan;
}

Result<RollbackSource> rollback_args(const RunRecord& up) {
    if (up.workflow != "upgrade")
        return fail(ErrorCode::Usage,
                    "run " + up.run_id + " is a " + up.workflow + ", not an upgrade: nothing to roll back");
    RollbackSource out;
    out.args["run"] = up.run_id;
    std::string clone, clone_failed;
    bool dropped = false;
    for (const auto& [id, rec] : up.steps) {
        if (rec.state != StepState::Ok) continue;
        if (id == "backup/database") out.args["backup"] = rec.details.contains("path") ? rec.details.at("path") : "";
        if (id == "archive/dump") out.args["backup"] = rec.details.contains("path") ? rec.details.at("path") : "";
        if (id == "backup/clone" && rec.details.contains("copy")) {
            clone = rec.details.at("copy");
            clone_failed = rec.details.contains("failed") ? rec.details.at("failed") : "";
        }
        if (id == "archive/drop") dropped = true;
        if (id == "backup/storage") out.args["storage"] = rec.details.contains("path") ? rec.details.at("path") : "";
        if (id.starts_with("upgrade/") && rec.details.contains("previous_version"))
            out.args["previous." + id.substr(8)] = rec.details.at("previous_version");
        // --early-traffic gives traffic back before the live phase: the pin of the canary, the joins.
        if (id == "live/traffic" || id.starts_with("early-traffic/pin/") || id.starts_with("fanout/join/"))
            out.went_live = true;
    }
    // backup.in_window: clone before its archive phase finished: the copy is still the backup.
    std::string clone_pending;
    if (!clone.empty() && !dropped && out.args["backup"].empty()) {
        clone_pending = clone;
        out.args["clone"] = clone;
        out.args["clone_failed"] = clone_failed;
    }
    if (out.args["backup"].empty() && clone_pending.empty())
        return fail(ErrorCode::Usage,
                    "run " + up.run_id + " has no verified database backup: it cannot be rolled back by ncbctl");
    if (up.undos > 0) return fail(ErrorCode::Usage, "run " + up.run_id + " was already rolled back");
    return out;
}

}  // namespace ncbctl::plan
