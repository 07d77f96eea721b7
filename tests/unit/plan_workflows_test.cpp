#include <catch2/catch.hpp>

#include <algorithm>
#include "fakes/engine.hpp"

#include "plan/maintain.hpp"
#include "plan/render.hpp"
#include "plan/workflows.hpp"
#include "run/event_json.hpp"

using namespace ncbctl;
using ncbctl::testing::make_inventory;
using ncbctl::testing::phase_names;

TEST_CASE("upgrade plan follows the documented phase order", "[plan]") {
    auto plan = plan::build_upgrade(make_inventory(3), {.to = "2.2.16"});
    REQUIRE(plan);
    CHECK(phase_names(*plan) == std::vector<std::string>{"preflight", "maintenance", "stop", "backup", "upgrade",
                                                         "canary", "verify", "fanout", "live"});
    // No node starts before the canary; the canary is alone in its phase; fan-out covers the others.
    const Phase* canary = plan->find_phase("canary");
    REQUIRE(canary != nullptr);
    CHECK(canary->steps.size() == 2);
    CHECK(canary->steps[0].id == "canary/start/app1");
    CHECK(canary->steps[1].params.at("version") == "2.2.16");
    const Phase* fan = plan->find_phase("fanout");
    REQUIRE(fan != nullptr);
    CHECK(fan->steps.size() == 4);
    CHECK(plan->find_step("fanout/ready/app3")->after == std::vector<std::string>{"fanout/start/app3"});
    CHECK(plan->find_step("fanout/start/app1") == nullptr);
    CHECK(plan->find_step("stop/app2")->undo->action == "node.start");
    CHECK(plan->find_step("backup/database")->undo->action == "backup.restore");
    CHECK(plan->find_phase("verify")->failure_exit == ExitCode::RolledBack);
    CHECK(plan->find_phase("preflight")->failure_exit == ExitCode::Preflight);
    CHECK(plan->find_phase("fanout")->needs == std::vector<std::string>{"verify"});
}

TEST_CASE("upgrade --early-traffic: the canary is pinned, then each fan-out node joins once it is ready", "[plan]") {
    auto plan = plan::build_upgrade(make_inventory(3), {.to = "2.2.16", .canary = "app2", .early_traffic = true});
    REQUIRE(plan);
    CHECK(phase_names(*plan) == std::vector<std::string>{"preflight", "maintenance", "stop", "backup", "upgrade",
                                                         "canary", "verify", "early-traffic", "fanout", "live"});
    CHECK(plan->find_step("early-traffic/pin/app2")->params.at("node") == "app2");
    const Phase* fan = plan->find_phase("fanout");
    REQUIRE(fan != nullptr);
    CHECK(fan->parallel);
    std::vector<std::string> ids;
    for (const auto& s : fan->steps) ids.push_back(s.id);
    CHECK(ids == std::vector<std::string>{"fanout/start/app1", "fanout/ready/app1", "fanout/join/app1",
                                          "fanout/start/app3", "fanout/ready/app3", "fanout/join/app3"});
    const Step* join = plan->find_step("fanout/join/app3");
    CHECK(join->target == "cluster");
    CHECK(join->action == "traffic.serve");
    CHECK(join->after == std::vector<std::string>{"fanout/ready/app3"});
    CHECK(join->params == Params{{"nodes", "app2,app3"}, {"cumulative", "true"}, {"require_ready", "true"}});
    CHECK_FALSE(join->undo.has_value());  // fan-out failures stop for a human, nothing is undone
    // The live phase still makes the LB exactly live, after every node reports the same version.
    CHECK(plan->find_step("live/traffic")->action == "traffic.live");

    auto plain = plan::build_upgrade(make_inventory(3), {.to = "2.2.16"});
    REQUIRE(plain);
    for (const auto& s : plain->find_phase("fanout")->steps) CHECK(s.action != "traffic.serve");
    auto back = plan::build_workflow(make_inventory(3), "upgrade", plan->args);
    REQUIRE(back);
    CHECK(plan::to_json(*back) == plan::to_json(*plan));  // resume rebuilds the same joins from the args
}

