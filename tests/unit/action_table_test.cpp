// One action vocabulary: every action that any workflow plans, or names as an undo, has a handler in the
// runner's dispatch table, and every name in the vocabulary is handled (none is dead or misspelt).
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "fakes/engine.hpp"
#include "ncbctl/actions.hpp"
#include "plan/maintain.hpp"
#include "plan/rollback_workflow.hpp"
#include "plan/traffic_workflows.hpp"
#include "plan/workflows.hpp"
#include "workflow/cluster_runner.hpp"

using namespace ncbctl;

namespace {

std::vector<Plan> every_workflow() {
    Inventory inv = testing::make_inventory(3);
    inv.backup.destination = "/b";
    inv.backup.storage_path = "/s";  // plans the storage backup and its restore too
    Inventory clone = inv;
    clone.backup.in_window = "clone";  // the server-side copy, its swap and the dump taken after the window
    std::vector<Result<Plan>> built = {
        plan::build_upgrade(inv, {.to = "2.2.16"}),
        plan::build_upgrade(inv, {.to = "2.2.16", .canary = "app2", .early_traffic = true}),
        plan::build_upgrade(inv, {.to = "2.2.16", .no_rollback = true}),
        plan::build_start(inv),
        plan::build_stop(inv),
        plan::build_rollback(inv, {{"run", "r"},
                                   {"backup", "/b/x.pgdump"},
                                   {"storage", "/b/x.tar"},
                                   {"previous.app1", "1"},
                                   {"previous.app2", "1"},
                                   {"previous.app3", "1"}}),
        plan::build_upgrade(clone, {.to = "2.2.16"}),
        plan::build_rollback(inv, {{"run", "r"},
                                   {"clone", "db__ncbctl_r"},
                                   {"clone_failed", "db__ncbctl_failed_r"},
                                   {"previous.app1", "1"},
                                   {"previous.app2", "1"},
                                   {"previous.app3", "1"}}),
        plan::build_traffic_maintenance(inv),
        plan::build_traffic_live(inv),
        plan::build_traffic_pin(inv, "app2"),
    };
    plan::MaintainArgs every_kind{.registry = "http://r"};
    for (const char* a : {"add:@x/new", "enable:hello", "disable:hello", "remove:hello", "upgrade:hello@2",
                          "restore:backup-1.nbdata"}) {
        auto action = plan::parse_maintain_action(a);
        REQUIRE(action);
        every_kind.actions.push_back(*action);
    }
    built.push_back(plan::build_maintain(inv, every_kind));
    every_kind.actions.pop_back();  // without the restore: the plan forecasts (app.forecast)
    built.push_back(plan::build_maintain(inv, every_kind));
    std::vector<Plan> out;
    for (auto& p : built) {
        REQUIRE(p);
        out.push_back(std::move(*p));
    }
    return out;
}

}  // namespace

TEST_CASE("every planned action and undo action has a handler in the runner", "[runner][actions]") {
    std::set<std::string> planned;
    for (const auto& plan : every_workflow())
        for (const auto& phase : plan.phases)
            for (const auto& step : phase.steps) {
                planned.insert(step.action);
                if (step.undo) planned.insert(step.undo->action);
            }
    for (const auto& a : planned) {
        INFO("action " << a);
        CHECK(actions::find(a) != nullptr);
        CHECK(workflow::ClusterRunner::handles(a));
    }
    // The workflows above reach every action of the vocabulary: a name no workflow plans is dead.
    for (const auto& a : actions::kAll) {
        INFO("action " << a.name);
        CHECK(planned.contains(std::string(a.name)));
        CHECK(workflow::ClusterRunner::handles(a.name));
    }
    CHECK_FALSE(workflow::ClusterRunner::handles("node.explode"));
}
