#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "fakes/command_runner.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/traffic_switch.hpp"
#include "traffic/haproxy_runtime.hpp"
#include "wiring/wiring.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;

namespace {

std::string data(const std::string& name) {
    std::ifstream in(std::string(NCBCTL_SOURCE_DIR) + "/tests/data/traffic/" + name);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A tiny HAProxy: keeps admin states per backend/server and answers like the real runtime API.
struct FakeHaproxy {
    std::map<std::string, int> admin{{"be/s1", 0}, {"be/s2", 0}, {"be_bypass/s1", 0}, {"be_bypass/s2", 0}};
    std::map<std::string, int> scur;  // open connections per backend/server

    std::string show() const {
        std::string out =
            "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight\n";
        for (const auto& [key, adm] : admin) {
            auto slash = key.find('/');
            out += "3 " + key.substr(0, slash) + " 1 " + key.substr(slash + 1) + " 127.0.0.1 " + (adm ? "0 " : "2 ") +
                   std::to_string(adm) + " 1 1\n";
        }
        out += "\n# pxname,svname,scur,status\n";
        for (const auto& [key, adm] : admin) {
            auto slash = key.find('/');
            out += key.substr(0, slash) + "," + key.substr(slash + 1) + "," +
                   std::to_string(scur.count(key) ? scur.at(key) : 0) + "," + (adm ? "MAINT" : "UP") + "\n";
        }
        return out;
    }

    ExecResult operator()(const Argv& argv, const std::string& line) {
        REQUIRE(argv.front() == "socat");
        if (line.starts_with("show servers state")) return {0, show(), ""};
        std::string reply;
        std::istringstream cmds(line);
        for (std::string cmd; std::getline(cmds, cmd, ';');) {
            std::istringstream w(cmd);
            std::string set, server, target, state, value;
            w >> set >> server >> target >> state >> value;
            if (set == "shutdown" && server == "sessions") {  // shutdown sessions server BE/SRV
                scur[state] = 0;
                reply += admin.contains(state) ? "\n" : "No such server.\n\n";
                continue;
            }
            if (!admin.contains(target)) {
                reply += "No such server.\n\n";
                continue;
            }
            admin[target] = value == "maint" ? 1 : 0;
            reply += "\n";
        }
        return {0, reply, ""};
    }
};

Inventory haproxy_inventory() {
    Inventory inv;
    for (const char* n : {"app1", "app2"}) inv.nodes.push_back(Node{.name = n});
    inv.canary = "app1";
    inv.traffic.driver = "haproxy";
    inv.traffic.via_node = "lb";
    inv.traffic.socket = "/run/haproxy/admin.sock";
    inv.traffic.backend = "be";
    inv.traffic.servers = {{"app1", "s1"}, {"app2", "s2"}};
    inv.traffic.bypass = BypassSpec{.header = "X-Bypass", .secret = {.env = "UNUSED"}};
    return inv;
}

Deadline soon() {
    return Deadline::after(5s);
}

}  // namespace

TEST_CASE("parse_servers_state reads HAProxy 2.6's recorded output", "[traffic][haproxy]") {
    auto servers = traffic::parse_servers_state(data("show-servers-state.txt"));
    REQUIRE(servers);
    REQUIRE(servers->size() == 3);
    CHECK((*servers)[0].backend == "be");
    CHECK((*servers)[0].name == "s1");
    CHECK_FALSE((*servers)[0].enabled());
    CHECK_FALSE((*servers)[0].healthy());
    CHECK((*servers)[1].enabled());
    CHECK((*servers)[1].healthy());
    CHECK((*servers)[2].backend == "be_bypass");
    REQUIRE(traffic::merge_show_stat(data("show-stat.csv"), *servers));
    CHECK((*servers)[0].status == "MAINT");
    CHECK((*servers)[1].status == "UP");
    CHECK((*servers)[2].status == "no check");
}

TEST_CASE("merge_show_stat reads scur, the connections open to each server", "[traffic][haproxy]") {
    auto servers = traffic::parse_servers_state(data("show-servers-state.txt"));
    REQUIRE(servers);
    REQUIRE(traffic::merge_show_stat(data("show-stat.csv"), *servers));
    CHECK((*servers)[0].sessions == 0);
    REQUIRE(traffic::merge_show_stat("# pxname,svname,qcur,qmax,scur,smax,status\nbe,s1,0,0,4,9,MAINT\n", *servers));
    CHECK((*servers)[0].sessions == 4);
    CHECK((*servers)[0].status == "MAINT");
}

TEST_CASE("haproxy driver: open_sessions adds the bypass backend's, close_sessions shuts down both",
          "[traffic][haproxy][drain]") {
    test::RunnerLog log;
    FakeHaproxy lb;
    lb.scur = {{"be/s1", 2}, {"be_bypass/s1", 1}, {"be/s2", 5}};
    auto sw = wiring::make_traffic_switch(haproxy_inventory(), std::make_unique<test::FakeRunner>(log, std::ref(lb)));
    auto n = sw->open_sessions("app1", soon());
    REQUIRE(n);
    CHECK(*n == 3);
    REQUIRE(sw->close_sessions("app1", soon()));
    CHECK(log.stdins.back().find("shutdown sessions server be/s1; shutdown sessions server be_bypass/s1") !=
          std::string::npos);
    const auto read_at = std::chrono::steady_clock::now();
    const auto reads = log.argvs.size();
    n = sw->open_sessions("app1", soon());  // closing dropped the snapshot: a fresh read
    REQUIRE(n);
    CHECK(*n == 0);
    CHECK(log.argvs.size() == reads + 1);
    // Parallel drains share one read: counts asked for again within 90 ms come from the same snapshot.
    lb.scur["be/s2"] = 4;
    const int cached = *sw->open_sessions("app2", soon());
    if (std::chrono::steady_clock::now() - read_at < 80ms) {  // (a loaded machine may have taken longer)
        CHECK(cached == 5);
        CHECK(log.argvs.size() == reads + 1);
    }
    std::this_thread::sleep_for(120ms);
    CHECK(*sw->open_sessions("app2", soon()) == 4);
    auto bad = sw->open_sessions("nope", soon());
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == ErrorCode::Usage);
}

