// lock.backend: redis without a server: the URL and the inventory keys, the stored value, the exit codes a
// lock failure maps to, and what the run does when the lock stops being renewed (ClusterLock::fresh and the
// executor's guard). The backend against a real redis-server: tests/integration/redis/.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "fakes/engine.hpp"
#include "inventory/values.hpp"
#include "inventory_test_util.hpp"
#include "lock/redis_lock.hpp"
#include "ncbctl/cancel.hpp"
#include "run/cluster_lock.hpp"
#include "run/executor.hpp"
#include "wiring/wiring.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;
using ncbctl::testing::RecordingRunner;
using ncbctl::testing::RecordingSink;

namespace {

const char* const kHead = R"(cluster: prod
api: {lb_url: "http://lb", token_env: T}
nodes: [{name: a, url: "http://a", driver: docker, docker: {container: a, image: nocobase/nocobase}}]
backup: {method: api, destination: /b}
)";

std::expected<Inventory, std::vector<Diagnostic>> with_lock(const std::string& lock) {
    return parse_inventory(std::string(kHead) + lock, "inv.yaml");
}

std::string errors_of(const std::string& lock) {
    auto inv = with_lock(lock);
    if (inv) return "";
    return test::joined(inv.error());
}

}  // namespace

TEST_CASE("redis URL: host, port, db and user, no password, no TLS, nothing else", "[lock][redis]") {
    auto a = inv::parse_redis_url("redis://127.0.0.1");
    REQUIRE(a);
    CHECK(a->host == "127.0.0.1");
    CHECK(a->port == 6379);
    CHECK(a->db == 0);
    CHECK(a->user.empty());
    auto b = inv::parse_redis_url("redis://ops@redis.internal:6380/2");
    REQUIRE(b);
    CHECK(b->user == "ops");
    CHECK(b->host == "redis.internal");
    CHECK(b->port == 6380);
    CHECK(b->db == 2);
    auto c = inv::parse_redis_url("redis://[::1]:7000/");
    REQUIRE(c);
    CHECK(c->host == "::1");
    CHECK(c->port == 7000);
    CHECK(c->db == 0);

    auto tls = inv::parse_redis_url("rediss://ops@r:6380/4");
    REQUIRE(tls);
    CHECK(tls->tls);
    CHECK(tls->user == "ops");
    CHECK(tls->host == "r");
    CHECK(tls->port == 6380);
    CHECK(tls->db == 4);
    CHECK_FALSE(inv::parse_redis_url("redis://r")->tls);
    CHECK_FALSE(inv::parse_redis_url("http://r"));
    for (const char* pw : {"redis://:s3cret@r", "redis://ops:s3cret@r"}) {
        auto e = inv::parse_redis_url(pw);
        REQUIRE_FALSE(e);
        CHECK(e.error().find("password_env") != std::string::npos);
        CHECK(e.error().find("s3cret") == std::string::npos);
    }
    CHECK_FALSE(inv::parse_redis_url("http://r:6379"));
    CHECK_FALSE(inv::parse_redis_url("redis://"));
    CHECK_FALSE(inv::parse_redis_url("redis://r:0"));
    CHECK_FALSE(inv::parse_redis_url("redis://r:70000"));
    CHECK_FALSE(inv::parse_redis_url("redis://r/abc"));
    CHECK_FALSE(inv::parse_redis_url("redis://r/-1"));
    CHECK_FALSE(inv::parse_redis_url("redis://r?db=1"));
    CHECK_FALSE(inv::parse_redis_url("redis://r x"));
    CHECK_FALSE(inv::parse_redis_url("redis://-r"));
    CHECK(inv::check_redis_key("ncbctl:lock:prod") == std::nullopt);
    CHECK(inv::check_redis_key(""));
    CHECK(inv::check_redis_key("a b"));
    CHECK(inv::check_redis_key(std::string(513, 'k')));
}

TEST_CASE("inventory: lock.backend redis with its url, password reference and key", "[lock][redis][inventory]") {
    auto inv = with_lock(R"(lock:
  backend: redis
  stale_after: 30s
  redis: {url: "redis://ops@10.0.0.5:6380/3", password_env: NCB_REDIS_PASSWORD, key: "ncb:prod:lock"}
)");
    if (!inv) FAIL(test::joined(inv.error()));
    CHECK(inv->lock.backend == "redis");
    CHECK(inv->lock.stale_after == 30s);
    const auto& r = inv->lock.redis;
    CHECK(r.url == "redis://ops@10.0.0.5:6380/3");
    CHECK(r.host == "10.0.0.5");
    CHECK(r.port == 6380);
    CHECK(r.db == 3);
    CHECK(r.user == "ops");
    CHECK(r.password.env == "NCB_REDIS_PASSWORD");
    CHECK(r.key == "ncb:prod:lock");

    auto dflt = with_lock("lock: {backend: redis, redis: {url: \"redis://r\"}}\n");
    if (!dflt) FAIL(test::joined(dflt.error()));
    CHECK(dflt->lock.redis.key == "ncbctl:lock:prod");
    CHECK(dflt->lock.redis.password.empty());
    auto backend = wiring::make_lock_backend(*dflt, "/nonexistent-state");
    CHECK(backend);
}

