// The maintain plan (docs/maintain.md): shape, safety rules, and the round trip through recorded args.
#include <catch2/catch.hpp>

#include <algorithm>

#include "fakes/engine.hpp"
#include "plan/maintain.hpp"
#include "plan/workflows.hpp"

using namespace ncbctl;
using ncbctl::testing::make_inventory;
using ncbctl::testing::phase_names;

namespace {

plan::MaintainArgs args(std::vector<std::string> actions, std::string registry = "") {
    plan::MaintainArgs a;
    for (const auto& s : actions) {
        auto parsed = plan::parse_maintain_action(s);
        REQUIRE(parsed);
        a.actions.push_back(*parsed);
    }
    a.registry = std::move(registry);
    return a;
}

}  // namespace

TEST_CASE("maintain: pin, scale down, act on the canary only, verify, scale up, verify all, live", "[plan][maintain]") {
    auto plan = plan::build_maintain(make_inventory(3),
                                     args({"add:@nocobase/plugin-sample-hello", "enable:sample-hello"}, "http://r"));
    REQUIRE(plan);
    CHECK(phase_names(*plan) == std::vector<std::string>{"preflight", "pin", "scale-down", "actions", "verify",
                                                         "scale-up", "verify-all", "live"});
    const Step* pin = plan->find_step("pin/traffic");
    REQUIRE(pin != nullptr);
    CHECK(pin->action == "traffic.pin");
    CHECK(pin->params.at("node") == "app1");
    CHECK(pin->undo->action == "traffic.live");
    CHECK(plan->find_step("scale-down/app1") == nullptr);
    CHECK(plan->find_step("scale-down/app2")->action == "node.stop");
    CHECK(plan->find_step("scale-down/app3")->undo->action == "node.start");

    const Phase* act = plan->find_phase("actions");
    REQUIRE(act->steps.size() == 4);
    for (const auto& s : act->steps) CHECK(s.target == "app1");
    CHECK(act->steps[0].action == "app.plugin_add");
    CHECK(act->steps[0].params.at("registry") == "http://r");
    CHECK(act->steps[1].action == "app.wait_ready");
    CHECK(act->steps[2].action == "app.plugin_enable");
    CHECK(act->steps[2].params.at("target") == "sample-hello");
    // A failed action keeps the pinned node serving: no undo, not the rollback exit.
    CHECK(act->on_failure == OnFailure::Stop);
    CHECK(act->failure_exit == ExitCode::Failed);

    for (const std::string n : {"app1", "app2", "app3"}) {
        const Step* v = plan->find_step("verify-all/" + n);
        REQUIRE(v != nullptr);
        CHECK(v->action == "app.plugins_expect");
        CHECK(v->params.at("enabled") == "sample-hello");
    }
    CHECK(plan->find_step("scale-up/ready/app2")->after == std::vector<std::string>{"scale-up/start/app2"});
    // The first node to start runs the pending app.upgrade() alone.
    CHECK(plan->find_step("scale-up/start/app2")->after.empty());
    CHECK(plan->find_step("scale-up/start/app3")->after == std::vector<std::string>{"scale-up/ready/app2"});
    CHECK(plan->find_phase("live")->needs == std::vector<std::string>{"verify-all"});
    // Traffic back only to nodes that answer ready, as after an upgrade.
    CHECK(plan->find_step("live/traffic")->params.at("require_ready") == "true");
    CHECK(plan->find_phase("scale-down")->on_failure == OnFailure::Undo);
}

TEST_CASE("maintain: the last action per plugin decides what every node must show", "[plan][maintain]") {
    auto plan = plan::build_maintain(make_inventory(2), args({"enable:a", "disable:b", "remove:c", "enable:b"}));
    REQUIRE(plan);
    const Step* v = plan->find_step("verify-all/app2");
    REQUIRE(v != nullptr);
    CHECK(v->params.at("enabled") == "a,b");
    // Without add/restore nothing is pending at boot: the others start in parallel.
    CHECK(plan->find_step("scale-up/start/app2")->after.empty());
    // Plugins that must exist are checked in preflight (exit 3, nothing changed).
    const Step* pre = plan->find_step("preflight/plugins/app1");
    REQUIRE(pre != nullptr);
    CHECK(pre->params.at("present") == "a,b");  // c is removed: absent is what remove wants
    CHECK(v->params.at("absent") == "c");
    CHECK_FALSE(v->params.contains("disabled"));
}

