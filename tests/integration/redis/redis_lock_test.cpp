// lock.backend: redis against a real redis-server on 127.0.0.1 (tests/harness/redis.sh, a CTest fixture):
// the backend itself, two processes racing for it (real `ncbctl` and real sessions), a SIGKILLed holder,
// Redis stopped in the middle of a run, and bad input (wrong password, nobody listening, missing secret,
// bad URL): one line and the documented exit code, before anything changed.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "fakes/engine.hpp"
#include "lock/redis_client.hpp"
#include "lock/redis_lock.hpp"
#include "net/process.hpp"
#include "run/cluster_lock.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr int kNobodyPort = 55461;  // reserved by scripts/reserve-ports, never listened on

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string peer_env(const std::string& key) {
    std::istringstream in(slurp(std::string(NCBCTL_REDIS_PEER) + "/env"));
    for (std::string line; std::getline(in, line);)
        if (line.starts_with(key + "=")) return line.substr(key.size() + 1);
    FAIL("no " << key << " in " << NCBCTL_REDIS_PEER << "/env: is the redis_peer fixture up?");
    return {};
}
int port() {
    return std::stoi(peer_env("REDIS_PORT"));
}
std::string password_file() {
    return peer_env("REDIS_PASSWORD_FILE");
}
std::string password() {
    std::string p = slurp(password_file());
    while (!p.empty() && p.back() == '\n') p.pop_back();
    return p;
}

Result<net::ProcessResult> spawn(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
                                 Duration timeout = 60s) {
    env.emplace("NCB_IT_TOKEN", "token-not-used");
    return net::run_process({.argv = std::move(argv), .env = std::move(env)}, Deadline::after(timeout));
}

void harness(const std::string& cmd) {
    auto r = spawn({std::string(NCBCTL_SOURCE_DIR) + "/tests/harness/redis.sh", cmd, NCBCTL_REDIS_PEER});
    REQUIRE(r);
    INFO(r->err);
    REQUIRE(r->exit_code == 0);
}

// Starts the server again when a test that stops it fails half-way.
struct RestartGuard {
    bool stopped = false;
    ~RestartGuard() {
        if (stopped)
            (void)spawn({std::string(NCBCTL_SOURCE_DIR) + "/tests/harness/redis.sh", "start", NCBCTL_REDIS_PEER});
    }
};

// Lines of stderr that are not warnings (`traffic maintenance` warns about the 503 page before it starts).
std::size_t error_lines(const std::string& s) {
    std::size_t n = 0;
    std::istringstream in(s);
    for (std::string line; std::getline(in, line);)
        if (!line.starts_with("ncbctl: warning: ")) ++n;
    return n;
}

// One inventory per test, each with its own key in db 1.
struct Cluster {
    testing::TempDir dir;
    std::string name, inventory, state, effects, key;
    explicit Cluster(const std::string& test_name, const std::string& redis_block = "", const std::string& stale = "4s")
        : name(test_name),
          inventory(dir.path + "/inv.yaml"),
          state(dir.path + "/state"),
          effects(dir.path + "/effects"),
          key("ncbctl:lock:it-" + test_name) {
        const std::string block = redis_block.empty()
                                      ? "{url: \"redis://127.0.0.1:" + std::to_string(port()) +
                                            "/1\", password_file: " + password_file() + ", key: \"" + key + "\"}"
                                      : redis_block;
        std::ofstream(inventory) << "cluster: it-" << test_name << R"(
api: {lb_url: "http://127.0.0.1:)"
                                 << kNobodyPort << R"(", token_env: NCB_IT_TOKEN}
nodes: [{name: a, url: "http://127.0.0.1:)"
                                 << kNobodyPort
                                 << R"(", driver: docker, docker: {container: a, image: nocobase/nocobase}}]
backup: {method: api, destination: )"
                                 << dir.path << R"(/backups}
traffic:
  driver: command
  command:
    maintenance: [touch, )" << dir.path
                                 << R"(/maintenance-ran]
    live: ["true"]
    status: [sh, -c, "sleep 2; exit 1"]
lock:
  backend: redis
  stale_after: )" << stale << R"(
  redis: )" << block << "\n";
    }
    [[nodiscard]] Inventory load() const {
        auto inv = load_inventory(inventory);
        if (!inv) FAIL(inv.error().front().to_string());
        return *inv;
    }
    [[nodiscard]] std::vector<std::string> ncbctl(std::vector<std::string> args,
                                                  const std::string& state_dir = "") const {
        std::vector<std::string> argv{NCBCTL_BINARY, "-i", inventory, "--state-dir",
                                      state_dir.empty() ? state : state_dir};
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
    }
    [[nodiscard]] std::vector<std::string> helper(const std::string& cmd, const std::string& run_id, int steps,
                                                  int step_ms, std::vector<std::string> extra = {}) const {
        std::vector<std::string> argv{NCBCTL_REDIS_HELPER, cmd,
                                      "--inventory",       inventory,
                                      "--state",           state,
                                      "--run-id",          run_id,
                                      "--steps",           std::to_string(steps),
                                      "--step-ms",         std::to_string(step_ms),
                                      "--effects",         effects};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return argv;
    }
};