TEST_CASE("inventory: bad redis lock settings are reported at their line", "[lock][redis][inventory]") {
    CHECK(errors_of("lock: {backend: redis}\n").find("inv.yaml:5:") != std::string::npos);
    CHECK(errors_of("lock: {backend: redis}\n").find("missing required key `redis`") != std::string::npos);
    CHECK(errors_of("lock:\n  backend: redis\n  redis: {}\n").find("lock.redis: missing required key `url`") !=
          std::string::npos);
    const auto tls = errors_of("lock:\n  backend: redis\n  redis: {url: \"redis://r\", tls: {verify: false}}\n");
    CHECK(tls.find("inv.yaml:7:") != std::string::npos);
    CHECK(tls.find("lock.redis.tls: applies only to a rediss:// url") != std::string::npos);
    CHECK(errors_of("lock:\n  backend: redis\n  redis: {url: \"rediss://r\", tls: {cert_file: /dev/null}}\n")
              .find("key_file") != std::string::npos);
    const auto pw = errors_of("lock:\n  backend: redis\n  redis: {url: \"redis://:hunter2@r\"}\n");
    CHECK(pw.find("must not contain a password") != std::string::npos);
    CHECK(pw.find("hunter2") == std::string::npos);
    const auto inline_pw = errors_of("lock:\n  backend: redis\n  redis: {url: \"redis://r\", password: hunter2}\n");
    CHECK(inline_pw.find("inline secret") != std::string::npos);
    CHECK(inline_pw.find("hunter2") == std::string::npos);
    CHECK(errors_of("lock:\n  backend: redis\n  redis: {url: \"redis://r\", password_env: \"1x\"}\n")
              .find("password_env") != std::string::npos);
    CHECK(errors_of("lock:\n  backend: redis\n  redis: {url: \"redis://r\", key: \"a b\"}\n").find("lock.redis.key") !=
          std::string::npos);
    CHECK(errors_of("lock:\n  backend: local\n  redis: {url: \"redis://r\"}\n")
              .find("applies only to `backend: redis`") != std::string::npos);
    CHECK(errors_of("lock:\n  backend: redis\n  node: a\n  redis: {url: \"redis://r\"}\n")
              .find("applies only to `backend: node`") != std::string::npos);
    CHECK(errors_of("lock:\n  backend: redis\n  redis: {url: \"redis://r\", tls: {}}\n").find("tls") !=
          std::string::npos);
}

TEST_CASE("redis lock value: owner token, then the holder's JSON", "[lock][redis]") {
    LockHolder h{.run_id = "20261201T000000Z-0000a1",
                 .command = "upgrade --to 2.2.16",
                 .user = "ops",
                 .host = "ci-7",
                 .pid = 42,
                 .started = 100,
                 .heartbeat = 200};
    const std::string v = lock::encode_lock_value("0123abcd", h);
    CHECK(v.starts_with("0123abcd {"));
    auto back = lock::decode_lock_value(v);
    REQUIRE(back);
    CHECK(back->run_id == "20261201T000000Z-0000a1");
    CHECK(back->command == "upgrade --to 2.2.16");
    CHECK(back->host == "ci-7");
    CHECK(back->pid == 42);
    CHECK(back->started == 100);
    CHECK(back->heartbeat == 200);
    CHECK_FALSE(lock::decode_lock_value("just-a-string"));
    CHECK_FALSE(lock::decode_lock_value(" {\"run_id\":\"x\"}"));
    CHECK_FALSE(lock::decode_lock_value("tok [1,2]"));
    auto odd = lock::decode_lock_value("tok {\"run_id\":\"20261201T000000Z-0000a2\",\"pid\":\"not a number\"}");
    REQUIRE(odd);  // read leniently, as the other backends read theirs
    CHECK(odd->run_id == "20261201T000000Z-0000a2");
    CHECK(odd->pid == 0);
    // a run id of another shape is never taken as a run's: the holder reads as unknown, named escaped
    auto bad = lock::decode_lock_value("tok {\"run_id\":\"../../x\",\"pid\":7}");
    REQUIRE(bad);
    CHECK(bad->run_id == "unknown");
    CHECK(bad->command.find("names no valid run") != std::string::npos);
}

