// The real action runner's orchestration logic against recording fakes of its ports.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "fakes/app_client.hpp"
#include "fakes/rendezvous.hpp"
#include "workflow/cluster_runner.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct Record {
    std::mutex mu;
    std::vector<std::string> calls;
    void add(std::string c) {
        std::lock_guard l(mu);
        calls.push_back(std::move(c));
    }
};

struct FakeNode final : NodeDriver {
    std::string name;
    Record& rec;
    std::string deployed = "1.0.0";
    ServiceState state = ServiceState::Running;
    bool ignores_stop = false;
    FakeNode(std::string n, Record& r) : name(std::move(n)), rec(r) {}
    const std::string& node_name() const override { return name; }
    Result<NodeState> probe(const Deadline&) override { return NodeState{true, state, deployed, ""}; }
    testing::Rendezvous* stops_meet = nullptr;  // stop() waits there for the other nodes' stops
    bool stop_met = false;
    testing::Rendezvous* gate = nullptr;  // a `gate` command check waits there (verify concurrency)
    bool gate_met = false;
    Status stop(const Deadline&) override {
        if (stops_meet != nullptr) stop_met = stops_meet->arrive();
        rec.add("stop " + name);
        if (!ignores_stop) state = ServiceState::Stopped;
        return {};
    }
    bool fails_start = false;
    Status start(const Deadline&) override {
        if (fails_start) return fail(ErrorCode::Remote, "supervisorctl start: ERROR (spawn error)");
        rec.add("start " + name);
        state = ServiceState::Running;
        return {};
    }
    Status prepare(const std::string& v, const Deadline&) override {
        rec.add("prepare " + name + " " + v);
        return {};
    }
    Status upgrade(const std::string& v, const Deadline&) override {
        rec.add("upgrade " + name + " " + v);
        deployed = v;
        return {};
    }
    Status rollback(const std::string& v, const Deadline&) override {
        rec.add("rollback " + name + " " + v);
        deployed = v;
        return {};
    }
    Result<ExecResult> exec(const Argv& argv, const Deadline&) override {
        if (argv.front() == "gate" && gate != nullptr) gate_met = gate->arrive();
        rec.add("exec " + name + " " + argv.front());
        return ExecResult{argv.front() == "false" ? 1 : 0, "", argv.front() == "false" ? "nope" : ""};
    }
    Status mark_upgrade(const Deadline&) override {
        rec.add("mark_upgrade " + name);
        return {};
    }
    std::optional<std::string> log_text;  // nullopt: this driver cannot read logs
    Result<std::string> logs(int lines, const Deadline& d) override {
        if (!log_text) return NodeDriver::logs(lines, d);
        rec.add("logs " + name + " " + std::to_string(lines));
        return *log_text;
    }
};

struct AppState {
    std::map<std::string, std::string> version;                // node -> version reported
    std::set<std::string> booting;                             // nodes that never become ready
    std::vector<std::string> updates;                          // pm:update calls
    std::atomic<int> checks = 0, waits = 0, plugin_lists = 0;  // calls, for "no repeated requests"
    int not_ready_checks = 0;                                  // the first N readiness answers are "booting"
    testing::Rendezvous* meet = nullptr;  // the first check() and plugins() wait there for each other
    bool check_met = false, plugins_met = false;
    std::vector<PluginInfo> plugins{{"acl", "@nocobase/plugin-acl", "1", true, true, true},
                                    {"hello", "@x/hello", "1", true, true, false}};
};