// A client of our own on the test server, to look at the key the way an operator's redis-cli would.
lock::RedisClient admin(int db = 1) {
    return lock::RedisClient({.host = "127.0.0.1", .port = port(), .db = db, .password = password(), .where = "admin"});
}

lock::RedisReply admin_cmd(const std::vector<std::string>& argv, int db = 1) {
    auto c = admin(db);
    auto r = c.command(argv, Deadline::after(5s));
    REQUIRE(r);
    return *r;
}

LockHolder holder(const std::string& run_id) {
    return run::make_holder(run_id, "upgrade --to 2.2.16");
}

bool wait_for_text(const std::string& path, const std::string& text, Duration max = 30s) {
    for (auto until = Clock::now() + max; Clock::now() < until; std::this_thread::sleep_for(20ms))
        if (slurp(path).find(text) != std::string::npos) return true;
    return false;
}

long long unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

TEST_CASE("redis lock: two acquirers race, one wins; renew, break and release compare the owner", "[redis][lock]") {
    Cluster c("race-backend");
    const Inventory inv = c.load();
    auto a = lock::make_redis_lock(inv);
    auto b = lock::make_redis_lock(inv);
    const auto ha = holder("20261201T000000Z-00000a");
    const auto hb = holder("20261201T000000Z-00000b");
    auto fa = std::async(std::launch::async, [&] { return a->try_acquire(ha, Deadline::after(5s)); });
    auto fb = std::async(std::launch::async, [&] { return b->try_acquire(hb, Deadline::after(5s)); });
    auto ra = fa.get();
    auto rb = fb.get();
    REQUIRE(ra);
    REQUIRE(rb);
    REQUIRE(ra->has_value() != rb->has_value());  // exactly one got it
    const bool a_won = !ra->has_value();
    auto& winner = a_won ? a : b;
    auto& loser = a_won ? b : a;
    const auto& w = a_won ? ha : hb;
    const auto& l = a_won ? hb : ha;
    CHECK((a_won ? **rb : **ra).run_id == w.run_id);  // the loser is told who holds it

    // The key: our value format, with a TTL of stale_after.
    auto raw = admin_cmd({"GET", c.key});
    REQUIRE(raw.type == lock::RedisReply::Type::String);
    auto decoded = lock::decode_lock_value(raw.str);
    REQUIRE(decoded);
    CHECK(decoded->run_id == w.run_id);
    CHECK(decoded->host == w.host);
    CHECK(decoded->pid == w.pid);
    auto ttl = admin_cmd({"PTTL", c.key});
    CHECK(ttl.integer > 0);
    CHECK(ttl.integer <= 4000);

    auto hl = loser->heartbeat(l, Deadline::after(5s));
    REQUIRE_FALSE(hl);
    CHECK(hl.error().code == ErrorCode::Lock);
    auto rl = loser->release(l, Deadline::after(5s));
    REQUIRE_FALSE(rl);
    CHECK(rl.error().code == ErrorCode::Lock);
    // The same run id from another process (a resume) is not the owner either: the token decides.
    auto same_run = lock::make_redis_lock(inv);
    auto hs = same_run->heartbeat(w, Deadline::after(5s));
    REQUIRE_FALSE(hs);
    CHECK(hs.error().code == ErrorCode::Lock);
    CHECK_FALSE(same_run->release(w, Deadline::after(5s)));
    CHECK(admin_cmd({"EXISTS", c.key}).integer == 1);

    auto read = loser->read(Deadline::after(5s));
    REQUIRE(read);
    REQUIRE(read->has_value());
    CHECK((*read)->command == "upgrade --to 2.2.16");
    const LockHolder old = **read;
    std::this_thread::sleep_for(1100ms);  // heartbeats have one-second resolution
    REQUIRE(winner->heartbeat(w, Deadline::after(5s)));
    CHECK(admin_cmd({"PTTL", c.key}).integer > 3000);                // extended
    auto stale_break = loser->break_lock(old, Deadline::after(5s));  // renewed since it was read: refused
    REQUIRE_FALSE(stale_break);
    CHECK(stale_break.error().code == ErrorCode::Lock);
    auto now = loser->read(Deadline::after(5s));
    REQUIRE(now);
    REQUIRE(now->has_value());
    CHECK((*now)->heartbeat > old.heartbeat);
    REQUIRE(loser->break_lock(**now, Deadline::after(5s)));  // unchanged since read: broken
    auto empty = loser->read(Deadline::after(5s));
    REQUIRE(empty);
    CHECK_FALSE(empty->has_value());

    auto again = loser->try_acquire(l, Deadline::after(5s));
    REQUIRE(again);
    CHECK_FALSE(again->has_value());
    auto lost = winner->heartbeat(w, Deadline::after(5s));  // its lock was broken and taken
    REQUIRE_FALSE(lost);
    CHECK(lost.error().code == ErrorCode::Lock);
    CHECK(lost.error().message.find("no longer held by run " + w.run_id) != std::string::npos);
    CHECK_FALSE(winner->release(w, Deadline::after(5s)));
    REQUIRE(loser->release(l, Deadline::after(5s)));
    REQUIRE(loser->release(l, Deadline::after(5s)));  // free already: success
    CHECK(admin_cmd({"EXISTS", c.key}).integer == 0);
}