TEST_CASE("parse_servers_state rejects what is not format 1", "[traffic][haproxy]") {
    auto r = traffic::parse_servers_state("Permission denied\n\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Protocol);
    CHECK(r.error().message.find("Permission denied") != std::string::npos);
    CHECK_FALSE(traffic::parse_servers_state("1\n# be_id be_name\n"));
}

TEST_CASE("check_set_reply turns HAProxy's text errors into errors", "[traffic][haproxy]") {
    CHECK(traffic::check_set_reply("\n\n\n", "lb"));
    auto missing = traffic::check_set_reply("\nNo such server.\n\n", "lb");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::NotFound);
    auto denied = traffic::check_set_reply("Permission denied\n", "lb");
    REQUIRE_FALSE(denied);
    CHECK(denied.error().code == ErrorCode::Auth);
    CHECK(denied.error().message.find("level admin") != std::string::npos);
}

TEST_CASE("haproxy driver: pin readies before maint and the bypass backend keeps the canary", "[traffic][haproxy]") {
    test::RunnerLog log;
    FakeHaproxy lb;
    auto sw = wiring::make_traffic_switch(haproxy_inventory(), std::make_unique<test::FakeRunner>(log, std::ref(lb)));
    REQUIRE(sw->pin("app2", soon()));
    CHECK(log.argvs[0] == Argv{"socat", "-t", "5", "-", "UNIX-CONNECT:/run/haproxy/admin.sock"});
    const std::string& sets = log.stdins[1];
    CHECK(sets.find("set server be/s2 state ready") < sets.find("set server be/s1 state maint"));
    CHECK(lb.admin["be/s1"] == 1);
    CHECK(lb.admin["be/s2"] == 0);

    REQUIRE(sw->maintenance(soon()));
    CHECK(lb.admin["be/s1"] == 1);
    CHECK(lb.admin["be/s2"] == 1);
    CHECK(lb.admin["be_bypass/s1"] == 0);  // the canary behind the bypass ACL
    CHECK(lb.admin["be_bypass/s2"] == 1);
    auto st = sw->status(soon());
    REQUIRE(st);
    CHECK(st->mode == TrafficMode::Maintenance);
    CHECK(st->serving_nodes.empty());

    lb.admin["be_bypass/s1"] = 1;  // someone else changed it: verify notices
    auto v = sw->verify({.mode = TrafficMode::Maintenance}, soon());
    REQUIRE_FALSE(v);
    CHECK(v.error().code == ErrorCode::Verification);
    CHECK(v.error().message.find("be_bypass") != std::string::npos);

    REQUIRE(sw->live(soon()));
    st = sw->status(soon());
    REQUIRE(st);
    CHECK(st->mode == TrafficMode::Live);
    CHECK(st->serving_nodes == std::vector<std::string>{"app1", "app2"});
}

TEST_CASE("haproxy driver: a half-switched backend reads as Unknown", "[traffic][haproxy]") {
    test::RunnerLog log;
    FakeHaproxy lb;
    lb.admin["be/s3"] = 0;  // a server no node maps to, still ready
    lb.admin["be/s1"] = 1;
    auto sw = wiring::make_traffic_switch(haproxy_inventory(), std::make_unique<test::FakeRunner>(log, std::ref(lb)));
    auto st = sw->status(soon());
    REQUIRE(st);
    CHECK(st->mode == TrafficMode::Unknown);
    REQUIRE(sw->maintenance(soon()));  // every server of the backend goes to maint, mapped or not
    CHECK(lb.admin["be/s3"] == 1);
}