TEST_CASE("maintain: rebuilt from its recorded args (resume), refuses bad input", "[plan][maintain]") {
    auto inv = make_inventory(3);
    auto a = args({"restore:backup_1.nbdata", "disable:x"});
    a.canary = "app2";
    auto plan = plan::build_maintain(inv, a);
    REQUIRE(plan);
    auto again = plan::build_workflow(inv, "maintain", plan->args);
    REQUIRE(again);
    CHECK(again->fingerprint == plan->fingerprint);
    CHECK(again->find_step("actions/1-backup_restore")->params.at("target") == "backup_1.nbdata");
    CHECK(again->find_step("scale-down/app1") != nullptr);
    CHECK(std::ranges::count(plan::workflow_names(), "maintain") == 1);

    CHECK_FALSE(plan::parse_maintain_action("frobnicate:x"));
    CHECK_FALSE(plan::parse_maintain_action("enable:"));
    CHECK_FALSE(plan::parse_maintain_action("enable:a,b"));
    CHECK_FALSE(plan::build_maintain(inv, {}));
    CHECK_FALSE(plan::build_maintain(inv, args({"add:@x/y"})));  // no registry
    a.canary = "nope";
    CHECK_FALSE(plan::build_maintain(inv, a));
}

TEST_CASE("maintain: a plugin upgrade restarts the canary with the upgrade marker, once per run of upgrades",
          "[plan][maintain]") {
    auto inv = make_inventory(3);
    auto a = args({"upgrade:sample-hello@1.8.28", "upgrade:@x/plugin-y", "enable:sample-hello"}, "http://r");
    a.files["@x/plugin-y"] = "/tmp/y.tgz";
    auto plan = plan::build_maintain(inv, a);
    REQUIRE(plan);
    const Phase* act = plan->find_phase("actions");
    REQUIRE(act != nullptr);
    std::vector<std::string> shape;
    for (const auto& s : act->steps) {
        CHECK(s.target == (s.action.starts_with("traffic.") ? std::string(kClusterTarget) : "app1"));
        shape.push_back(s.action);
    }
    // Two consecutive upgrades: one restart after the second, before the enable acts on the new code. The
    // maintenance page covers the restart of the only serving node; the pin comes back once it is ready.
    CHECK(shape == std::vector<std::string>{"app.plugin_update", "app.plugin_update", "node.mark_upgrade",
                                            "traffic.maintenance", "node.stop", "node.start", "app.wait_ready",
                                            "traffic.pin", "app.plugin_enable", "app.wait_ready"});
    CHECK(act->steps[7].params.at("node") == "app1");
    CHECK(act->steps[7].params.at("require_ready") == "true");
    CHECK(act->steps[0].params.at("target") == "sample-hello");
    CHECK(act->steps[0].params.at("version") == "1.8.28");
    CHECK(act->steps[0].params.at("registry") == "http://r");
    CHECK(act->steps[1].params.at("file") == "/tmp/y.tgz");
    CHECK_FALSE(act->steps[1].params.contains("registry"));
    CHECK_FALSE(act->steps[1].params.contains("version"));
    // Every node must load the pinned version; the plugin's enabled state is the enable's.
    CHECK(plan->find_step("verify-all/app3")->params.at("versions") == "sample-hello@1.8.28");
    CHECK(plan->find_step("verify-all/app3")->params.at("enabled") == "sample-hello");
    CHECK(plan->find_step("preflight/plugins/app1")->params.at("present") == "sample-hello,@x/plugin-y");
    // Nothing pending at the others' boot: they start in parallel.
    CHECK(plan->find_step("scale-up/start/app3")->after.empty());

    CHECK(plan::command_line(plan->workflow, plan->args) ==
          "maintain --actions upgrade:sample-hello@1.8.28,upgrade:@x/plugin-y,enable:sample-hello --file /tmp/y.tgz "
          "--registry http://r");
    auto again = plan::build_workflow(inv, "maintain", plan->args);  // resume keeps the file
    REQUIRE(again);
    CHECK(again->fingerprint == plan->fingerprint);
    CHECK(again->find_phase("actions")->steps[1].params.at("file") == "/tmp/y.tgz");
}