struct FakeApp final : testing::StubApp {
    std::string node;
    AppState& st;
    FakeApp(std::string n, AppState& s) : node(std::move(n)), st(s) {}
    AppStatus check(const Deadline&) override {
        if (++st.checks == 1 && st.meet != nullptr) st.check_met = st.meet->arrive();
        AppStatus a;
        a.phase = st.booting.contains(node) ? AppPhase::Booting : AppPhase::Ready;
        if (st.not_ready_checks > 0) {
            --st.not_ready_checks;
            a.phase = AppPhase::Booting;
        }
        a.version = st.version[node];
        return a;
    }
    Result<AppStatus> wait_ready(const std::optional<std::string>& v, const Deadline& d, const ProgressFn& p) override {
        ++st.waits;
        auto a = check(d);
        if (st.booting.contains(node)) return fail(ErrorCode::Timeout, "node " + node + " not ready", true);
        if (p) p(a);
        if (v && *v != a.version) return fail(ErrorCode::Timeout, "node " + node + " not ready at " + *v, true);
        return a;
    }
    Result<std::vector<PluginInfo>> plugins(const Deadline&) override {
        if (++st.plugin_lists == 1 && st.meet != nullptr) st.plugins_met = st.meet->arrive();
        return st.plugins;
    }
    Status plugin_add(const std::string&, const std::string&, const std::string&, const Deadline&) override {
        return {};
    }
    Status plugin_enable(const std::string&, const Deadline&) override { return {}; }
    Status plugin_disable(const std::string&, const Deadline&) override { return {}; }
    Status plugin_remove(const std::string&, const Deadline&) override { return {}; }
    Status plugin_update(const std::string& name, const std::string& package, const PluginSource& src,
                         const Deadline&) override {
        st.updates.push_back(node + " " + name + " " + package + " " + (src.file.empty() ? src.registry : src.file) +
                             " " + src.version);
        return {};
    }
    Result<std::string> backup_create(const Deadline&) override { return std::string("b"); }
    Result<std::vector<BackupInfo>> backup_list(const Deadline&) override { return std::vector<BackupInfo>{}; }
    Result<std::string> backup_download(const std::string&, const std::string&, const Deadline&) override {
        return std::string();
    }
    Status backup_restore(const std::string&, const Deadline&) override { return {}; }
    Status backup_restore_upload(const std::string&, const Deadline&) override { return {}; }
    Status backup_delete(const std::string&, const Deadline&) override { return {}; }
};

// What the LB holds open to each node, for drains: each open_sessions call takes the next count (the last
// one repeats); no entry at all means the driver cannot count (Unsupported).
struct Connections {
    std::map<std::string, std::vector<int>> counts;
    std::vector<std::string> admitted;  // what status() reports as admitted
    bool cannot_close = false;          // close_sessions Unsupported (nginx)
};

struct FakeTraffic final : TrafficSwitch {
    Record& rec;
    long& lb_status;
    bool serve_unsupported = false;
    Connections* conns = nullptr;
    explicit FakeTraffic(Record& r, long& s, bool unsupported = false, Connections* c = nullptr)
        : rec(r), lb_status(s), serve_unsupported(unsupported), conns(c) {}
    Result<TrafficState> status(const Deadline&) override {
        TrafficState st{TrafficMode::Live, "", {}, "fake"};
        if (conns != nullptr) st.admitted_nodes = conns->admitted;
        return st;
    }
    Result<int> open_sessions(const std::string& node, const Deadline& d) override {
        if (conns == nullptr || conns->counts.empty()) return TrafficSwitch::open_sessions(node, d);
        auto& c = conns->counts[node];
        if (c.empty()) return 0;
        const int n = c.front();
        if (c.size() > 1) c.erase(c.begin());
        return n;
    }
    Status close_sessions(const std::string& node, const Deadline& d) override {
        if (conns->cannot_close) return TrafficSwitch::close_sessions(node, d);
        rec.add("traffic close " + node);
        conns->counts[node] = {0};
        return {};
    }
    Status maintenance(const Deadline&) override {
        rec.add("traffic maintenance");
        lb_status = 503;
        return {};
    }
    Status pin(const std::string& n, const Deadline&) override {
        rec.add("traffic pin " + n);
        lb_status = 200;
        return {};
    }
    Status live(const Deadline&) override {
        rec.add("traffic live");
        lb_status = 200;
        return {};
    }
    Status serve(const std::vector<std::string>& nodes, const Deadline&) override {
        if (serve_unsupported) return fail(ErrorCode::Unsupported, "this driver cannot serve a set");
        std::string list;
        for (const auto& n : nodes) list += (list.empty() ? "" : ",") + n;
        rec.add("traffic serve " + list);
        lb_status = 200;
        return {};
    }
    Status verify(const TrafficState&, const Deadline&) override { return {}; }
};

struct NullSink final : EventSink {
    std::vector<std::string> messages;
    void on_event(const Event& e) override { messages.push_back(e.message); }
};

struct Fixture {
    Inventory inv;
    Record rec;
    AppState app;
    long lb_status = 200;
    bool lb_retry_after = true;
    bool serve_unsupported = false;
    Connections conns;
    std::map<std::string, FakeNode*> nodes;
    std::set<std::string> databases{"db"};
    bool dump_intact = true;
    std::string work = (fs::temp_directory_path() / ("ncbctl-runner-test-" + std::to_string(::getpid()))).string();
    std::unique_ptr<workflow::ClusterRunner> runner;
    NullSink sink;