TEST_CASE("haproxy driver through a runner: socat's complaints become errors that say what to do",
          "[traffic][haproxy]") {
    test::RunnerLog log;
    std::string err =
        "2026/11/26 socat[1] E connect(5, AF=1 \"/run/haproxy/admin.sock\", 25): No such file or directory\n";
    auto sw = wiring::make_traffic_switch(haproxy_inventory(),
                                          std::make_unique<test::FakeRunner>(log, [&](const Argv&, const std::string&) {
                                              return ExecResult{1, "", err};
                                          }));
    auto r = sw->status(soon());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Unreachable);
    CHECK(r.error().transient);
    CHECK(r.error().message.find("level admin") != std::string::npos);
    err = "sh: 1: socat: not found\n";
    r = sw->status(soon());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Unsupported);
}

TEST_CASE("haproxy driver: serve readies a set of servers, reads back as Partial, and pin/live are its ends",
          "[traffic][haproxy]") {
    test::RunnerLog log;
    FakeHaproxy lb;
    lb.admin["be/s3"] = 1;
    lb.admin["be_bypass/s3"] = 1;
    auto inv = haproxy_inventory();
    inv.nodes.push_back(Node{.name = "app3"});
    inv.traffic.servers["app3"] = "s3";
    auto sw = wiring::make_traffic_switch(inv, std::make_unique<test::FakeRunner>(log, std::ref(lb)));
    REQUIRE(sw->maintenance(soon()));
    const std::size_t before = log.stdins.size();
    REQUIRE(sw->serve({"app3", "app1"}, soon()));
    const std::string& sets = log.stdins.at(before + 1);  // read, set, read back
    CHECK(sets.find("set server be/s3 state ready") < sets.find("set server be/s2 state maint"));
    CHECK(lb.admin["be/s1"] == 0);
    CHECK(lb.admin["be/s2"] == 1);
    CHECK(lb.admin["be/s3"] == 0);
    CHECK(lb.admin["be_bypass/s3"] == 0);  // the bypass follows the served set
    auto st = sw->status(soon());
    REQUIRE(st);
    CHECK(st->mode == TrafficMode::Partial);
    CHECK(st->admitted_nodes == std::vector<std::string>{"app1", "app3"});
    CHECK(sw->verify({.mode = TrafficMode::Partial, .admitted_nodes = {"app3", "app1"}}, soon()));
    CHECK_FALSE(sw->verify({.mode = TrafficMode::Partial, .admitted_nodes = {"app1", "app2"}}, soon()));
    REQUIRE(sw->serve({"app2"}, soon()));
    st = sw->status(soon());
    REQUIRE(st);
    CHECK(st->mode == TrafficMode::Pinned);
    CHECK(st->pinned_node == "app2");
    REQUIRE(sw->serve({"app1", "app2", "app3"}, soon()));
    st = sw->status(soon());
    REQUIRE(st);
    CHECK(st->mode == TrafficMode::Live);
    auto none = sw->serve({}, soon());
    REQUIRE_FALSE(none);
    CHECK(none.error().code == ErrorCode::Usage);
    auto unknown = sw->serve({"app1", "app9"}, soon());
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == ErrorCode::Usage);
    CHECK(lb.admin["be/s2"] == 0);  // a refused serve changes nothing
}

TEST_CASE("haproxy channel through a runner never hands socat a socket path with address syntax",
          "[traffic][haproxy][security]") {
    test::RunnerLog log;
    for (const char* path : {"/run/haproxy/admin.sock,bind=/tmp/victim,unlink-close", "/run/h:a.sock", "/run/h=a.sock",
                             "/run/a!!b.sock", "relative.sock", "/run/a b.sock", "/run/a\n.sock"}) {
        INFO(path);
        auto ch = traffic::make_runner_haproxy_channel(
            path, std::make_unique<test::FakeRunner>(log, [](const Argv&, const std::string&) {
                return ExecResult{0, "", ""};
            }));
        auto r = ch->send("show info", soon());
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::Inventory);
        CHECK(r.error().message.find('\n') == std::string::npos);
    }
    CHECK(log.argvs.empty());  // socat never started
    auto ok = traffic::make_runner_haproxy_channel(
        "/run/haproxy/admin-1.sock", std::make_unique<test::FakeRunner>(log, [](const Argv&, const std::string&) {
            return ExecResult{0, "x", ""};
        }));
    REQUIRE(ok->send("show info", soon()));
    REQUIRE(log.argvs.size() == 1);
    CHECK(log.argvs[0].back() == "UNIX-CONNECT:/run/haproxy/admin-1.sock");
}

TEST_CASE("haproxy driver: backend_servers lists every server of the backend, an extra one too",
          "[traffic][haproxy][preflight]") {
    test::RunnerLog log;
    FakeHaproxy lb;
    lb.admin["be/old3"] = 0;  // a server the inventory does not know
    auto sw = wiring::make_traffic_switch(haproxy_inventory(), std::make_unique<test::FakeRunner>(log, std::ref(lb)));
    auto names = sw->backend_servers(soon());
    REQUIRE(names);
    CHECK(*names == std::vector<std::string>{"old3", "s1", "s2"});  // the bypass backend's are not listed
}