TEST_CASE("redis lock: a lock nobody renews is gone stale_after later", "[redis][lock]") {
    Cluster c("expiry", "", "2s");
    const Inventory inv = c.load();
    auto a = lock::make_redis_lock(inv);
    auto b = lock::make_redis_lock(inv);
    auto got = a->try_acquire(holder("20261201T000000Z-00090e"), Deadline::after(5s));
    REQUIRE(got);
    REQUIRE_FALSE(got->has_value());
    auto held = b->try_acquire(holder("20261201T000000Z-0e0003"), Deadline::after(5s));
    REQUIRE(held);
    REQUIRE(held->has_value());
    std::this_thread::sleep_for(2200ms);
    auto read = b->read(Deadline::after(5s));
    REQUIRE(read);
    CHECK_FALSE(read->has_value());
    auto taken = b->try_acquire(holder("20261201T000000Z-0e0003"), Deadline::after(5s));
    REQUIRE(taken);
    CHECK_FALSE(taken->has_value());
    REQUIRE(b->release(holder("20261201T000000Z-0e0003"), Deadline::after(5s)));
}

TEST_CASE("redis lock: db index from the URL; foreign values under the key are refused", "[redis][lock]") {
    const std::string url = "redis://127.0.0.1:" + std::to_string(port()) + "/3";
    Cluster c("db3", "{url: \"" + url + "\", password_file: " + password_file() + "}");
    const Inventory inv = c.load();
    CHECK(inv.lock.redis.key == "ncbctl:lock:it-db3");  // the default key
    auto a = lock::make_redis_lock(inv);
    REQUIRE(a->try_acquire(holder("20261201T000000Z-00db03"), Deadline::after(5s)));
    CHECK(admin_cmd({"EXISTS", "ncbctl:lock:it-db3"}, 3).integer == 1);
    CHECK(admin_cmd({"EXISTS", "ncbctl:lock:it-db3"}, 1).integer == 0);
    REQUIRE(a->release(holder("20261201T000000Z-00db03"), Deadline::after(5s)));

    admin_cmd({"SET", "ncbctl:lock:it-db3", "not a lock"}, 3);
    auto garbage = a->read(Deadline::after(5s));
    REQUIRE_FALSE(garbage);
    CHECK(garbage.error().code == ErrorCode::Protocol);
    CHECK(garbage.error().message.find("not an ncbctl lock") != std::string::npos);
    admin_cmd({"DEL", "ncbctl:lock:it-db3"}, 3);
    admin_cmd({"HSET", "ncbctl:lock:it-db3", "f", "v"}, 3);
    auto wrong_type = a->try_acquire(holder("20261201T000000Z-00db03"), Deadline::after(5s));
    REQUIRE_FALSE(wrong_type);
    CHECK(wrong_type.error().code == ErrorCode::Remote);
    CHECK(wrong_type.error().message.find("WRONGTYPE") != std::string::npos);
    admin_cmd({"DEL", "ncbctl:lock:it-db3"}, 3);
}

