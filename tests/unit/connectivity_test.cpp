// validate --connect's checks (src/workflow/connectivity.hpp) with fakes of the ports: the order of the
// lines, what counts as reachable, the database only when configured, and every target reached at once.
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>

#include "fakes/app_client.hpp"
#include "fakes/engine.hpp"
#include "workflow/connectivity.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;

namespace {

// Every check waits here until all `expected` checks arrived: a sequential implementation never gets past
// the first one and the gate reports it instead of hanging.
class Gate {
public:
    explicit Gate(int expected) : left_(expected) {}
    bool arrive() {
        std::unique_lock lock(mu_);
        if (--left_ == 0) cv_.notify_all();
        return cv_.wait_for(lock, 10s, [this] { return left_ <= 0; });
    }
    void reset(int expected) {
        std::lock_guard lock(mu_);
        left_ = expected;
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    int left_;
};

class FakeDriver final : public NodeDriver {
public:
    FakeDriver(std::string name, Result<NodeState> state, Gate& gate)
        : name_(std::move(name)), state_(std::move(state)), gate_(gate) {}
    const std::string& node_name() const override { return name_; }
    Result<NodeState> probe(const Deadline&) override {
        if (!gate_.arrive()) return fail(ErrorCode::Internal, "checks did not run in parallel");
        return state_;
    }
    Status stop(const Deadline&) override { return unexpected(); }
    Status start(const Deadline&) override { return unexpected(); }
    Status prepare(const std::string&, const Deadline&) override { return unexpected(); }
    Status upgrade(const std::string&, const Deadline&) override { return unexpected(); }
    Status rollback(const std::string&, const Deadline&) override { return unexpected(); }
    Result<ExecResult> exec(const Argv&, const Deadline&) override { return unexpected(); }
    Status mark_upgrade(const Deadline&) override { return unexpected(); }

private:
    static std::unexpected<Error> unexpected() {
        return std::unexpected(Error(ErrorCode::Internal, "validate --connect must only probe"));
    }
    std::string name_;
    Result<NodeState> state_;
    Gate& gate_;
};

class FakeApp final : public testing::StubApp {
public:
    FakeApp(AppStatus status, Gate& gate) : status_(std::move(status)), gate_(gate) {}
    AppStatus check(const Deadline&) override {
        if (!gate_.arrive()) return {.phase = AppPhase::Down, .message = "checks did not run in parallel"};
        return status_;
    }

private:
    AppStatus status_;
    Gate& gate_;
};

class FakeSwitch final : public TrafficSwitch {
public:
    explicit FakeSwitch(Gate& gate) : gate_(gate) {}
    Result<TrafficState> status(const Deadline&) override {
        if (!gate_.arrive()) return fail(ErrorCode::Internal, "checks did not run in parallel");
        return TrafficState{.mode = TrafficMode::Maintenance, .serving_nodes = {"app1"}};
    }
    Status maintenance(const Deadline&) override { return fail(ErrorCode::Internal, "must not switch"); }
    Status pin(const std::string&, const Deadline&) override { return fail(ErrorCode::Internal, "must not switch"); }
    Status live(const Deadline&) override { return fail(ErrorCode::Internal, "must not switch"); }
    Status verify(const TrafficState&, const Deadline&) override { return {}; }

private:
    Gate& gate_;
};

// app1 fine; app2's engine unreachable and its API down; app3's API answers as something else.
workflow::ClusterPorts fake_ports(Gate& gate, bool db_ok) {
    workflow::ClusterPorts p;
    p.node_driver = [&gate](const Node& n) -> Result<NodeDriverPtr> {
        if (n.name == "app2")
            return std::make_unique<FakeDriver>(n.name, fail(ErrorCode::Unreachable, "node app2: ssh: refused"), gate);
        return std::make_unique<FakeDriver>(
            n.name, NodeState{.reachable = true, .service = ServiceState::Running, .deployed_version = "2.2.15"}, gate);
    };
    p.node_app = [&gate](const Node& n) -> Result<std::unique_ptr<AppClient>> {
        AppStatus s{.phase = AppPhase::Ready, .http_status = 200, .version = "2.2.15"};
        if (n.name == "app2") s = {.phase = AppPhase::Down, .message = "connection refused"};
        if (n.name == "app3") s = {.phase = AppPhase::Unknown, .http_status = 502};
        return std::unique_ptr<AppClient>(std::make_unique<FakeApp>(s, gate));
    };
    p.traffic = [&gate]() -> Result<std::unique_ptr<TrafficSwitch>> {
        return std::unique_ptr<TrafficSwitch>(std::make_unique<FakeSwitch>(gate));
    };
    p.database_check = [&gate, db_ok](const Deadline&) -> Status {
        if (!gate.arrive()) return fail(ErrorCode::Internal, "checks did not run in parallel");
        if (!db_ok) return fail(ErrorCode::Unreachable, "connection refused");
        return {};
    };
    return p;
}

}  // namespace

TEST_CASE("validate --connect reaches every target at once, in a fixed order", "[connect]") {
    auto inv = testing::make_inventory(3);
    inv.traffic.driver = "haproxy";
    inv.database.name = "nocobase";
    Gate gate(3 * 2 + 2);
    const auto ports = fake_ports(gate, false);
    const auto r = workflow::check_connectivity(inv, ports, Deadline::after(30s));
    REQUIRE(r.size() == 8);
    std::vector<std::string> targets;
    for (const auto& c : r) targets.push_back(c.target);
    CHECK(targets == std::vector<std::string>{"node app1", "api app1", "node app2", "api app2", "node app3", "api app3",
                                              "traffic", "database"});
    for (const auto& c : r) CHECK(c.detail.find("parallel") == std::string::npos);
    CHECK(r[0].ok);
    CHECK(r[0].detail == "docker, service running, deployed 2.2.15");
    CHECK(r[1].ok);
    CHECK(r[1].detail == "http://127.0.0.1:13001 ready 2.2.15");
    CHECK_FALSE(r[2].ok);
    CHECK(r[2].detail == "node app2: ssh: refused");
    CHECK_FALSE(r[3].ok);
    CHECK(r[3].detail == "http://127.0.0.1:13002 does not answer: connection refused");
    CHECK(r[4].ok);
    CHECK_FALSE(r[5].ok);
    CHECK(r[5].detail == "http://127.0.0.1:13003 answers HTTP 502 but not as NocoBase");
    CHECK(r[6].ok);
    CHECK(r[6].detail == "haproxy, mode maintenance, serving app1");
    CHECK_FALSE(r[7].ok);
    CHECK(r[7].detail == "postgres 127.0.0.1:5432/nocobase: connection refused");
}

TEST_CASE("validate --connect skips the database when the inventory has none", "[connect]") {
    auto inv = testing::make_inventory(1);
    Gate gate(2 + 1);
    const auto ports = fake_ports(gate, true);
    const auto r = workflow::check_connectivity(inv, ports, Deadline::after(30s));
    REQUIRE(r.size() == 3);
    CHECK(r.back().target == "traffic");
    for (const auto& c : r) CHECK(c.ok);
}

TEST_CASE("validate --connect reads a shared lock's holder, and says why it cannot", "[connect][lock]") {
    auto inv = testing::make_inventory(1);
    inv.lock.backend = "redis";
    inv.lock.redis.url = "redis://10.0.0.9:6379/2";
    Gate gate(2 + 1 + 1);
    auto ports = fake_ports(gate, true);
    std::optional<LockHolder> holder;
    Status answer;
    ports.lock_read = [&](const Deadline&) -> Result<std::optional<LockHolder>> {
        if (!gate.arrive()) return fail(ErrorCode::Internal, "checks did not run in parallel");
        if (!answer) return fail(answer.error());
        return holder;
    };
    auto r = workflow::check_connectivity(inv, ports, Deadline::after(30s));
    REQUIRE(r.size() == 4);
    CHECK(r.back().target == "lock");
    CHECK(r.back().ok);
    CHECK(r.back().detail == "redis redis://10.0.0.9:6379/2, free");

    gate.reset(4);
    holder = LockHolder{.run_id = "20261201T000000Z-0000a1", .command = "upgrade --to 2.2.16"};
    r = workflow::check_connectivity(inv, ports, Deadline::after(30s));
    REQUIRE(r.size() == 4);
    CHECK(r.back().ok);
    CHECK(r.back().detail ==
          "redis redis://10.0.0.9:6379/2, held by run 20261201T000000Z-0000a1 (upgrade --to 2.2.16)");

    gate.reset(4);
    answer = fail(ErrorCode::Auth, "authentication refused (WRONGPASS)");
    r = workflow::check_connectivity(inv, ports, Deadline::after(30s));
    REQUIRE(r.size() == 4);
    CHECK_FALSE(r.back().ok);
    CHECK(r.back().detail == "redis redis://10.0.0.9:6379/2: authentication refused (WRONGPASS)");

    inv.lock.backend = "local";  // nothing to reach: the wiring leaves the port empty
    ports.lock_read = nullptr;
    gate.reset(3);
    CHECK(workflow::check_connectivity(inv, ports, Deadline::after(30s)).size() == 3);
}