    Fixture() {
        fs::remove_all(work);
        inv.cluster = "c";
        inv.lb_url = "http://lb";
        for (auto n : {"a", "b"}) {
            Node node;
            node.name = n;
            inv.nodes.push_back(node);
            app.version[n] = "1.0.0";
        }
        inv.canary = "a";
        inv.backup.destination = work + "/backups";
        workflow::ClusterPorts p;
        p.node_driver = [this](const Node& n) -> Result<NodeDriverPtr> {
            auto d = std::make_unique<FakeNode>(n.name, rec);
            nodes[n.name] = d.get();
            return NodeDriverPtr(std::move(d));
        };
        p.node_app = [this](const Node& n) -> Result<std::unique_ptr<AppClient>> {
            return std::unique_ptr<AppClient>(std::make_unique<FakeApp>(n.name, app));
        };
        p.traffic = [this]() -> Result<std::unique_ptr<TrafficSwitch>> {
            return std::unique_ptr<TrafficSwitch>(
                std::make_unique<FakeTraffic>(rec, lb_status, serve_unsupported, &conns));
        };
        p.lb_get = [this](const std::string&, const Deadline&) -> Result<std::pair<long, std::string>> {
            if (lb_status == 0) return fail(ErrorCode::Unreachable, "Couldn't connect to server", true);
            return std::pair{lb_status, lb_status == 503 && lb_retry_after ? std::string("60") : std::string()};
        };
        p.database_dump = [this](const std::string& base, const Deadline&) -> Result<Params> {
            rec.add("dump " + base.substr(0, 2));
            return Params{{"path", "/b/" + base + ".pgdump"}, {"sha256", std::string(64, 'a')}};
        };
        p.database_restore = [this](const std::string& path, const Deadline&) -> Status {
            rec.add("restore " + path.substr(0, 3));
            return {};
        };
        // backup.in_window: clone, over a set of database names.
        p.clone_names = [](const std::string& run) { return std::pair{"db__" + run, "db__failed_" + run}; };
        p.clone_check = [this](const std::string& copy, const std::string&, const Deadline&) -> Result<std::string> {
            rec.add("clone_check " + copy.substr(0, 4));
            return std::string("ok");
        };
        p.database_clone = [this](const std::string& copy, const Deadline&) -> Result<Params> {
            rec.add("clone");
            databases.insert(copy);
            return Params{{"verified", "3 relations"}, {"seconds", "0.100"}};
        };
        p.clone_swap = [this](const std::string& copy, const std::string& failed, const Deadline&) -> Result<Params> {
            rec.add("swap " + copy.substr(0, 4) + " " + failed.substr(0, 11));
            databases.erase(copy);
            databases.insert(failed);
            return Params{{"seconds", "0.010"}};
        };
        p.database_dump_copy = [this](const std::string& base, const std::string& copy,
                                      const Deadline&) -> Result<Params> {
            rec.add("dump_copy " + copy.substr(0, 4));
            return Params{{"path", "/b/" + base + ".pgdump"}, {"sha256", std::string(64, 'b')}, {"seconds", "1.0"}};
        };
        p.dump_verify = [this](const std::string& path, const Deadline&) -> Result<Params> {
            rec.add("dump_verify");
            if (!dump_intact) return fail(ErrorCode::Verification, path + ": SHA-256 differs from the manifest");
            return Params{{"path", path}};
        };
        p.database_exists = [this](const std::string& name, const Deadline&) -> Result<bool> {
            return databases.contains(name);
        };
        p.database_drop = [this](const std::string& name, const Deadline&) -> Status {
            rec.add("drop " + name.substr(0, 4));
            databases.erase(name);
            return {};
        };
        p.registry = [](const std::string& registry, const std::string&, const Deadline&) -> Result<RegistryPackage> {
            return fail(ErrorCode::Unreachable, registry + ": Couldn't connect to server", true);
        };
        runner = std::make_unique<workflow::ClusterRunner>(inv, std::move(p), work);
    }
    ~Fixture() { fs::remove_all(work); }

    Result<StepResult> run(std::string target, std::string action, Params params = {}) {
        Step s;
        s.id = action + "/" + target;
        s.target = std::move(target);
        s.action = std::move(action);
        s.params = std::move(params);
        return runner->run(s, Deadline::after(5s), sink);
    }
    // Undoes the cluster step `id` that ran `action` and returned `done`.
    Status undo(std::string id, std::string action, std::string undo_action, const StepResult& done) {
        Step s;
        s.id = std::move(id);
        s.target = "cluster";
        s.action = std::move(action);
        s.undo = UndoAction{std::move(undo_action), {}};
        return runner->undo(s, done, Deadline::after(5s), sink);
    }
};

}  // namespace