TEST_CASE("redis lock: wrong password, no password, nobody listening, missing secret", "[redis][lock]") {
    testing::TempDir tmp;
    const std::string wrong = tmp.path + "/wrong";
    { std::ofstream(wrong) << "not-the-password\n"; }
    fs::permissions(wrong, fs::perms::owner_read | fs::perms::owner_write);
    const std::string url = "redis://127.0.0.1:" + std::to_string(port()) + "/1";
    {
        Cluster c("wrongpw", "{url: \"" + url + "\", password_file: " + wrong + "}");
        auto r = lock::make_redis_lock(c.load())->read(Deadline::after(5s));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::Auth);
        CHECK(r.error().message.find("authentication refused") != std::string::npos);
        CHECK(r.error().message.find("not-the-password") == std::string::npos);
        CHECK(run::lock_failure_exit(r.error()) == ExitCode::Preflight);
    }
    {
        Cluster c("nopw", "{url: \"" + url + "\"}");
        auto r = lock::make_redis_lock(c.load())->try_acquire(holder("x"), Deadline::after(5s));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::Auth);
        CHECK(r.error().message.find("NOAUTH") != std::string::npos);
    }
    {
        Cluster c("nobody", "{url: \"redis://127.0.0.1:" + std::to_string(kNobodyPort) +
                                "\", password_file: " + password_file() + "}");
        const auto t0 = Clock::now();
        auto r = lock::make_redis_lock(c.load())->read(Deadline::after(5s));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::Unreachable);
        CHECK(r.error().message.find("cannot connect") != std::string::npos);
        CHECK(Clock::now() - t0 < 5s);
        CHECK(run::lock_failure_exit(r.error()) == ExitCode::Preflight);
    }
    {
        ::unsetenv("NCB_IT_REDIS_UNSET");
        Cluster c("unset", "{url: \"" + url + "\", password_env: NCB_IT_REDIS_UNSET}");
        auto r = lock::make_redis_lock(c.load())->read(Deadline::after(5s));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::Inventory);
        CHECK(r.error().message.find("NCB_IT_REDIS_UNSET") != std::string::npos);
        CHECK(run::lock_failure_exit(r.error()) == ExitCode::Usage);
    }
}

