#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>

#include "fakes/engine.hpp"
#include "ncbctl/cancel.hpp"
#include "plan/workflows.hpp"
#include "run/cluster_lock.hpp"
#include "run/session.hpp"

using namespace ncbctl;
using ncbctl::testing::TempDir;
using namespace std::chrono_literals;
using ncbctl::testing::make_inventory;
using ncbctl::testing::RecordingRunner;

namespace {

run::SessionOptions session(const std::string& dir, std::ostringstream& out, std::ostringstream& err,
                            const std::string& run_id = "") {
    run::SessionOptions o;
    o.state_dir = dir;
    o.out = &out;
    o.err = &err;
    o.run_id = run_id;
    o.parallel = 1;
    return o;
}
}  // namespace

TEST_CASE("resume skips finished steps, re-runs the interrupted one, completes the run", "[resume]") {
    TempDir dir;
    reset_interrupts();
    auto plan = *plan::build_upgrade(make_inventory(3), {.to = "2.2.16"});
    auto lock = run::make_local_lock(dir.path);
    std::ostringstream out, err;

    RecordingRunner first;
    first.on_run["upgrade/app2"] = [] {
        request_interrupt();
        request_interrupt();
    };
    first.sleeps["upgrade/app2"] = 30s;  // aborted by the second interrupt
    CHECK(run::run_plan(plan, first, *lock, session(dir.path, out, err, "20261126T024512Z-000001")) ==
          ExitCode::Interrupted);
    reset_interrupts();
    CHECK(err.str().find("ncbctl resume 20261126T024512Z-000001") != std::string::npos);

    auto rec = run::find_resumable(dir.path, "", "hash-a", false);
    REQUIRE(rec);
    CHECK(rec->run_id == "20261126T024512Z-000001");
    auto changed = run::find_resumable(dir.path, "20261126T024512Z-000001", "hash-b", false);
    REQUIRE_FALSE(changed);
    CHECK(changed.error().code == ErrorCode::Usage);
    CHECK(changed.error().message.find("--force") != std::string::npos);
    CHECK(run::find_resumable(dir.path, "20261126T024512Z-000001", "hash-b", true));

    RecordingRunner second;
    CHECK(run::resume_run(*rec, second, *lock, session(dir.path, out, err)) == ExitCode::Ok);
    for (const auto& ph : plan.phases)
        for (const auto& s : ph.steps) {
            const int total = first.count(s.id) + second.count(s.id);
            if (s.id == "upgrade/app2")
                CHECK(total == 2);  // in flight when interrupted: re-run (steps are idempotent)
            else
                CHECK(total == 1);
        }
    CHECK(second.count("stop/app1") == 0);
    auto done = read_journal(journal_path(dir.path, "20261126T024512Z-000001"));
    REQUIRE(done);
    CHECK(done->finished);
    CHECK(done->exit_code == 0);
    CHECK(done->sessions == 2);
    CHECK_FALSE(done->resumable());
    auto again = run::find_resumable(dir.path, "20261126T024512Z-000001", "hash-a", false);
    REQUIRE_FALSE(again);
    CHECK(again.error().message.find("finished") != std::string::npos);
    CHECK(run::satisfied_phases(dir.path, plan).contains("verify"));
}

TEST_CASE("a run refuses to start while another holds the lock (exit 4)", "[resume][lock]") {
    TempDir dir;
    auto plan = *plan::build_stop(make_inventory(2));
    auto holder_backend = run::make_local_lock(dir.path);
    auto held = run::ClusterLock::acquire(
        *holder_backend, run::make_holder("20261126T024512Z-0000ff", "upgrade --to 9"), Duration{0}, Seconds{120});
    REQUIRE(held);
    auto lock = run::make_local_lock(dir.path);
    std::ostringstream out, err;
    RecordingRunner runner;
    CHECK(run::run_plan(plan, runner, *lock, session(dir.path, out, err)) == ExitCode::LockHeld);
    CHECK(err.str().find("run 20261126T024512Z-0000ff (upgrade --to 9)") != std::string::npos);
    CHECK(runner.calls.empty());
}
