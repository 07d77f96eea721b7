#include <catch2/catch.hpp>
#include <cstdlib>

#include "fakes/command_runner.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/traffic_switch.hpp"
#include "wiring/wiring.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;

namespace {

const std::string kFile = "/etc/nginx/ncbctl/nocobase.conf";
const std::string kSecret = "unit-secret-abcdefghijklmnop";

Inventory nginx_inventory() {
    Inventory inv;
    for (const char* n : {"app1", "app2"}) inv.nodes.push_back(Node{.name = n});
    inv.canary = "app1";
    inv.traffic.driver = "nginx";
    inv.traffic.include_file = kFile;
    inv.traffic.upstreams = {{"app1", "10.0.0.11:13000"}, {"app2", "10.0.0.12:13000"}};
    inv.traffic.test_command = {"nginx", "-t"};
    inv.traffic.reload_command = {"nginx", "-s", "reload"};
    ::setenv("NCBCTL_UNIT_BYPASS", kSecret.c_str(), 1);
    inv.traffic.bypass = BypassSpec{.header = "X-Bypass", .secret = {.env = "NCBCTL_UNIT_BYPASS"}};
    return inv;
}

Deadline soon() {
    return Deadline::after(5s);
}

// nginx that accepts everything; `cat` of the include returns what was written last.
test::FakeRunner::Handler file_backed(test::RunnerLog& log) {
    return [&log](const Argv& a, const std::string&) {
        if (a[0] == "cat") {
            auto it = log.files.find(kFile);
            return it == log.files.end() ? ExecResult{1, "", "cat: x: No such file or directory\n"}
                                         : ExecResult{0, it->second, ""};
        }
        return ExecResult{0, "", ""};
    };
}

}  // namespace

TEST_CASE("nginx driver: write then test then reload then read the marker back", "[traffic][nginx]") {
    test::RunnerLog log;
    auto handler = file_backed(log);
    auto sw = wiring::make_traffic_switch(nginx_inventory(), std::make_unique<test::FakeRunner>(log, handler));
    REQUIRE(sw->pin("app2", soon()));
    CHECK(log.modes[kFile] == 0600);  // holds the bypass secret
    CHECK(log.files.contains(kFile + ".maintenance.html"));
    CHECK(log.files[kFile].starts_with("# ncbctl-traffic mode=pinned node=app2\n"));
    std::vector<Argv> ran;
    for (const auto& a : log.argvs)
        if (a[0] == "nginx") ran.push_back(a);
    CHECK(ran == std::vector<Argv>{{"nginx", "-t"}, {"nginx", "-s", "reload"}});
    auto st = sw->status(soon());
    REQUIRE(st);
    CHECK(st->mode == TrafficMode::Pinned);
    CHECK(st->pinned_node == "app2");
}

TEST_CASE("nginx driver: a rejected variant restores the old file and masks the secret", "[traffic][nginx]") {
    test::RunnerLog log;
    const std::string old = "# ncbctl-traffic mode=live node=\nupstream ncbctl_nocobase { server 10.0.0.11:13000; }\n";
    log.files[kFile] = old;
    auto handler = [&](const Argv& a, const std::string&) {
        if (a[0] == "cat") return ExecResult{0, log.files[kFile], ""};
        if (a == Argv{"nginx", "-t"})
            return ExecResult{1, "", "nginx: [emerg] unexpected \"" + kSecret + "\" in " + kFile + ":9\n"};
        return ExecResult{0, "", ""};
    };
    auto sw = wiring::make_traffic_switch(nginx_inventory(), std::make_unique<test::FakeRunner>(log, handler));
    auto r = sw->maintenance(soon());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Remote);
    CHECK(r.error().message.find("[emerg]") != std::string::npos);
    CHECK(r.error().message.find("restored") != std::string::npos);
    CHECK(r.error().message.find(kSecret) == std::string::npos);
    CHECK(log.files[kFile] == old);
    for (const auto& a : log.argvs) CHECK(a != Argv{"nginx", "-s", "reload"});
}

TEST_CASE("nginx driver: an unresolvable bypass secret fails before anything is written", "[traffic][nginx]") {
    test::RunnerLog log;
    Inventory inv = nginx_inventory();
    inv.traffic.bypass->secret = {.env = "NCBCTL_UNIT_BYPASS_UNSET"};
    ::unsetenv("NCBCTL_UNIT_BYPASS_UNSET");
    auto sw =
        wiring::make_traffic_switch(inv, std::make_unique<test::FakeRunner>(log, [](const Argv&, const std::string&) {
                                        return ExecResult{0, "", ""};
                                    }));
    auto r = sw->maintenance(soon());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Auth);
    CHECK(r.error().message.find("NCBCTL_UNIT_BYPASS_UNSET") != std::string::npos);
    CHECK(log.files.empty());
}