TEST_CASE("node.upgrade records the previous version once and the undo rolls back to it", "[runner]") {
    Fixture f;
    auto up = f.run("a", "node.upgrade", {{"version", "2.0.0"}});
    REQUIRE(up);
    CHECK(up->details.at("previous_version") == "1.0.0");
    // A re-run after a crash (the node already on 2.0.0) still knows where it came from.
    auto again = f.run("a", "node.upgrade", {{"version", "2.0.0"}});
    REQUIRE(again);
    CHECK(again->details.at("previous_version") == "1.0.0");

    Step s;
    s.id = "upgrade/a";
    s.target = "a";
    s.action = "node.upgrade";
    s.undo = UndoAction{"node.rollback", {}};
    REQUIRE(f.runner->undo(s, *again, Deadline::after(5s), f.sink));
    CHECK(f.nodes["a"]->deployed == "1.0.0");
    // The re-run deploys again (drivers are idempotent), then the undo stops and rolls back.
    CHECK(f.rec.calls == std::vector<std::string>{"upgrade a 2.0.0", "upgrade a 2.0.0", "stop a", "rollback a 1.0.0"});
}

TEST_CASE("node.stop is verified: a node still running fails, retryably", "[runner]") {
    Fixture f;
    REQUIRE(f.run("a", "node.probe"));
    f.nodes["a"]->ignores_stop = true;
    auto r = f.run("a", "node.stop");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Verification);
    CHECK(r.error().transient);
    CHECK(r.error().message.find("node a") != std::string::npos);
}

TEST_CASE("node.stop of a service the stop did not know is NotFound, not stopped", "[runner]") {
    Fixture f;
    REQUIRE(f.run("a", "node.probe"));
    f.nodes["a"]->state = ServiceState::Missing;
    f.nodes["a"]->ignores_stop = true;
    auto r = f.run("a", "node.stop");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::NotFound);
}

TEST_CASE("node.stop on every node at once: no stop waits for another node's", "[runner]") {
    Fixture f;
    REQUIRE(f.run("a", "node.probe"));
    REQUIRE(f.run("b", "node.probe"));
    testing::Rendezvous meet(2);
    f.nodes["a"]->stops_meet = f.nodes["b"]->stops_meet = &meet;
    Result<StepResult> ra = fail(ErrorCode::Internal, "not run"), rb = ra;
    std::thread other([&] {
        Step s{.id = "stop/b", .target = "b", .action = "node.stop"};
        NullSink own;  // the fixture's sink is this thread's
        rb = f.runner->run(s, Deadline::after(5s), own);
    });
    ra = f.run("a", "node.stop");
    other.join();
    REQUIRE(ra);
    REQUIRE(rb);
    CHECK(f.nodes["a"]->stop_met);
    CHECK(f.nodes["b"]->stop_met);
}

TEST_CASE("verify fails when a plugin enabled before the upgrade is not any more", "[runner]") {
    Fixture f;
    REQUIRE(f.run("cluster", "app.record"));
    f.app.plugins[1].enabled = false;
    auto r = f.run("a", "verify", {{"version", "1.0.0"}});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Verification);
    CHECK(r.error().message.find("hello") != std::string::npos);
    f.app.plugins[1].enabled = true;
    CHECK(f.run("a", "verify", {{"version", "1.0.0"}}));
}

TEST_CASE("verify of a node already ready asks once: one readiness answer, one plugin list, each check once",
          "[runner]") {
    Fixture f;
    f.app.version["a"] = "1.0.0";
    Check c;
    c.name = "smoke";
    c.command = CommandCheck{"b", {"true"}};
    f.inv.checks.push_back(c);
    REQUIRE(f.run("a", "verify", {{"version", "1.0.0"}}));
    CHECK(f.app.checks == 1);
    CHECK(f.app.waits == 0);
    CHECK(f.app.plugin_lists == 1);
    CHECK(std::ranges::count(f.rec.calls, std::string("exec b true")) == 1);
    // At another version than deployed (a node not restarted yet): waited for, and refused at the deadline.
    f.app.checks = f.app.waits = 0;
    REQUIRE_FALSE(f.run("a", "verify", {{"version", "2.0.0"}}));
    CHECK(f.app.waits == 1);
}

TEST_CASE("verify of a node not ready yet waits for it, then lists its plugins again", "[runner]") {
    Fixture f;
    f.app.not_ready_checks = 1;
    auto r = f.run("a", "verify", {{"version", "1.0.0"}});
    REQUIRE(r);
    CHECK(f.app.waits == 1);
    CHECK(f.app.plugin_lists == 2);  // the list taken while it was not ready is not the one checked
    CHECK(r->details["version"] == "1.0.0");
}