TEST_CASE("maintain: preflight asks the registry for what the canary will download from it", "[plan][maintain]") {
    auto inv = make_inventory(2);
    auto a = args({"add:@x/new", "enable:new", "upgrade:hello@2", "upgrade:@x/y"}, "http://r");
    a.files["@x/y"] = "/tmp/y.tgz";  // from a file: nothing to ask
    auto plan = plan::build_maintain(inv, a);
    REQUIRE(plan);
    const Step* s = plan->find_step("preflight/registry/app1");
    REQUIRE(s != nullptr);
    CHECK(s->action == "app.registry_check");
    CHECK(s->params == Params{{"registry", "http://r"}, {"add", "@x/new"}, {"upgrade", "hello@2"}});
    CHECK(plan->find_phase("preflight")->failure_exit == ExitCode::Preflight);

    auto files_only = args({"upgrade:@x/y"});
    files_only.files["@x/y"] = "/tmp/y.tgz";
    auto no_registry = plan::build_maintain(inv, files_only);
    REQUIRE(no_registry);
    CHECK(no_registry->find_step("preflight/registry/app1") == nullptr);

    // A token in the URL would be kept in the journal (plan args): refused, the token not echoed.
    auto creds = plan::build_maintain(inv, args({"add:@x/new"}, "https://ci:npm_T0KEN@registry.example/"));
    REQUIRE_FALSE(creds);
    CHECK(creds.error().code == ErrorCode::Usage);
    CHECK(creds.error().message.find("npm_T0KEN") == std::string::npos);
    CHECK(plan::build_maintain(inv, args({"add:@x/new"}, "https://registry.example/@scope/")));
}

TEST_CASE("maintain: a plugin upgrade refuses what cannot work, before changing anything", "[plan][maintain]") {
    auto inv = make_inventory(2);
    auto no_source = plan::build_maintain(inv, args({"upgrade:sample-hello"}));
    REQUIRE_FALSE(no_source);
    CHECK(no_source.error().code == ErrorCode::Usage);
    CHECK(no_source.error().message.find("--registry") != std::string::npos);
    CHECK_FALSE(plan::build_maintain(inv, args({"upgrade:sample-hello@"}, "http://r")));

    // An ssh canary must say where NocoBase's storage is, or its restart would not run the migrations.
    for (auto& n : inv.nodes) {
        n.driver = DriverKind::Ssh;
        n.ssh.service.preset = "systemd";
    }
    auto no_dir = plan::build_maintain(inv, args({"upgrade:sample-hello"}, "http://r"));
    REQUIRE_FALSE(no_dir);
    CHECK(no_dir.error().code == ErrorCode::Inventory);
    CHECK(no_dir.error().message.find("storage_dir") != std::string::npos);
    inv.nodes[0].ssh.service.app_dir = "/srv/nocobase";  // its storage/ is the default
    CHECK(inv.nodes[0].ssh.service.storage_path() == "/srv/nocobase/storage");
    CHECK(plan::build_maintain(inv, args({"upgrade:sample-hello"}, "http://r")));
    inv.nodes[0].ssh.service.storage_dir = "/data/storage";
    CHECK(inv.nodes[0].ssh.service.storage_path() == "/data/storage");
    CHECK(plan::split_plugin_ref("@nocobase/plugin-x@2.0.1").name == "@nocobase/plugin-x");
    CHECK(plan::split_plugin_ref("@nocobase/plugin-x").version.empty());
}