TEST_CASE("nginx driver: serve writes the partial variant and reads it back", "[traffic][nginx]") {
    test::RunnerLog log;
    auto handler = file_backed(log);
    auto inv = nginx_inventory();
    inv.nodes.push_back(Node{.name = "app3"});
    inv.traffic.upstreams["app3"] = "10.0.0.13:13000";
    auto sw = wiring::make_traffic_switch(inv, std::make_unique<test::FakeRunner>(log, handler));
    REQUIRE(sw->serve({"app3", "app1"}, soon()));
    CHECK(log.files[kFile].starts_with("# ncbctl-traffic mode=partial node=app1,app3\n"));
    auto st = sw->status(soon());
    REQUIRE(st);
    CHECK(st->mode == TrafficMode::Partial);
    CHECK(st->admitted_nodes == std::vector<std::string>{"app1", "app3"});
    CHECK(st->serving_nodes == std::vector<std::string>{"app1", "app3"});
    CHECK_FALSE(sw->verify({.mode = TrafficMode::Partial, .admitted_nodes = {"app1", "app2"}}, soon()));
    REQUIRE(sw->serve({"app1", "app2", "app3"}, soon()));  // every node: the live variant
    CHECK(log.files[kFile].starts_with("# ncbctl-traffic mode=live node=\n"));
}

TEST_CASE("nginx driver: a missing include is the first switch: status says so, live writes it and reloads",
          "[traffic][nginx][setup]") {
    test::RunnerLog log;
    auto handler = file_backed(log);
    auto sw = wiring::make_traffic_switch(nginx_inventory(), std::make_unique<test::FakeRunner>(log, handler));
    auto st = sw->status(soon());
    REQUIRE(st);
    CHECK(st->first_switch);
    CHECK(st->mode == TrafficMode::Unknown);
    CHECK_THAT(st->detail, Catch::Contains("missing") && Catch::Contains("ncbctl traffic setup --write"));
    auto gaps = sw->setup_gaps(soon());
    REQUIRE(gaps);
    REQUIRE(gaps->size() == 1);
    CHECK_THAT(gaps->front(), Catch::Contains("is missing") && Catch::Contains("ncbctl traffic setup --write"));

    REQUIRE(sw->live(soon()));
    CHECK(log.files[kFile].starts_with("# ncbctl-traffic mode=live node=\n"));
    st = sw->status(soon());
    REQUIRE(st);
    CHECK_FALSE(st->first_switch);
    CHECK(st->mode == TrafficMode::Live);
    gaps = sw->setup_gaps(soon());
    REQUIRE(gaps);
    CHECK(gaps->empty());
}

TEST_CASE("nginx driver: first switch on a stopped nginx keeps the file and says to start nginx",
          "[traffic][nginx][setup]") {
    test::RunnerLog log;
    auto backed = file_backed(log);
    auto handler = [&](const Argv& a, const std::string& in) {
        if (a == Argv{"nginx", "-s", "reload"})
            return ExecResult{1, "",
                              "nginx: [error] open() \"/run/nginx.pid\" failed (2: No such file or directory)\n"};
        return backed(a, in);
    };
    auto sw = wiring::make_traffic_switch(nginx_inventory(), std::make_unique<test::FakeRunner>(log, handler));
    auto r = sw->live(soon());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Remote);
    CHECK_THAT(r.error().message, Catch::Contains("is written now") && Catch::Contains("start nginx"));
    CHECK(log.files[kFile].starts_with("# ncbctl-traffic mode=live node=\n"));  // kept: nginx -t accepted it
}

TEST_CASE("nginx driver: a file without the marker is a set-up gap", "[traffic][nginx][setup]") {
    test::RunnerLog log;
    log.files[kFile] = "upstream ncbctl_nocobase { server 10.0.0.11:13000; }\n";
    auto sw = wiring::make_traffic_switch(nginx_inventory(), std::make_unique<test::FakeRunner>(log, file_backed(log)));
    auto gaps = sw->setup_gaps(soon());
    REQUIRE(gaps);
    REQUIRE(gaps->size() == 1);
    CHECK_THAT(gaps->front(), Catch::Contains("not ncbctl's"));
}