TEST_CASE("verify asks readiness, the plugin list and the checks that need no plugin list at once", "[runner]") {
    Fixture f;
    f.app.version["a"] = "1.0.0";
    Check c;
    c.name = "gate";
    c.command = CommandCheck{"b", {"gate"}};
    f.inv.checks.push_back(c);
    // Each of the three waits for the other two: issued one after another, none would see the others.
    testing::Rendezvous meet(3);
    f.app.meet = &meet;
    REQUIRE(f.run("a", "node.probe"));
    REQUIRE(f.run("b", "node.probe"));
    f.nodes["b"]->gate = &meet;
    auto r = f.run("a", "verify", {{"version", "1.0.0"}});
    REQUIRE(r);
    CHECK(f.app.check_met);
    CHECK(f.app.plugins_met);
    CHECK(f.nodes["b"]->gate_met);
    CHECK(r->details["checks"] == "1");
}

// A sink that notices two events delivered at once: each of the first two waits (at most 500 ms) inside
// on_event for another to enter. EventSink promises one event at a time; a plain vector sink (the CLI's
// reporters, this file's NullSink) would be written from two threads otherwise.
struct OverlapSink final : EventSink {
    std::mutex mu;
    std::condition_variable cv;
    int inside = 0, waited = 0;
    bool overlapped = false;
    void on_event(const Event&) override {
        std::unique_lock lock(mu);
        ++inside;
        cv.notify_all();
        if (waited < 2) {
            ++waited;
            if (cv.wait_for(lock, 500ms, [this] { return inside >= 2; })) overlapped = true;
        }
        --inside;
    }
};

TEST_CASE("verify reports progress from its checks' thread and its own one event at a time", "[runner]") {
    Fixture f;
    f.app.version["a"] = "1.0.0";
    f.app.not_ready_checks = 1;  // this thread waits for readiness and reports it...
    Check c;
    c.name = "smoke";
    c.command = CommandCheck{"b", {"true"}};
    f.inv.checks.push_back(c);  // ...while the checks' thread reports "check smoke: ok"
    OverlapSink sink;
    Step s;
    s.id = "verify/a";
    s.target = "a";
    s.action = "verify";
    s.params = {{"version", "1.0.0"}};
    REQUIRE(f.runner->run(s, Deadline::after(5s), sink));
    CHECK(sink.waited == 2);
    CHECK_FALSE(sink.overlapped);
}

TEST_CASE("inventory checks run in verify: a failing command check fails the step", "[runner]") {
    Fixture f;
    Check c;
    c.name = "smoke";
    c.command = CommandCheck{"b", {"false"}};
    f.inv.checks.push_back(c);
    auto r = f.run("a", "verify", {{"version", "1.0.0"}});
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("check smoke on node b") != std::string::npos);
}

TEST_CASE("verify.versions refuses traffic while nodes differ", "[runner]") {
    Fixture f;
    f.app.version["b"] = "0.9.0";
    auto r = f.run("cluster", "verify.versions", {{"version", "1.0.0"}});
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("b=0.9.0") != std::string::npos);
    f.app.version["b"] = "1.0.0";
    CHECK(f.run("cluster", "verify.versions", {{"version", "1.0.0-full"}}));
}

TEST_CASE("traffic switches are verified through the LB and the 503 window is measured", "[runner]") {
    Fixture f;
    auto m = f.run("cluster", "traffic.maintenance");
    REQUIRE(m);
    CHECK(m->details.at("lb_status") == "503");
    CHECK(m->details.at("retry_after") == "60");
    auto l = f.run("cluster", "traffic.live");
    REQUIRE(l);
    CHECK(l->details.contains("maintenance_window_s"));
}

TEST_CASE("a 503 without Retry-After through the LB is not a maintenance page", "[runner]") {
    Fixture f;
    f.lb_retry_after = false;
    Step s;
    s.id = "m";
    s.target = "cluster";
    s.action = "traffic.maintenance";
    auto r = f.runner->run(s, Deadline::after(1500ms), f.sink);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Verification);
}

TEST_CASE("backup.database records the dump and its undo restores that file", "[runner]") {
    Fixture f;
    auto b = f.run("cluster", "backup.database");
    REQUIRE(b);
    const std::string path = b->details.at("path");
    CHECK(path.starts_with("/b/c-"));
    REQUIRE(f.undo("backup/database", "backup.database", "backup.restore", *b));
    CHECK(f.rec.calls.back() == "restore /b/");
}

