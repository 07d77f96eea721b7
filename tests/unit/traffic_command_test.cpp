#include <catch2/catch.hpp>

#include "fakes/command_runner.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/traffic_switch.hpp"
#include "wiring/wiring.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;

namespace {

Inventory command_inventory() {
    Inventory inv;
    for (const char* n : {"app1", "app2"}) inv.nodes.push_back(Node{.name = n});
    inv.canary = "app1";
    inv.traffic.driver = "command";
    inv.traffic.retry_after = 300;
    inv.traffic.cmd_maintenance = {"lb", "maint", "--retry={{retry_after}}", "--canary={{canary}}"};
    inv.traffic.cmd_pin = {"lb", "pin", "{{node}}", "x{{node}}y{{node}}"};
    inv.traffic.cmd_live = {"lb", "live"};
    inv.traffic.cmd_status = {"lb", "status"};
    return inv;
}

Deadline soon() {
    return Deadline::after(5s);
}

}  // namespace

TEST_CASE("command driver substitutes per argument and verifies with the status command", "[traffic][command]") {
    test::RunnerLog log;
    std::string lb_state = "live";
    auto runner = std::make_unique<test::FakeRunner>(log, [&](const Argv& a, const std::string&) {
        if (a[1] == "maint") lb_state = "maintenance";
        if (a[1] == "pin") lb_state = "pinned " + a[2];
        if (a[1] == "live") lb_state = "live";
        return ExecResult{0, a[1] == "status" ? lb_state + "\nextra\n" : "", ""};
    });
    auto sw = wiring::make_traffic_switch(command_inventory(), std::move(runner));
    REQUIRE(sw->maintenance(soon()));
    CHECK(log.argvs[0] == Argv{"lb", "maint", "--retry=300", "--canary=app1"});
    CHECK(log.argvs[1] == Argv{"lb", "status"});
    REQUIRE(sw->pin("app2", soon()));
    CHECK(log.argvs[2] == Argv{"lb", "pin", "app2", "xapp2yapp2"});
    auto st = sw->status(soon());
    REQUIRE(st);
    CHECK(st->mode == TrafficMode::Pinned);
    CHECK(st->pinned_node == "app2");
    CHECK(st->serving_nodes == std::vector<std::string>{"app2"});
    REQUIRE(sw->live(soon()));
    CHECK_FALSE(sw->verify({.mode = TrafficMode::Maintenance}, soon()));
}

TEST_CASE("command driver: exit 75 is a transient failure and other codes are permanent", "[traffic][command]") {
    test::RunnerLog log;
    int code = 75;
    auto runner = std::make_unique<test::FakeRunner>(log, [&](const Argv&, const std::string&) {
        return ExecResult{code, "", "api throttled\n"};
    });
    auto sw = wiring::make_traffic_switch(command_inventory(), std::move(runner));
    auto r = sw->live(soon());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Remote);
    CHECK(r.error().transient);
    CHECK(r.error().message.find("api throttled") != std::string::npos);
    CHECK(r.error().message.find("cmd_live") != std::string::npos);
    code = 1;
    r = sw->live(soon());
    REQUIRE_FALSE(r);
    CHECK_FALSE(r.error().transient);
}

TEST_CASE("command driver: a state the LB does not confirm fails verification", "[traffic][command]") {
    test::RunnerLog log;
    auto runner = std::make_unique<test::FakeRunner>(log, [&](const Argv& a, const std::string&) {
        return ExecResult{0, a[1] == "status" ? "live\n" : "", ""};
    });
    auto sw = wiring::make_traffic_switch(command_inventory(), std::move(runner));
    auto r = sw->maintenance(soon());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Verification);
}

TEST_CASE("command driver: a missing command is Unsupported and pinning an unknown node is refused",
          "[traffic][command]") {
    test::RunnerLog log;
    Inventory inv = command_inventory();
    inv.traffic.cmd_live.clear();
    inv.traffic.cmd_status.clear();
    auto sw =
        wiring::make_traffic_switch(inv, std::make_unique<test::FakeRunner>(log, [](const Argv&, const std::string&) {
                                        return ExecResult{0, "", ""};
                                    }));
    auto r = sw->live(soon());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Unsupported);
    CHECK_FALSE(sw->pin("app9", soon()));
    CHECK(log.argvs.empty());
    REQUIRE(sw->maintenance(soon()));  // no status command: cannot verify, says so, does not fail
    auto st = sw->status(soon());
    REQUIRE(st);
    CHECK(st->mode == TrafficMode::Unknown);
}

TEST_CASE("none driver says plainly that ncbctl does not control the LB", "[traffic][none]") {
    Inventory inv = command_inventory();
    inv.traffic.driver = "none";
    auto sw = wiring::make_traffic_switch(inv, nullptr);
    auto st = sw->status(soon());
    REQUIRE(st);
    CHECK(st->mode == TrafficMode::Unmanaged);
    CHECK(st->detail.find("does not control") != std::string::npos);
    CHECK(sw->maintenance(soon()));
    CHECK(sw->pin("app1", soon()));
    CHECK(sw->live(soon()));
    CHECK(sw->serve({"app1", "app2"}, soon()));
    CHECK(sw->verify({.mode = TrafficMode::Maintenance}, soon()));
}

TEST_CASE("an unknown traffic driver fails every call with an Inventory error", "[traffic]") {
    Inventory inv = command_inventory();
    inv.traffic.driver = "f5";
    auto sw = wiring::make_traffic_switch(inv, nullptr);
    auto r = sw->status(soon());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Inventory);
    CHECK(r.error().message.find("f5") != std::string::npos);
}

TEST_CASE("command driver: serve runs the serve command with {{nodes}}, or falls back to pin and live",
          "[traffic][command]") {
    test::RunnerLog log;
    std::string lb_state = "maintenance";
    auto handler = [&](const Argv& a, const std::string&) {
        if (a[1] == "pin") lb_state = "pinned " + a[2];
        if (a[1] == "live") lb_state = "live";
        if (a[1] == "serve") lb_state = "serving " + a[2];
        return ExecResult{0, a[1] == "status" ? lb_state + "\n" : "", ""};
    };
    auto inv = command_inventory();
    inv.nodes.push_back(Node{.name = "app3"});
    inv.traffic.cmd_serve = {"lb", "serve", "{{nodes}}"};
    auto sw = wiring::make_traffic_switch(inv, std::make_unique<test::FakeRunner>(log, handler));
    REQUIRE(sw->serve({"app3", "app1"}, soon()));
    CHECK(log.argvs[0] == Argv{"lb", "serve", "app1,app3"});
    auto st = sw->status(soon());
    REQUIRE(st);
    CHECK(st->mode == TrafficMode::Partial);
    CHECK(st->admitted_nodes == std::vector<std::string>{"app1", "app3"});

    inv.traffic.cmd_serve.clear();
    log.argvs.clear();
    auto fallback = wiring::make_traffic_switch(inv, std::make_unique<test::FakeRunner>(log, handler));
    REQUIRE(fallback->serve({"app2"}, soon()));
    CHECK(log.argvs[0] == Argv{"lb", "pin", "app2", "xapp2yapp2"});
    REQUIRE(fallback->serve({"app1", "app2", "app3"}, soon()));
    CHECK(lb_state == "live");
    auto partial = fallback->serve({"app1", "app2"}, soon());
    REQUIRE_FALSE(partial);
    CHECK(partial.error().code == ErrorCode::Unsupported);
    CHECK(lb_state == "live");
}