TEST_CASE("two ncbctl processes race for the redis lock: one runs, the other exits 4 naming it", "[redis][process]") {
    Cluster c("race-ncbctl");
    // Separate state directories: only Redis is shared, as between two operators' machines.
    const std::string s1 = c.dir.path + "/state1", s2 = c.dir.path + "/state2";
    auto f1 = std::async(std::launch::async, [&] { return spawn(c.ncbctl({"--yes", "traffic", "maintenance"}, s1)); });
    auto f2 = std::async(std::launch::async, [&] { return spawn(c.ncbctl({"--yes", "traffic", "maintenance"}, s2)); });
    auto r1 = f1.get();
    auto r2 = f2.get();
    REQUIRE(r1);
    REQUIRE(r2);
    INFO("first: exit " << r1->exit_code << "\n" << r1->out << r1->err);
    INFO("second: exit " << r2->exit_code << "\n" << r2->out << r2->err);
    REQUIRE((r1->exit_code == 4) != (r2->exit_code == 4));  // exactly one was refused
    const bool first_refused = r1->exit_code == 4;
    const auto& refused = first_refused ? *r1 : *r2;
    const auto& winner = first_refused ? *r2 : *r1;
    const std::string winner_state = first_refused ? s2 : s1;
    const std::string refused_state = first_refused ? s1 : s2;
    // The winner ran its plan: preflight reads the LB's state (its status command fails: exit 3).
    CHECK(winner.exit_code == 3);
    std::vector<std::string> runs;
    for (const auto& e : fs::directory_iterator(winner_state + "/runs")) runs.push_back(e.path().stem().string());
    REQUIRE(runs.size() == 1);
    CHECK(refused.err.find("the cluster lock is held by run " + runs[0] + " (traffic-maintenance)") !=
          std::string::npos);
    CHECK(error_lines(refused.err) == 1);
    CHECK_FALSE(fs::exists(refused_state + "/runs"));  // nothing journaled, nothing done
    CHECK_FALSE(fs::exists(c.dir.path + "/maintenance-ran"));
    CHECK(admin_cmd({"EXISTS", c.key}).integer == 0);  // released at the end of the run
}

TEST_CASE("a SIGKILLed holder on another host holds the redis lock until stale_after, then it is free",
          "[redis][process]") {
    Cluster c("killed-remote");
    // Another host: its own UTS namespace (hostname runner-b), so no pid check can see that it died.
    auto killed = spawn({"unshare",
                         "--uts",
                         "sh",
                         "-c",
                         "hostname runner-b && exec \"$0\" \"$@\"",
                         NCBCTL_REDIS_HELPER,
                         "run",
                         "--inventory",
                         c.inventory,
                         "--state",
                         c.state,
                         "--run-id",
                         "20261201T000000Z-dead01",
                         "--steps",
                         "3",
                         "--step-ms",
                         "100",
                         "--effects",
                         c.effects,
                         "--kill-in-step",
                         "0"});
    const auto killed_at = Clock::now();
    REQUIRE(killed);
    INFO(killed->err);
    REQUIRE(killed->term_signal == SIGKILL);

    auto status = spawn(c.ncbctl({"lock", "status"}));
    REQUIRE(status);
    CHECK(status->exit_code == 0);
    CHECK(status->out.find("held by run 20261201T000000Z-dead01 (redis-it) by ") != std::string::npos);
    CHECK(status->out.find("@runner-b pid ") != std::string::npos);
    CHECK(status->out.find("STALE") == std::string::npos);
    auto json = spawn(c.ncbctl({"--output", "json", "lock", "status"}));
    REQUIRE(json);
    auto j = nlohmann::json::parse(json->out, nullptr, false);
    REQUIRE(j.is_object());
    CHECK(j["backend"] == "redis");
    CHECK(j["held"] == true);
    CHECK(j["stale"] == false);
    CHECK(j["holder"]["host"] == "runner-b");
    CHECK(j["holder"]["run_id"] == "20261201T000000Z-dead01");

    auto force = spawn(c.ncbctl({"lock", "release", "--force"}));
    REQUIRE(force);
    CHECK(force->exit_code == 4);
    CHECK(force->err.find("refusing") != std::string::npos);
    auto refused = spawn(c.helper("run", "20261201T000000Z-0e0001", 1, 10));
    REQUIRE(refused);
    CHECK(refused->exit_code == 4);
    CHECK(refused->err.find("held by run 20261201T000000Z-dead01 (redis-it)") != std::string::npos);
    CHECK(refused->err.find("@runner-b") != std::string::npos);

    // Free once stale_after (4 s) passed since its last renewal: the key expires in Redis by itself.
    bool free = false;
    while (!free && Clock::now() - killed_at < 8s) {
        auto st = spawn(c.ncbctl({"lock", "status"}));
        REQUIRE(st);
        free = st->out.find(": free") != std::string::npos;
        if (!free) std::this_thread::sleep_for(100ms);
    }
    const auto freed_after = Clock::now() - killed_at;
    CHECK(free);
    CHECK(freed_after >= 2500ms);  // not before stale_after minus at most one renewal interval (1 s)
    auto next = spawn(c.helper("run", "20261201T000000Z-0e0001", 1, 10));
    REQUIRE(next);
    INFO(next->err);
    CHECK(next->exit_code == 0);
}