TEST_CASE("expected_app_version drops image flavours", "[runner]") {
    CHECK(workflow::expected_app_version("2.2.16-full") == "2.2.16");
    CHECK(workflow::expected_app_version("2.2.16") == "2.2.16");
    CHECK(workflow::expected_app_version("1.5.0-beta") == "1.5.0-beta");
}

TEST_CASE("workflows send traffic only to nodes that answer ready", "[runner]") {
    Fixture f;
    REQUIRE(f.run("cluster", "traffic.maintenance"));
    f.app.booting.insert("b");
    auto r = f.run("cluster", "traffic.live", {{"require_ready", "true"}});
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("node b") != std::string::npos);
    CHECK(f.lb_status == 503);                                                           // the switch was not touched
    CHECK(f.run("cluster", "traffic.pin", {{"node", "a"}, {"require_ready", "true"}}));  // needs only that node
    CHECK(f.run("cluster", "traffic.live"));  // by hand (`ncbctl traffic live`): switches as told
}

TEST_CASE("app.plugin_update calls pm:update with the plugin's package, skips a version already loaded",
          "[runner][maintain]") {
    Fixture f;
    REQUIRE(f.run("a", "app.plugin_update", {{"target", "hello"}, {"registry", "http://r"}, {"version", "2"}}));
    REQUIRE(f.run("a", "app.plugin_update", {{"target", "@x/hello"}, {"file", "/p/h.tgz"}}));
    CHECK(f.app.updates == std::vector<std::string>{"a hello @x/hello http://r 2", "a hello @x/hello /p/h.tgz "});
    // A resumed run whose node already restarted on the new version does nothing.
    f.app.plugins[1].version = "2";
    REQUIRE(f.run("a", "app.plugin_update", {{"target", "hello"}, {"registry", "http://r"}, {"version", "2"}}));
    CHECK(f.app.updates.size() == 2);
    auto missing = f.run("a", "app.plugin_update", {{"target", "nope"}, {"registry", "http://r"}});
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::NotFound);

    REQUIRE(f.run("a", "node.mark_upgrade"));
    CHECK(f.rec.calls == std::vector<std::string>{"mark_upgrade a"});
    // Every node must then load the expected version.
    CHECK(f.run("b", "app.plugins_expect", {{"versions", "hello@2"}}));
    auto stale = f.run("b", "app.plugins_expect", {{"versions", "@x/hello@3"}});
    REQUIRE_FALSE(stale);
    CHECK(stale.error().message == "node b: plugin @x/hello runs 2, expected 3");
}

TEST_CASE("app.registry_check goes on when this machine cannot reach the registry (the node downloads)",
          "[runner][maintain]") {
    Fixture f;
    CHECK(f.run("a", "app.registry_check",
                {{"registry", "http://127.0.0.1:1"}, {"add", "@x/new"}, {"upgrade", "hello@2,@x/hello"}}));
    CHECK(f.app.updates.empty());
}

TEST_CASE("traffic.status fails when the load balancer's URL does not answer (preflight, nothing changed)",
          "[runner]") {
    Fixture f;
    f.inv.lb_url = "http://lb";
    REQUIRE(f.run("cluster", "traffic.status"));
    f.lb_status = 0;
    auto r = f.run("cluster", "traffic.status");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Unreachable);
    CHECK(r.error().message == "load balancer http://lb (api.lb_url) does not answer: Couldn't connect to server");
    CHECK(f.rec.calls.empty());
}

