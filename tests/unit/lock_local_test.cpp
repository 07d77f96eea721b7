#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "fakes/engine.hpp"
#include "run/cluster_lock.hpp"

using namespace ncbctl;
using ncbctl::testing::TempDir;
using namespace std::chrono_literals;

TEST_CASE("local lock: one holder at a time, named to the others", "[lock]") {
    TempDir dir;
    auto a = run::make_local_lock(dir.path);
    auto b = run::make_local_lock(dir.path);  // another open file description: flock conflicts like a process
    auto me = run::make_holder("20261126T024512Z-00000a", "upgrade --to 2");
    auto other = run::make_holder("20261126T024512Z-00000b", "backup run");
    auto got = a->try_acquire(me, Deadline::after(1s));
    REQUIRE(got);
    CHECK_FALSE(got->has_value());
    auto denied = b->try_acquire(other, Deadline::after(1s));
    REQUIRE(denied);
    REQUIRE(denied->has_value());
    CHECK((*denied)->run_id == "20261126T024512Z-00000a");
    CHECK((*denied)->command == "upgrade --to 2");
    auto seen = b->read(Deadline::after(1s));
    REQUIRE(seen);
    REQUIRE(seen->has_value());
    CHECK(run::describe(**seen).find("run 20261126T024512Z-00000a (upgrade --to 2)") != std::string::npos);
    CHECK(a->heartbeat(me, Deadline::after(1s)));
    REQUIRE(a->release(me, Deadline::after(1s)));
    auto free = b->read(Deadline::after(1s));
    REQUIRE(free);
    CHECK_FALSE(free->has_value());
    auto now_b = b->try_acquire(other, Deadline::after(1s));
    REQUIRE(now_b);
    CHECK_FALSE(now_b->has_value());
    CHECK(b->release(other, Deadline::after(1s)));
}

TEST_CASE("local lock: a holder file left by a dead process does not block", "[lock]") {
    TempDir dir;
    {
        std::ofstream f(dir.path + "/lock.json");
        f << R"({"run_id":"20261126T000000Z-00dead","command":"upgrade","user":"x","host":"elsewhere","pid":1,"started":1,"heartbeat":1})";
    }
    auto a = run::make_local_lock(dir.path);
    auto seen = a->read(Deadline::after(1s));
    REQUIRE(seen);
    CHECK_FALSE(seen->has_value());
    auto lock =
        run::ClusterLock::acquire(*a, run::make_holder("20261126T024512Z-00000c", "stop"), Duration{0}, Seconds{120});
    REQUIRE(lock);
    CHECK((*lock)->holder().run_id == "20261126T024512Z-00000c");
}

TEST_CASE("cluster lock: held fresh -> Lock error naming the holder, stale heartbeat -> broken", "[lock]") {
    TempDir dir;
    auto a = run::make_local_lock(dir.path);
    auto b = run::make_local_lock(dir.path);
    auto me = run::make_holder("20261126T024512Z-00000a", "upgrade --to 2");
    REQUIRE(a->try_acquire(me, Deadline::after(1s)));

    auto denied = run::ClusterLock::acquire(*b, run::make_holder("20261126T024512Z-00000b", "backup run"), Duration{0},
                                            Seconds{120});
    REQUIRE_FALSE(denied);
    CHECK(denied.error().code == ErrorCode::Lock);
    CHECK(denied.error().message.find("run 20261126T024512Z-00000a (upgrade --to 2)") != std::string::npos);

    // Same holder, but its heartbeat is old (a hung process): the lock is broken and taken.
    auto hung = me;
    hung.heartbeat -= 3600;
    REQUIRE(a->release(me, Deadline::after(1s)));
    REQUIRE(a->try_acquire(hung, Deadline::after(1s)));
    CHECK(run::holder_is_stale(hung, Seconds{120}));
    CHECK_FALSE(run::holder_is_stale(me, Seconds{120}));
    auto taken = run::ClusterLock::acquire(*b, run::make_holder("20261126T024512Z-00000b", "backup run"), Duration{0},
                                           Seconds{120});
    REQUIRE(taken);
    auto hb = a->heartbeat(hung, Deadline::after(1s));
    REQUIRE_FALSE(hb);
    CHECK(hb.error().code == ErrorCode::Lock);
    // break_lock refuses when the holder changed meanwhile.
    CHECK_FALSE(a->break_lock(hung, Deadline::after(1s)));
}

TEST_CASE("local lock: a holder file with fields of the wrong type is read, not thrown", "[lock][hardening]") {
    TempDir dir;
    {
        std::ofstream f(dir.path + "/lock.json");
        f << R"({"run_id":7,"command":["x"],"user":null,"host":"h","pid":"1","started":1e300,"heartbeat":-1e300})";
    }
    auto a = run::make_local_lock(dir.path);
    auto seen = a->read(Deadline::after(1s));
    REQUIRE(seen);  // no holder with a live pid: not held
    CHECK_FALSE(seen->has_value());
}
