#include <catch2/catch.hpp>

#include "plan/rollback_workflow.hpp"
#include "plan/workflows.hpp"

using namespace ncbctl;

namespace {

Inventory two_nodes() {
    Inventory inv;
    inv.cluster = "c";
    inv.content_hash = "h";
    for (auto n : {"a", "b"}) {
        Node node;
        node.name = n;
        inv.nodes.push_back(node);
    }
    inv.canary = "a";
    return inv;
}

RunRecord upgrade_run(bool went_live) {
    RunRecord r;
    r.run_id = "R1";
    r.workflow = "upgrade";
    r.command = "upgrade --to 2";
    r.steps["backup/database"] = {StepState::Ok, {{"path", "/b/c.pgdump"}}, 1, ""};
    r.steps["upgrade/a"] = {StepState::Ok, {{"previous_version", "1"}}, 1, ""};
    r.steps["upgrade/b"] = {StepState::Ok, {{"previous_version", "1.1"}}, 1, ""};
    if (went_live) r.steps["live/traffic"] = {StepState::Ok, {}, 1, ""};
    return r;
}

}  // namespace

TEST_CASE("rollback args come from the upgrade's journal", "[rollback]") {
    auto src = plan::rollback_args(upgrade_run(true));
    REQUIRE(src);
    CHECK(src->went_live);
    CHECK(src->args.at("backup") == "/b/c.pgdump");
    CHECK(src->args.at("previous.b") == "1.1");
    CHECK_FALSE(plan::rollback_args(upgrade_run(false))->went_live);
    auto early = upgrade_run(false);  // --early-traffic stopped in the fan-out: the canary already served
    early.steps["early-traffic/pin/a"] = {StepState::Ok, {}, 1, ""};
    CHECK(plan::rollback_args(early)->went_live);
}

TEST_CASE("rollback refuses runs it cannot take back", "[rollback]") {
    auto no_backup = upgrade_run(false);
    no_backup.steps.erase("backup/database");
    CHECK_FALSE(plan::rollback_args(no_backup));
    auto start = upgrade_run(false);
    start.workflow = "start";
    CHECK_FALSE(plan::rollback_args(start));
    auto undone = upgrade_run(false);
    undone.undos = 3;
    CHECK_FALSE(plan::rollback_args(undone));
}

TEST_CASE("the rollback plan restores before any node starts and is rebuilt identically", "[rollback]") {
    auto inv = two_nodes();
    auto args = plan::rollback_args(upgrade_run(true))->args;
    auto p = plan::build_rollback(inv, args);
    REQUIRE(p);
    std::vector<std::string> phases;
    for (const auto& ph : p->phases) phases.push_back(ph.name);
    CHECK(phases ==
          std::vector<std::string>{"preflight", "maintenance", "stop", "restore", "rollback", "first", "rest", "live"});
    CHECK(p->find_step("restore/database")->params.at("path") == "/b/c.pgdump");
    CHECK(p->find_step("rollback/b")->params.at("previous_version") == "1.1");
    auto again = plan::build_workflow(inv, "rollback", args);
    REQUIRE(again);
    CHECK(again->fingerprint == p->fingerprint);
    args.erase("previous.b");
    CHECK_FALSE(plan::build_rollback(inv, args));
}

TEST_CASE("rollback of a clone run: the copy swaps back while it exists, else its dump is restored",
          "[rollback][clone]") {
    RunRecord r = upgrade_run(false);
    r.steps.erase("backup/database");
    r.steps["backup/clone"] = {StepState::Ok, {{"copy", "db__ncbctl_r1"}, {"failed", "db__ncbctl_failed_r1"}}, 1, ""};
    auto args = plan::rollback_args(r);
    REQUIRE(args);
    CHECK(args->args.at("clone") == "db__ncbctl_r1");
    auto plan = plan::build_rollback(two_nodes(), args->args);
    REQUIRE(plan);
    const Step* sw = plan->find_step("restore/clone");
    REQUIRE(sw != nullptr);
    CHECK(sw->action == "backup.swap");
    CHECK(sw->params.at("copy") == "db__ncbctl_r1");
    CHECK(sw->params.at("failed") == "db__ncbctl_failed_r1");
    CHECK(plan->find_step("restore/database") == nullptr);

    // Dumped and dropped after the window: the dump is the backup.
    r.steps["archive/dump"] = {StepState::Ok, {{"path", "/b/from-copy.pgdump"}}, 1, ""};
    r.steps["archive/drop"] = {StepState::Ok, {{"dropped", "true"}}, 1, ""};
    args = plan::rollback_args(r);
    REQUIRE(args);
    CHECK_FALSE(args->args.contains("clone"));
    plan = plan::build_rollback(two_nodes(), args->args);
    REQUIRE(plan);
    CHECK(plan->find_step("restore/database")->params.at("path") == "/b/from-copy.pgdump");
    CHECK(plan->find_step("restore/clone") == nullptr);
}