TEST_CASE("traffic.serve joins keep the nodes joined before, whatever order they finish in", "[runner]") {
    Fixture f;
    for (auto n : {"c", "d"}) {
        Node node;
        node.name = n;
        f.inv.nodes.push_back(node);
        f.app.version[n] = "1.0.0";
    }
    REQUIRE(f.run("cluster", "traffic.pin", {{"node", "a"}, {"require_ready", "true"}}));
    auto join = [&](const std::string& node) {
        return f.run("cluster", "traffic.serve",
                     {{"nodes", "a," + node}, {"cumulative", "true"}, {"require_ready", "true"}});
    };
    auto c = join("c");
    REQUIRE(c);
    CHECK(c->details.at("serving") == "a,c");
    CHECK(f.rec.calls.back() == "traffic serve a,c");
    auto b = join("b");  // finishes after c: c keeps its traffic; inventory order
    REQUIRE(b);
    CHECK(f.rec.calls.back() == "traffic serve a,b,c");
    REQUIRE(join("b"));  // resume re-runs the step in flight: same set, nothing lost
    CHECK(f.rec.calls.back() == "traffic serve a,b,c");

    f.app.booting.insert("d");  // its own node must be ready: the switch is not touched
    const auto calls = f.rec.calls.size();
    auto d = join("d");
    REQUIRE_FALSE(d);
    CHECK(d.error().message.find("node d") != std::string::npos);
    CHECK(f.rec.calls.size() == calls);
    f.app.booting = {"b"};  // a node joined before that stops answering ready is left out, not waited for
    REQUIRE(join("d"));
    CHECK(f.rec.calls.back() == "traffic serve a,c,d");

    f.app.booting.clear();
    REQUIRE(f.run("cluster", "traffic.live"));  // the joins are over: a later join starts from its own nodes
    REQUIRE(join("b"));
    CHECK(f.rec.calls.back() == "traffic serve a,b");
    // Without `cumulative` (a plain serve) only the named nodes receive traffic.
    REQUIRE(f.run("cluster", "traffic.serve", {{"nodes", "c,d"}}));
    CHECK(f.rec.calls.back() == "traffic serve c,d");
    auto unknown = f.run("cluster", "traffic.serve", {{"nodes", "a,z"}});
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().message.find("no node z") != std::string::npos);
}

TEST_CASE("a traffic driver that cannot serve a set leaves the join to the live phase", "[runner]") {
    Fixture f;
    f.serve_unsupported = true;
    REQUIRE(f.run("cluster", "traffic.pin", {{"node", "a"}}));
    auto j = f.run("cluster", "traffic.serve", {{"nodes", "a,b"}, {"cumulative", "true"}, {"require_ready", "true"}});
    REQUIRE(j);
    CHECK(j->details.at("serving") == "unchanged");
    CHECK(f.rec.calls.back() == "traffic pin a");
    CHECK_FALSE(f.run("cluster", "traffic.serve", {{"nodes", "a,b"}}));  // asked by hand: the error stands
}

TEST_CASE("node.stop drains: it waits until the LB holds no connection to the node", "[runner][drain]") {
    Fixture f;
    f.conns.counts["b"] = {2, 1, 0};
    f.conns.admitted = {"a"};
    auto r = f.run("b", "node.stop");
    REQUIRE(r);
    CHECK(r->details.at("open_connections") == "2");
    CHECK(r->details.contains("drain_s"));
    CHECK_FALSE(r->details.contains("closed_connections"));
    CHECK(f.rec.calls == std::vector<std::string>{"stop b"});
    CHECK(f.conns.counts["b"] == std::vector<int>{0});  // counted until none was left
}

TEST_CASE("node.stop drains: after timeouts.drain the connections left are closed, then it stops", "[runner][drain]") {
    Fixture f;
    f.inv.timeouts.drain = std::chrono::seconds(1);
    f.conns.counts["b"] = {3};  // a WebSocket never ends by itself
    const auto t0 = std::chrono::steady_clock::now();
    auto r = f.run("b", "node.stop");
    const auto took = std::chrono::steady_clock::now() - t0;
    REQUIRE(r);
    CHECK(took >= 900ms);
    CHECK(r->details.at("closed_connections") == "3");
    CHECK(f.rec.calls == std::vector<std::string>{"traffic close b", "stop b"});
    CHECK(std::ranges::any_of(
        f.sink.messages, [](const std::string& m) { return m.find("closed 3 connection(s)") != std::string::npos; }));
}

TEST_CASE(
    "node.stop does not drain a node the LB still admits, nor with timeouts.drain 0 or a driver that "
    "cannot count",
    "[runner][drain]") {
    SECTION("still admitted") {
        Fixture f;
        f.conns.counts["b"] = {5};
        f.conns.admitted = {"a", "b"};
        auto r = f.run("b", "node.stop");
        REQUIRE(r);
        CHECK_FALSE(r->details.contains("drain_s"));
        CHECK(f.rec.calls == std::vector<std::string>{"stop b"});
        CHECK(std::ranges::any_of(f.sink.messages, [](const std::string& m) {
            return m.find("still sends it new requests") != std::string::npos;
        }));
    }
    SECTION("timeouts.drain 0") {
        Fixture f;
        f.inv.timeouts.drain = std::chrono::seconds(0);
        f.conns.counts["b"] = {5};
        auto r = f.run("b", "node.stop");
        REQUIRE(r);
        CHECK(r->details.empty());
        CHECK(f.conns.counts["b"] == std::vector<int>{5});  // never asked
    }
    SECTION("driver can count but not close (nginx): the node stops with them open, said so") {
        Fixture f;
        f.inv.timeouts.drain = std::chrono::seconds(1);
        f.conns.counts["b"] = {2};
        f.conns.cannot_close = true;
        auto r = f.run("b", "node.stop");
        REQUIRE(r);
        CHECK(r->details.at("open_at_stop") == "2");
        CHECK(f.rec.calls == std::vector<std::string>{"stop b"});
        CHECK(std::ranges::any_of(f.sink.messages, [](const std::string& m) {
            return m.find("cannot close them; stopping the node with them open") != std::string::npos;
        }));
    }
    SECTION("driver cannot count") {
        Fixture f;
        auto r = f.run("b", "node.stop");
        REQUIRE(r);
        CHECK(r->details.empty());
        CHECK(f.sink.messages.empty());
    }
}