TEST_CASE("upgrade plan honours --canary, --no-rollback and refuses bad input", "[plan]") {
    auto inv = make_inventory(3);
    auto p = plan::build_upgrade(inv, {.to = "2.2.16", .canary = "app2", .no_rollback = true});
    REQUIRE(p);
    CHECK(p->find_step("canary/start/app2") != nullptr);
    CHECK(p->find_step("fanout/start/app1") != nullptr);
    CHECK(p->find_phase("canary")->on_failure == OnFailure::Stop);
    CHECK(p->find_phase("canary")->failure_exit == ExitCode::NeedsHuman);
    CHECK(p->args.at("no-rollback") == "true");

    auto bad_canary = plan::build_upgrade(inv, {.to = "2.2.16", .canary = "nope"});
    REQUIRE_FALSE(bad_canary);
    CHECK(bad_canary.error().code == ErrorCode::Usage);
    auto bad_version = plan::build_upgrade(inv, {.to = "2.2; rm -rf /"});
    REQUIRE_FALSE(bad_version);
    CHECK(bad_version.error().code == ErrorCode::Usage);
    CHECK_FALSE(plan::build_upgrade(make_inventory(0), {.to = "1"}));
}

TEST_CASE("plans are deterministic and fingerprinted by inventory, workflow and args", "[plan]") {
    auto a = plan::build_upgrade(make_inventory(3, "h1"), {.to = "2.2.16"});
    auto b = plan::build_upgrade(make_inventory(3, "h1"), {.to = "2.2.16"});
    auto c = plan::build_upgrade(make_inventory(3, "h2"), {.to = "2.2.16"});
    auto d = plan::build_upgrade(make_inventory(3, "h1"), {.to = "2.2.17"});
    REQUIRE((a && b && c && d));
    CHECK(a->fingerprint == b->fingerprint);
    CHECK(plan::to_json(*a) == plan::to_json(*b));
    CHECK(a->fingerprint != c->fingerprint);
    CHECK(a->fingerprint != d->fingerprint);
    CHECK(a->fingerprint.size() == 64);
    auto s = plan::build_stop(make_inventory(3, "h1"));
    REQUIRE(s);
    CHECK(s->fingerprint != a->fingerprint);
}

TEST_CASE("start and stop plans: one node first, then the rest, maintenance then stop", "[plan]") {
    auto start = plan::build_start(make_inventory(3));
    REQUIRE(start);
    CHECK(phase_names(*start) == std::vector<std::string>{"preflight", "maintenance", "first", "rest", "live"});
    CHECK(start->find_phase("first")->steps.size() == 2);
    CHECK(start->find_phase("rest")->steps.size() == 4);
    auto stop = plan::build_stop(make_inventory(2));
    REQUIRE(stop);
    CHECK(phase_names(*stop) == std::vector<std::string>{"preflight", "maintenance", "stop"});
    CHECK_FALSE(stop->find_step("stop/app1")->undo.has_value());
    auto by_name = plan::build_workflow(make_inventory(2), "upgrade", {{"to", "3.0.0"}});
    REQUIRE(by_name);
    CHECK(by_name->args.at("to") == "3.0.0");
    CHECK_FALSE(plan::build_workflow(make_inventory(2), "explode", {}));
}

TEST_CASE("plan JSON round-trips and the runbook names every step", "[plan]") {
    auto p = plan::build_upgrade(make_inventory(2), {.to = "2.2.16"});
    REQUIRE(p);
    auto back = plan::plan_from_json(plan::to_json(*p));
    REQUIRE(back);
    CHECK(plan::to_json(*back) == plan::to_json(*p));
    auto text = plan::render_text(*p);
    CHECK(text.find(p->fingerprint) != std::string::npos);
    for (const auto& ph : p->phases)
        for (const auto& s : ph.steps) CHECK(text.find(s.id) != std::string::npos);
    CHECK(text.find("undo: backup.restore") != std::string::npos);
    CHECK_FALSE(plan::plan_from_json(nlohmann::json{{"workflow", "x"}}));
    CHECK(plan::format_duration(Duration{90000}) == "1m30s");
    CHECK(plan::format_duration(Duration{250}) == "250ms");
}