TEST_CASE("a SIGKILLed holder on this host is broken at once by the next run", "[redis][process]") {
    Cluster c("killed-local");
    auto killed = spawn(c.helper("run", "20261201T000000Z-dead02", 3, 100, {"--kill-in-step", "0"}));
    REQUIRE(killed);
    REQUIRE(killed->term_signal == SIGKILL);
    CHECK(admin_cmd({"EXISTS", c.key}).integer == 1);
    auto status = spawn(c.ncbctl({"lock", "status"}));
    REQUIRE(status);
    CHECK(status->out.find("STALE") != std::string::npos);  // its pid is gone on this host
    const auto t0 = Clock::now();
    auto next = spawn(c.helper("run", "20261201T000000Z-0e0002", 1, 10));
    REQUIRE(next);
    INFO(next->err);
    CHECK(next->exit_code == 0);
    CHECK(next->err.find("warning: breaking a stale cluster lock: run 20261201T000000Z-dead02") != std::string::npos);
    CHECK(Clock::now() - t0 < 3s);  // did not wait for the key to expire
}

TEST_CASE("redis stopped in the middle of a run: no step starts after the lock lapsed, exit 130, resume finishes",
          "[redis][process]") {
    Cluster c("midrun");  // stale_after 4 s: renewals every 1 s, no new step 2 s after the last one
    RestartGuard guard;
    const int steps = 10;
    auto running =
        std::async(std::launch::async, [&] { return spawn(c.helper("run", "20261201T000000Z-0d0001", steps, 700)); });
    REQUIRE(wait_for_text(c.effects, "start p1/work"));
    const long long stopped_at = unix_ms();
    guard.stopped = true;
    harness("stop");
    auto r = running.get();
    REQUIRE(r);
    INFO(r->out << r->err);
    CHECK(r->exit_code == 130);
    CHECK(r->err.find("warning: cannot renew the cluster lock: redis://127.0.0.1:") != std::string::npos);
    CHECK(r->err.find("error: the cluster lock was not renewed for 2s") != std::string::npos);
    CHECK(r->err.find("continue with: ncbctl resume 20261201T000000Z-0d0001") != std::string::npos);
    CHECK(r->out.find("the cluster lock could not be renewed") != std::string::npos);

    // Every step that started, finished; none started later than stale_after/2 after the last renewal
    // (which came before the server stopped).
    std::istringstream in(slurp(c.effects));
    int started = 0, done = 0;
    for (std::string word, id; in >> word >> id;) {
        if (word == "start") {
            long long at = 0;
            in >> at;
            ++started;
            CHECK(at <= stopped_at + 2000 + 150);
        } else {
            ++done;
        }
    }
    CHECK(started >= 2);
    CHECK(started < steps);
    CHECK(started == done);

    harness("start");  // an empty Redis: the lock's key went with the old process
    guard.stopped = false;
    auto resumed = spawn(c.helper("resume", "20261201T000000Z-0d0001", steps, 10));
    REQUIRE(resumed);
    INFO(resumed->out << resumed->err);
    CHECK(resumed->exit_code == 0);
    const std::string effects = slurp(c.effects);
    for (int i = 0; i < steps; ++i) {
        const std::string id = "start p" + std::to_string(i) + "/work ";
        const auto first = effects.find(id);
        CHECK(first != std::string::npos);
        CHECK(effects.find(id, first + 1) == std::string::npos);  // no step ran twice
    }
    CHECK(admin_cmd({"EXISTS", c.key}).integer == 0);
}

