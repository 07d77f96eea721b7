// The `ncbctl traffic` changes as plans: shape, arguments, determinism, refusal of unknown nodes, and the
// workflow table (`plan traffic-pin --node X`, resume by name).
#include <catch2/catch.hpp>

#include "fakes/engine.hpp"
#include "plan/render.hpp"
#include "plan/traffic_workflows.hpp"
#include "plan/workflows.hpp"

using namespace ncbctl;
using ncbctl::testing::make_inventory;
using ncbctl::testing::phase_names;

TEST_CASE("traffic maintenance and live: preflight reads the LB then one verified switch", "[plan][traffic]") {
    const auto inv = make_inventory(3);
    for (const auto& [mode, plan] : {std::pair{std::string("maintenance"), plan::build_traffic_maintenance(inv)},
                                     std::pair{std::string("live"), plan::build_traffic_live(inv)}}) {
        INFO(mode);
        REQUIRE(plan);
        CHECK(plan->workflow == "traffic-" + mode);
        CHECK(plan->args.empty());
        CHECK(phase_names(*plan) == std::vector<std::string>{"preflight", "traffic"});
        const Phase& pre = plan->phases[0];
        CHECK(pre.always);
        CHECK(pre.failure_exit == ExitCode::Preflight);
        REQUIRE(pre.steps.size() == 1);
        CHECK(pre.steps[0].action == "traffic.status");
        const Phase& sw = plan->phases[1];
        CHECK(sw.needs == std::vector<std::string>{"preflight"});
        CHECK(sw.failure_exit == ExitCode::Failed);
        CHECK(sw.on_failure == OnFailure::Stop);
        REQUIRE(sw.steps.size() == 1);
        const Step& s = sw.steps[0];
        CHECK(s.id == "traffic/" + mode);
        CHECK(s.action == "traffic." + mode);
        CHECK(s.target == kClusterTarget);
        CHECK_FALSE(s.undo.has_value());
        CHECK(s.retry.attempts == 3);
        CHECK(s.timeout == std::chrono::duration_cast<Duration>(inv.timeouts.command));
        CHECK(plan->fingerprint == plan::plan_fingerprint(inv.content_hash, plan->workflow, {}));
    }
    CHECK(plan::build_traffic_live(inv)->fingerprint != plan::build_traffic_maintenance(inv)->fingerprint);
}

TEST_CASE("traffic pin carries the node to the step and refuses unknown nodes", "[plan][traffic]") {
    const auto inv = make_inventory(3);
    auto pin = plan::build_traffic_pin(inv, "app2");
    REQUIRE(pin);
    CHECK(pin->workflow == "traffic-pin");
    CHECK(pin->args == std::map<std::string, std::string>{{"node", "app2"}});
    const Step* s = pin->find_step("traffic/pin");
    REQUIRE(s != nullptr);
    CHECK(s->action == "traffic.pin");
    CHECK(s->params.at("node") == "app2");
    CHECK(plan::command_line(pin->workflow, pin->args) == "traffic-pin --node app2");
    CHECK(plan::build_traffic_pin(inv, "app3")->fingerprint != pin->fingerprint);
    CHECK(plan::build_traffic_pin(inv, "app2")->fingerprint == pin->fingerprint);

    auto bad = plan::build_traffic_pin(inv, "app9");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == ErrorCode::Usage);
    CHECK_THAT(bad.error().message,
               Catch::Contains("app9") && Catch::Contains("test.yaml") && Catch::Contains("app1, app2, app3"));
    CHECK_FALSE(plan::build_traffic_pin(inv, ""));
}

TEST_CASE("traffic workflows are in the workflow table and rebuild identically", "[plan][traffic]") {
    const auto inv = make_inventory(2);
    const auto names = plan::workflow_names();
    for (const std::string w : {"traffic-maintenance", "traffic-live", "traffic-pin"})
        CHECK(std::find(names.begin(), names.end(), w) != names.end());
    auto by_name = plan::build_workflow(inv, "traffic-pin", {{"node", "app1"}});
    REQUIRE(by_name);
    CHECK(plan::to_json(*by_name) == plan::to_json(*plan::build_traffic_pin(inv, "app1")));
    CHECK(plan::to_json(*plan::build_workflow(inv, "traffic-maintenance", {})) ==
          plan::to_json(*plan::build_traffic_maintenance(inv)));
    CHECK(plan::to_json(*plan::build_workflow(inv, "traffic-live", {})) ==
          plan::to_json(*plan::build_traffic_live(inv)));
    CHECK_FALSE(plan::build_workflow(inv, "traffic-pin", {}));  // resume of a damaged record: usage error
    auto text = plan::render_text(*by_name);
    CHECK(text.find("traffic/pin") != std::string::npos);
}