TEST_CASE("a lock failure maps to the documented exit code", "[lock]") {
    CHECK(run::lock_failure_exit({ErrorCode::Lock, "held"}) == ExitCode::LockHeld);
    CHECK(run::lock_failure_exit({ErrorCode::Inventory, "variable not set"}) == ExitCode::Usage);
    CHECK(run::lock_failure_exit({ErrorCode::Unreachable, "refused"}) == ExitCode::Preflight);
    CHECK(run::lock_failure_exit({ErrorCode::Timeout, "slow"}) == ExitCode::Preflight);
    CHECK(run::lock_failure_exit({ErrorCode::Auth, "WRONGPASS"}) == ExitCode::Preflight);
    CHECK(run::lock_failure_exit({ErrorCode::Protocol, "not a lock"}) == ExitCode::Failed);
}

namespace {

// A backend whose renewals fail (as when Redis went away) once `down` is set.
class FlakyBackend final : public LockBackend {
public:
    std::atomic<bool> down{false};
    std::atomic<int> beats{0};
    Result<std::optional<LockHolder>> try_acquire(const LockHolder&, const Deadline&) override {
        return std::optional<LockHolder>{};
    }
    Status heartbeat(const LockHolder&, const Deadline&) override {
        ++beats;
        if (down)
            return fail(ErrorCode::Unreachable, "redis://127.0.0.1:1/0: cannot connect: Connection refused", true);
        return {};
    }
    Status release(const LockHolder&, const Deadline&) override { return {}; }
    Result<std::optional<LockHolder>> read(const Deadline&) override { return std::optional<LockHolder>{}; }
    Status break_lock(const LockHolder&, const Deadline&) override { return {}; }
};

}  // namespace

TEST_CASE("a lock that cannot be renewed for stale_after/2 is no longer fresh and interrupts", "[lock][redis]") {
    reset_interrupts();
    FlakyBackend backend;
    auto lock = run::ClusterLock::acquire(backend, run::make_holder("r", "upgrade"), Duration{0}, Seconds{4});
    REQUIRE(lock);
    CHECK((*lock)->fresh());
    std::this_thread::sleep_for(2500ms);  // renewals every 1 s succeed: still fresh past stale_after/2
    CHECK(backend.beats >= 1);
    CHECK((*lock)->fresh());
    CHECK_FALSE(stop_requested());
    backend.down = true;
    const auto t0 = Clock::now();
    while ((*lock)->fresh() && Clock::now() - t0 < 5s) std::this_thread::sleep_for(20ms);
    const auto lapsed_after = Clock::now() - t0;
    CHECK_FALSE((*lock)->fresh());
    CHECK(lapsed_after <= 2100ms);  // the last renewal was at most 1 s before `down`
    for (auto until = Clock::now() + 3s; !stop_requested() && Clock::now() < until;) std::this_thread::sleep_for(20ms);
    CHECK(stop_requested());        // the heartbeat thread asked the run to start nothing new
    CHECK(interrupt_count() == 1);  // once: never the second interrupt that aborts running steps
    backend.down = false;
    lock->reset();
    reset_interrupts();
}

TEST_CASE("executor: no step starts once the lock is not fresh, the run ends resumable", "[lock][executor]") {
    reset_interrupts();
    Plan p;
    p.workflow = "test";
    for (const char* name : {"one", "two"}) {
        Phase ph;
        ph.name = name;
        for (int i = 0; i < 2; ++i) {
            Step s;
            s.id = std::string(name) + "/n" + std::to_string(i);
            s.target = "n" + std::to_string(i);
            s.action = "node.restart";
            s.timeout = 10s;
            ph.steps.push_back(s);
        }
        p.phases.push_back(ph);
    }
    std::atomic<bool> fresh{true};
    RecordingRunner runner;
    runner.on_run["one/n0"] = [&] { fresh = false; };  // the lock lapses while one/n0 runs
    RecordingSink sink;
    run::ExecOptions o;
    o.run_id = "lapse-run";
    o.command = "test";
    o.parallel = 1;
    o.resume_command = "ncbctl resume lapse-run";
    o.lock_fresh = [&] { return fresh.load(); };
    auto out = run::execute(p, runner, sink, o);
    CHECK(out.exit == ExitCode::Interrupted);
    CHECK(runner.ids("run") == std::vector<std::string>{"one/n0"});  // it finished; nothing else started
    auto fin = sink.of(EventKind::StepFinished);
    REQUIRE(fin.size() == 1);
    CHECK(fin[0].result == "ok");
    auto intr = sink.of(EventKind::RunInterrupted);
    REQUIRE(intr.size() == 1);
    CHECK(intr[0].message.find("cluster lock could not be renewed") != std::string::npos);
    CHECK(intr[0].message.find("ncbctl resume lapse-run") != std::string::npos);
    CHECK(runner.ids("undo").empty());
    CHECK_FALSE(stop_requested());  // the executor itself raises no interrupt

    // Fresh from the start of the next session: it runs everything.
    RecordingRunner again;
    RecordingSink s2;
    o.lock_fresh = [] { return true; };
    CHECK(run::execute(p, again, s2, o).exit == ExitCode::Ok);
}