TEST_CASE("ncbctl with a bad redis lock: one line, exit 3 or 2, before anything changed", "[redis][process]") {
    testing::TempDir tmp;
    const std::string wrong = tmp.path + "/wrong";
    { std::ofstream(wrong) << "not-the-password\n"; }
    fs::permissions(wrong, fs::perms::owner_read | fs::perms::owner_write);
    const std::string url = "redis://127.0.0.1:" + std::to_string(port()) + "/1";
    struct Case {
        std::string name, block;
        int exit;
        std::string says;
    };
    const std::vector<Case> cases = {
        {"badpw", "{url: \"" + url + "\", password_file: " + wrong + "}", 3, "authentication refused"},
        {"unreachable",
         "{url: \"redis://127.0.0.1:" + std::to_string(kNobodyPort) + "\", password_file: " + password_file() + "}", 3,
         "cannot connect"},
        {"unset", "{url: \"" + url + "\", password_env: NCB_IT_REDIS_UNSET}", 2, "NCB_IT_REDIS_UNSET is not set"},
    };
    ::unsetenv("NCB_IT_REDIS_UNSET");
    for (const auto& k : cases) {
        Cluster c(k.name, k.block);
        for (const auto& args :
             std::vector<std::vector<std::string>>{{"--yes", "traffic", "maintenance"}, {"lock", "status"}}) {
            auto r = spawn(c.ncbctl(args));
            REQUIRE(r);
            INFO(k.name << " " << args.back() << ": exit " << r->exit_code << "\n" << r->out << r->err);
            CHECK(r->exit_code == k.exit);
            CHECK(error_lines(r->err) == 1);
            CHECK(r->err.find(k.says) != std::string::npos);
            CHECK(r->err.find("not-the-password") == std::string::npos);
            CHECK(r->err.find(password()) == std::string::npos);
            CHECK_FALSE(fs::exists(c.state + "/runs"));  // no run started
            CHECK_FALSE(fs::exists(c.dir.path + "/maintenance-ran"));
        }
    }
    // validate --connect names the lock's problem on its own FAIL line (the node of these inventories does not
    // answer either, so the exit is 3 in every case), and reads a good one as free.
    for (const auto& k : cases) {
        Cluster c(k.name + "-connect", k.block);
        auto r = spawn(c.ncbctl({"validate", "--connect"}));
        REQUIRE(r);
        INFO(k.name << ": exit " << r->exit_code << "\n" << r->out << r->err);
        CHECK(r->exit_code == 3);
        CHECK(r->out.find("FAIL lock: redis redis://127.0.0.1:") != std::string::npos);
        CHECK(r->out.find(k.says) != std::string::npos);
        CHECK((r->out + r->err).find("not-the-password") == std::string::npos);
        CHECK((r->out + r->err).find(password()) == std::string::npos);
    }
    {
        Cluster good("good-connect");
        auto r = spawn(good.ncbctl({"validate", "--connect"}));
        REQUIRE(r);
        INFO(r->out << r->err);
        CHECK(r->out.find("OK   lock: redis redis://127.0.0.1:" + std::to_string(port()) + "/1, free") !=
              std::string::npos);
        CHECK(admin_cmd({"EXISTS", good.key}).integer == 0);  // read only
    }
    // A malformed URL never gets that far: the inventory is refused with its line.
    Cluster bad("badurl", "{url: \"redis://127.0.0.1:6380/x\", password_file: " + password_file() + "}");
    auto v = spawn(bad.ncbctl({"validate"}));
    REQUIRE(v);
    CHECK(v->exit_code == 2);
    CHECK(v->err.find(bad.inventory + ":") != std::string::npos);
    CHECK(v->err.find("lock.redis.url: `redis://127.0.0.1:6380/x`: the path is the database index") !=
          std::string::npos);
    auto t = spawn(bad.ncbctl({"--yes", "traffic", "maintenance"}));
    REQUIRE(t);
    CHECK(t->exit_code == 2);
    CHECK_FALSE(fs::exists(bad.dir.path + "/maintenance-ran"));
}

