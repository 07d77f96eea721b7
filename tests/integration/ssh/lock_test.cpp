#include <catch2/catch.hpp>
#include <fstream>
#include <future>

#include "drivers/ssh/ssh_driver.hpp"
#include "support.hpp"

using namespace ncbctl;
using namespace ssh_it;
using namespace std::chrono_literals;

namespace {

LockHolder holder(const std::string& run, const std::string& command = "upgrade --to 2.2.16") {
    LockHolder h;
    h.run_id = run;
    h.command = command;
    h.user = "ops";
    h.host = "laptop";
    h.pid = 42;
    return h;
}

}  // namespace

TEST_CASE("remote lock: two concurrent acquirers, one wins; heartbeat, break, release", "[ssh][lock]") {
    auto inv = inventory();
    inv.lock.dir = E("DIR") + "/locks/cluster " + hostile();
    auto a = make_ssh_lock(ssh_node("lock-a", lo_target()), inv);
    auto b = make_ssh_lock(ssh_node("lock-b", lo_target()), inv);
    const auto ha = holder("20261126T024512Z-00000a", "upgrade " + hostile());
    const auto hb = holder("20261126T024512Z-00000b");

    auto fa = std::async(std::launch::async, [&] { return a->try_acquire(ha, Deadline::after(20s)); });
    auto fb = std::async(std::launch::async, [&] { return b->try_acquire(hb, Deadline::after(20s)); });
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
    CHECK((a_won ? **rb : **ra).run_id == w.run_id);  // the loser sees who holds it

    auto read = loser->read(Deadline::after(10s));
    REQUIRE(read);
    REQUIRE(read->has_value());
    CHECK((*read)->run_id == w.run_id);
    CHECK((*read)->command == w.command);
    CHECK((*read)->heartbeat > 0);

    auto hl = loser->heartbeat(l, Deadline::after(10s));
    REQUIRE_FALSE(hl);
    CHECK(hl.error().code == ErrorCode::Lock);
    auto rl = loser->release(l, Deadline::after(10s));
    REQUIRE_FALSE(rl);
    CHECK(rl.error().code == ErrorCode::Lock);

    LockHolder old = **read;
    std::this_thread::sleep_for(1100ms);  // heartbeats have one-second resolution
    REQUIRE(winner->heartbeat(w, Deadline::after(10s)));
    auto stale_break = loser->break_lock(old, Deadline::after(10s));  // the holder renewed: refused
    REQUIRE_FALSE(stale_break);
    CHECK(stale_break.error().code == ErrorCode::Lock);

    auto now = loser->read(Deadline::after(10s));
    REQUIRE(now);
    REQUIRE(now->has_value());
    CHECK((*now)->heartbeat > old.heartbeat);
    REQUIRE(loser->break_lock(**now, Deadline::after(10s)));  // unchanged holder: broken
    auto empty = loser->read(Deadline::after(10s));
    REQUIRE(empty);
    CHECK_FALSE(empty->has_value());
    auto again = loser->try_acquire(l, Deadline::after(10s));
    REQUIRE(again);
    CHECK_FALSE(again->has_value());
    REQUIRE(loser->release(l, Deadline::after(10s)));
    REQUIRE(loser->release(l, Deadline::after(10s)));  // released already: success
    CHECK_FALSE(std::filesystem::exists(inv.lock.dir));
    CHECK_FALSE(injected());
}

TEST_CASE("remote lock: a directory without holder.json reads as stale-able", "[ssh][lock]") {
    auto inv = inventory();
    inv.lock.dir = E("DIR") + "/locks/orphan";
    std::filesystem::create_directories(inv.lock.dir);
    // An acquirer that died a minute ago: old enough not to be waited for.
    std::filesystem::last_write_time(inv.lock.dir, std::filesystem::file_time_type::clock::now() - 60s);
    auto lk = make_ssh_lock(ssh_node("lock-c", lo_target()), inv);
    auto r = lk->read(Deadline::after(10s));
    REQUIRE(r);
    REQUIRE(r->has_value());
    CHECK((*r)->run_id.empty());
    CHECK((*r)->heartbeat > 0);
    REQUIRE(lk->break_lock(**r, Deadline::after(10s)));
    CHECK_FALSE(std::filesystem::exists(inv.lock.dir));
}

TEST_CASE("remote lock: a young directory is waited for until its holder.json appears", "[ssh][lock]") {
    // The window a concurrent loser can hit: the winner's mkdir is done, its holder.json not yet written.
    auto inv = inventory();
    inv.lock.dir = E("DIR") + "/locks/young";
    std::filesystem::create_directories(inv.lock.dir);
    auto writer = std::async(std::launch::async, [&] {
        std::this_thread::sleep_for(400ms);
        std::ofstream(inv.lock.dir + "/holder.json.tmp")
            << R"({"run_id":"20261126T024512Z-00000e","command":"backup run"})";
        std::filesystem::rename(inv.lock.dir + "/holder.json.tmp", inv.lock.dir + "/holder.json");
    });
    auto lk = make_ssh_lock(ssh_node("lock-d", lo_target()), inv);
    auto r = lk->try_acquire(holder("20261126T024512Z-00000f"), Deadline::after(20s));
    writer.get();
    REQUIRE(r);
    REQUIRE(r->has_value());
    CHECK((*r)->run_id == "20261126T024512Z-00000e");
    CHECK((*r)->command == "backup run");
    std::filesystem::remove_all(inv.lock.dir);
}

TEST_CASE("remote lock: a holder.json naming no valid run is refused, not trusted", "[ssh][lock][security]") {
    auto inv = inventory();
    inv.lock.dir = E("DIR") + "/locks/forged";
    std::filesystem::create_directories(inv.lock.dir);
    std::ofstream(inv.lock.dir + "/holder.json") << R"({"run_id":"../../x\u001b[2J","command":"upgrade"})";
    auto lk = make_ssh_lock(ssh_node("lock-e", lo_target()), inv);
    auto r = lk->read(Deadline::after(10s));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Protocol);
    CHECK(r.error().message.find("names no valid run") != std::string::npos);
    CHECK(r.error().message.find('\x1b') == std::string::npos);  // shown escaped
    std::filesystem::remove_all(inv.lock.dir);
}