TEST_CASE("the plan as text, step by step, is the same document as the DOM, a run.started line carries it",
          "[plan][json]") {
    auto inv = make_inventory(3);
    for (const auto& p :
         {plan::build_upgrade(inv, {.to = "2.2.16", .early_traffic = true}),
          plan::build_maintain(inv, {.actions = {{"plugin_enable", "hello"}, {"plugin_disable", "other"}}}),
          plan::build_stop(inv)}) {
        REQUIRE(p);
        CHECK(nlohmann::json::parse(plan::to_json_text(*p)) == plan::to_json(*p));
        Event e;
        e.kind = EventKind::RunStarted;
        e.run_id = "r1";
        e.message = "upgrade --to 2.2.16";
        e.details = {{"workflow", p->workflow}};
        e.plan = &*p;
        const std::string line = run::event_to_line(e);
        REQUIRE(line.ends_with("}\n"));
        REQUIRE(std::count(line.begin(), line.end(), '\n') == 1);
        auto j = nlohmann::json::parse(line);
        CHECK(j == run::event_to_json(e));  // key order aside, what event_to_json says
        auto back = plan::plan_from_json(j.at("plan"));
        REQUIRE(back);
        CHECK(plan::to_json(*back) == plan::to_json(*p));
    }
    Event plain;
    plain.kind = EventKind::StepFinished;
    plain.run_id = "r1";
    plain.step = "stop/app1";
    CHECK(nlohmann::json::parse(run::event_to_line(plain)) == run::event_to_json(plain));
}

TEST_CASE("backup.in_window clone: preflight checks the copy, the window copies, the dump comes after live",
          "[plan][clone]") {
    Inventory inv = make_inventory(3);
    inv.backup.in_window = "clone";
    auto plan = plan::build_upgrade(inv, {.to = "2.2.16"});
    REQUIRE(plan);
    CHECK(phase_names(*plan) == std::vector<std::string>{"preflight", "maintenance", "stop", "backup", "upgrade",
                                                         "canary", "verify", "fanout", "live", "archive"});
    const Step* check = plan->find_step("preflight/clone");
    REQUIRE(check != nullptr);
    CHECK(check->action == "database.clone_check");
    // Inside the window: the copy, undone by the swap; no dump there.
    const Step* copy = plan->find_step("backup/clone");
    REQUIRE(copy != nullptr);
    CHECK(copy->action == "backup.clone");
    REQUIRE(copy->undo.has_value());
    CHECK(copy->undo->action == "backup.swap");
    CHECK(plan->find_step("backup/database") == nullptr);
    CHECK(plan->find_phase("backup")->on_failure == OnFailure::Undo);
    // After traffic is live: the dump of the copy, then the copy's drop only after it; a failure there stops
    // (nothing to undo: the new version is live, the copy stays the backup).
    const Phase* archive = plan->find_phase("archive");
    REQUIRE(archive != nullptr);
    CHECK(archive->needs == std::vector<std::string>{"live"});
    CHECK(archive->on_failure == OnFailure::Stop);
    CHECK(archive->failure_exit == ExitCode::Failed);
    CHECK(plan->find_step("archive/dump")->action == "backup.dump_copy");
    CHECK(plan->find_step("archive/drop")->action == "backup.drop_copy");
    CHECK(plan->find_step("archive/drop")->after == std::vector<std::string>{"archive/dump"});
    CHECK_FALSE(plan->find_step("archive/dump")->undo.has_value());
    // The default stays a dump in the window: no clone step anywhere.
    auto plain = plan::build_upgrade(make_inventory(3), {.to = "2.2.16"});
    REQUIRE(plain);
    CHECK(plain->find_step("preflight/clone") == nullptr);
    CHECK(plain->find_step("backup/clone") == nullptr);
    CHECK(plain->find_phase("archive") == nullptr);
    // --no-rollback keeps the copy but stops for a human instead of swapping.
    auto nr = plan::build_upgrade(inv, {.to = "2.2.16", .no_rollback = true});
    REQUIRE(nr);
    CHECK(nr->find_phase("backup")->on_failure == OnFailure::Stop);
}