TEST_CASE("rediss:// lock: TLS to the real server, its certificate checked against tls.ca_file", "[redis][lock][tls]") {
    const std::string url = "rediss://127.0.0.1:" + peer_env("REDIS_TLS_PORT") + "/1";
    const std::string ca = peer_env("REDIS_TLS_CA");
    {
        Cluster c("tls", "{url: \"" + url + "\", password_file: " + password_file() + ", tls: {ca_file: " + ca +
                             "}, key: \"ncbctl:lock:it-tls\"}");
        const Inventory inv = c.load();
        CHECK(inv.lock.redis.tls);
        auto a = lock::make_redis_lock(inv);
        auto got = a->try_acquire(holder("20261202T000000Z-0000a1"), Deadline::after(5s));
        REQUIRE(got);
        CHECK_FALSE(got->has_value());  // taken, nobody else held it
        // The same key on the server's plain port: the lock really went over TLS to this server.
        CHECK(admin_cmd({"EXISTS", "ncbctl:lock:it-tls"}).integer == 1);
        auto h = a->read(Deadline::after(5s));
        REQUIRE(h);
        REQUIRE(h->has_value());
        CHECK((*h)->run_id == "20261202T000000Z-0000a1");
        REQUIRE(a->heartbeat(holder("20261202T000000Z-0000a1"), Deadline::after(5s)));
        REQUIRE(a->release(holder("20261202T000000Z-0000a1"), Deadline::after(5s)));
        CHECK(admin_cmd({"EXISTS", "ncbctl:lock:it-tls"}).integer == 0);
    }
    {  // no ca_file: the system's CAs do not know the test CA
        Cluster c("tls-untrusted", "{url: \"" + url + "\", password_file: " + password_file() + "}");
        auto r = lock::make_redis_lock(c.load())->read(Deadline::after(5s));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::Auth);
        CHECK(r.error().message.find("not trusted") != std::string::npos);
        CHECK(r.error().message.find("lock.redis.tls.ca_file") != std::string::npos);
        CHECK(run::lock_failure_exit(r.error()) == ExitCode::Preflight);
    }
    {  // verify: false connects to the same server without a CA (warned)
        Cluster c("tls-noverify",
                  "{url: \"" + url + "\", password_file: " + password_file() + ", tls: {verify: false}}");
        auto r = lock::make_redis_lock(c.load())->read(Deadline::after(5s));
        REQUIRE(r);
        CHECK_FALSE(r->has_value());
    }
    {  // the certificate names 127.0.0.1, not localhost
        const std::string by_name = "rediss://localhost:" + peer_env("REDIS_TLS_PORT") + "/1";
        Cluster c("tls-name",
                  "{url: \"" + by_name + "\", password_file: " + password_file() + ", tls: {ca_file: " + ca + "}}");
        auto r = lock::make_redis_lock(c.load())->read(Deadline::after(5s));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::Auth);
        CHECK(r.error().message.find("not trusted") != std::string::npos);
    }
    {  // rediss:// to the plain port: the handshake fails, one line, no hang
        const std::string plain = "rediss://127.0.0.1:" + std::to_string(port()) + "/1";
        Cluster c("tls-plain",
                  "{url: \"" + plain + "\", password_file: " + password_file() + ", tls: {ca_file: " + ca + "}}");
        // A plain server waits for a command line that never comes: the deadline ends the handshake.
        const auto t0 = Clock::now();
        auto r = lock::make_redis_lock(c.load())->read(Deadline::after(2s));
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find("rediss://127.0.0.1") != std::string::npos);
        CHECK(r.error().message.find('\n') == std::string::npos);
        CHECK(Clock::now() - t0 < 4s);
    }
    {  // tls: with a redis:// URL is an inventory error
        Cluster c("tls-on-plain", "{url: \"redis://127.0.0.1:" + std::to_string(port()) +
                                      "/1\", password_file: " + password_file() + ", tls: {ca_file: " + ca + "}}");
        auto inv = load_inventory(c.inventory);
        REQUIRE_FALSE(inv);
        CHECK(inv.error().front().to_string().find("applies only to a rediss:// url") != std::string::npos);
    }
}