TEST_CASE("a node that does not come up gets its service log's last lines shown", "[runner][logs]") {
    Fixture f;
    REQUIRE(f.run("a", "node.probe"));
    f.nodes["a"]->log_text = "Error: relation \"users\" does not exist\nmigration failed";
    f.app.booting.insert("a");
    auto r = f.run("a", "app.wait_ready");
    REQUIRE_FALSE(r);
    CHECK(f.rec.calls == std::vector<std::string>{"logs a 300"});
    const auto& last = f.sink.messages.back();
    CHECK(last ==
          "node a: the last lines of its service log:\n  | Error: relation \"users\" does not exist\n  | migration "
          "failed");

    f.nodes["a"]->fails_start = true;  // a service that cannot start at all: its log too
    f.rec.calls.clear();
    REQUIRE_FALSE(f.run("a", "node.start"));
    CHECK(f.rec.calls == std::vector<std::string>{"logs a 300"});
    f.nodes["a"]->fails_start = false;

    f.nodes["a"]->log_text.reset();  // a driver that cannot read logs adds nothing
    const auto before = f.sink.messages.size();
    REQUIRE_FALSE(f.run("a", "app.wait_ready"));
    CHECK(f.sink.messages.size() == before);
}

TEST_CASE("backup.in_window clone: copy, swap back on undo, dump from the copy, drop only after that dump re-verifies",
          "[runner][clone]") {
    Fixture f;
    const std::string copy = "db__" + fs::path(f.work).filename().string();
    const std::string failed = "db__failed_" + fs::path(f.work).filename().string();
    auto pre = f.run("cluster", "database.clone_check");
    REQUIRE(pre);
    CHECK(pre->details.at("copy") == copy);
    auto cp = f.run("cluster", "backup.clone");
    REQUIRE(cp);
    CHECK(cp->details.at("copy") == copy);
    CHECK(cp->details.at("failed") == failed);
    CHECK(f.databases.contains(copy));

    SECTION("the undo swaps the recorded copy back in place") {
        REQUIRE(f.undo("backup/clone", "backup.clone", "backup.swap", *cp));
        CHECK(f.rec.calls.back() == "swap db__ db__failed_");
        CHECK(f.databases.contains(failed));
    }
    SECTION("the drop refuses before a dump of the copy exists, then drops once it re-verifies") {
        auto early = f.run("cluster", "backup.drop_copy");
        REQUIRE_FALSE(early);
        CHECK(early.error().message.find("keeping it") != std::string::npos);
        CHECK(f.databases.contains(copy));
        auto dump = f.run("cluster", "backup.dump_copy");
        REQUIRE(dump);
        CHECK(dump->details.at("path").ends_with(".pgdump"));
        f.dump_intact = false;  // the file changed since: the copy stays the backup
        auto bad = f.run("cluster", "backup.drop_copy");
        REQUIRE_FALSE(bad);
        CHECK(bad.error().message.find("keeping copy " + copy) != std::string::npos);
        CHECK(f.databases.contains(copy));
        f.dump_intact = true;
        auto drop = f.run("cluster", "backup.drop_copy");
        REQUIRE(drop);
        CHECK(drop->details.at("dropped") == "true");
        CHECK_FALSE(f.databases.contains(copy));
        // Resumed after the drop: both steps are no-ops that still stand on the verified dump.
        auto again = f.run("cluster", "backup.dump_copy");
        REQUIRE(again);
        CHECK(again->details.at("path") == dump->details.at("path"));
        auto drop2 = f.run("cluster", "backup.drop_copy");
        REQUIRE(drop2);
        CHECK(drop2->details.at("dropped") == "already");
    }
}
