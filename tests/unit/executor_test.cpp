#include <catch2/catch.hpp>

#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "fakes/engine.hpp"
#include "fakes/rendezvous.hpp"
#include "ncbctl/cancel.hpp"
#include "plan/workflows.hpp"
#include "run/executor.hpp"
#include "run/reporters.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;
using ncbctl::testing::make_inventory;
using ncbctl::testing::RecordingRunner;
using ncbctl::testing::RecordingSink;

namespace {

run::ExecOptions opts(int parallel = 4) {
    run::ExecOptions o;
    o.run_id = "test-run";
    o.command = "test";
    o.parallel = parallel;
    o.resume_command = "ncbctl resume test-run";
    return o;
}

Plan upgrade(int nodes = 3, bool no_rollback = false) {
    return *plan::build_upgrade(make_inventory(nodes), {.to = "2.2.16", .no_rollback = no_rollback});
}

// One phase of `n` independent steps.
Plan flat(int n, bool parallel, Duration timeout = 10s, bool oos = false) {
    Plan p;
    p.workflow = "test";
    Phase ph;
    ph.name = "work";
    ph.parallel = parallel;
    for (int i = 0; i < n; ++i) {
        Step s;
        s.id = "work/n" + std::to_string(i);
        s.target = "n" + std::to_string(i);
        s.action = "node.restart";
        s.timeout = timeout;
        s.counts_out_of_service = oos;
        ph.steps.push_back(s);
    }
    p.phases.push_back(ph);
    return p;
}

std::vector<std::string> plan_order(const Plan& p) {
    std::vector<std::string> out;
    for (const auto& ph : p.phases)
        for (const auto& s : ph.steps) out.push_back(s.id);
    return out;
}

}  // namespace

TEST_CASE("executor runs every step once, in plan order when sequential", "[executor]") {
    RecordingRunner runner;
    RecordingSink sink;
    Plan plan = upgrade();
    auto out = run::execute(plan, runner, sink, opts(1));
    CHECK(out.exit == ExitCode::Ok);
    CHECK(runner.ids("run") == plan_order(plan));
    CHECK(runner.max_running.load() == 1);
    REQUIRE(sink.events.size() > 2);
    CHECK(sink.events.front().kind == EventKind::RunStarted);
    CHECK(sink.events.back().kind == EventKind::RunFinished);
    CHECK(sink.events.back().exit_code == 0);
    CHECK(sink.of(EventKind::StepFinished).size() == plan.step_count());
    CHECK(sink.of(EventKind::StepProgress).size() == plan.step_count());
    CHECK(sink.of(EventKind::StepProgress).front().step == plan_order(plan).front());
}

TEST_CASE("executor keeps phases ordered and `after` respected with parallel workers", "[executor]") {
    RecordingRunner runner;
    runner.default_sleep = 2ms;
    RecordingSink sink;
    Plan plan = upgrade(6);
    auto out = run::execute(plan, runner, sink, opts(8));
    REQUIRE(out.exit == ExitCode::Ok);
    auto order = runner.ids("run");
    auto pos = [&](const std::string& id) { return std::find(order.begin(), order.end(), id) - order.begin(); };
    CHECK(pos("canary/ready/app1") > pos("canary/start/app1"));
    CHECK(pos("verify/app1") > pos("canary/ready/app1"));
    for (int i = 2; i <= 6; ++i) {
        auto n = std::to_string(i);
        CHECK(pos("fanout/start/app" + n) > pos("verify/app1"));
        CHECK(pos("fanout/ready/app" + n) > pos("fanout/start/app" + n));
        CHECK(pos("upgrade/app" + n) > pos("backup/database"));
    }
    CHECK(pos("live/traffic") == static_cast<long>(order.size()) - 1);
}

TEST_CASE("upgrade: every node's stop runs at once, none waits for another node's", "[executor]") {
    RecordingRunner runner;
    RecordingSink sink;
    ncbctl::testing::Rendezvous meet(3);
    std::mutex mu;
    std::map<std::string, bool> met;
    for (int i = 1; i <= 3; ++i) {
        const std::string id = "stop/app" + std::to_string(i);
        runner.on_run[id] = [&, id] {
            const bool all = meet.arrive();  // serial stops never meet: the first waits alone
            std::lock_guard lock(mu);
            met[id] = all;
        };
    }
    auto out = run::execute(upgrade(3), runner, sink, opts());
    REQUIRE(out.exit == ExitCode::Ok);
    CHECK(met == std::map<std::string, bool>{{"stop/app1", true}, {"stop/app2", true}, {"stop/app3", true}});
}

TEST_CASE("executor never exceeds --parallel", "[executor]") {
    RecordingRunner runner;
    runner.default_sleep = 20ms;
    RecordingSink sink;
    auto out = run::execute(flat(24, true), runner, sink, opts(4));
    CHECK(out.exit == ExitCode::Ok);
    CHECK(runner.max_running.load() <= 4);
    CHECK(runner.max_running.load() >= 2);
    CHECK(runner.ids("run").size() == 24);
}

TEST_CASE("executor keeps the cluster-wide out-of-service budget", "[executor]") {
    RecordingRunner runner;
    runner.default_sleep = 10ms;
    RecordingSink sink;
    auto o = opts(10);
    o.max_out_of_service = 2;
    auto out = run::execute(flat(12, true, 10s, true), runner, sink, o);
    CHECK(out.exit == ExitCode::Ok);
    CHECK(runner.max_oos_running.load() <= 2);
    CHECK(runner.ids("run").size() == 12);
}

TEST_CASE("executor gives each step its timeout as a deadline and fails it when it passes", "[executor]") {
    RecordingRunner runner;
    runner.sleeps["work/n0"] = 30s;
    runner.errors["work/n0"] = {};
    RecordingSink sink;
    Plan p = flat(1, false, 150ms);
    p.phases[0].steps[0].retry = {5, Duration{10}};  // transient Timeout, but the step's budget is spent
    auto out = run::execute(p, runner, sink, opts());
    CHECK(out.exit == ExitCode::Failed);
    REQUIRE(runner.calls.size() == 1);
    CHECK(runner.calls[0].deadline_left <= 150ms);
    auto fin = sink.of(EventKind::StepFinished);
    REQUIRE(fin.size() == 1);
    CHECK(fin[0].result == "failed");
    REQUIRE(fin[0].error);
    CHECK(fin[0].error->code == ErrorCode::Timeout);
}

TEST_CASE("executor retries transient errors only, with backoff events", "[executor]") {
    RecordingRunner runner;
    runner.errors["work/n0"] = {Error{ErrorCode::Unreachable, "refused", true},
                                Error{ErrorCode::Unreachable, "refused", true}};
    runner.errors["work/n1"] = {Error{ErrorCode::Auth, "bad token", false}};
    RecordingSink sink;
    Plan p = flat(2, false);
    for (auto& s : p.phases[0].steps) s.retry = {3, Duration{5}};
    auto out = run::execute(p, runner, sink, opts());
    CHECK(runner.count("work/n0") == 3);
    CHECK(runner.count("work/n1") == 1);
    CHECK(sink.of(EventKind::StepRetry).size() == 2);
    CHECK(out.exit == ExitCode::Failed);
    REQUIRE(out.failures.size() == 1);
    CHECK(out.failures[0].find("work/n1") != std::string::npos);

    RecordingRunner exhausted;
    exhausted.errors["work/n0"] = {Error{ErrorCode::Unreachable, "a", true}, Error{ErrorCode::Unreachable, "b", true}};
    Plan two = flat(1, false);
    two.phases[0].steps[0].retry = {2, Duration{1}};
    RecordingSink s2;
    CHECK(run::execute(two, exhausted, s2, opts()).exit == ExitCode::Failed);
    CHECK(exhausted.count("work/n0") == 2);
}

TEST_CASE("a failed canary undoes completed steps in reverse plan order and exits 5", "[executor][rollback]") {
    RecordingRunner runner;
    runner.details["backup/database"] = {{"file", "/backups/b1.dump"}, {"sha256", "abc"}};
    runner.errors["canary/ready/app1"] = {Error{ErrorCode::Verification, "APP_ERROR on app1"}};
    RecordingSink sink;
    auto out = run::execute(upgrade(3), runner, sink, opts(1));
    CHECK(out.exit == ExitCode::RolledBack);
    CHECK(out.result == "rolled-back");
    std::vector<std::string> expected{"canary/start/app1", "upgrade/app3",    "upgrade/app2",
                                      "upgrade/app1",      "backup/database", "stop/app3",
                                      "stop/app2",         "stop/app1",       "maintenance/traffic"};
    CHECK(runner.ids("undo") == expected);
    CHECK(out.undone == expected);
    for (const auto& c : runner.calls) {
        if (c.kind == "undo" && c.step == "backup/database") CHECK(c.done_details.at("file") == "/backups/b1.dump");
        if (c.kind == "undo" && c.step == "stop/app3") CHECK(c.params.at("wait_ready") == "true");
    }
    CHECK(runner.count("verify/app1") == 0);
    CHECK(runner.count("fanout/start/app2") == 0);
}

TEST_CASE("a failed undo leaves the run for a human (exit 6)", "[executor][rollback]") {
    RecordingRunner runner;
    runner.errors["verify/app1"] = {Error{ErrorCode::Verification, "plugin set changed"}};
    runner.undo_errors["backup/database"] = Error{ErrorCode::Remote, "pg_restore failed"};
    RecordingSink sink;
    auto out = run::execute(upgrade(2), runner, sink, opts());
    CHECK(out.exit == ExitCode::NeedsHuman);
    REQUIRE(out.undo_failures.size() == 1);
    CHECK(out.undo_failures[0].find("backup/database") != std::string::npos);
    CHECK(runner.ids("undo").back() == "maintenance/traffic");  // the rest is still undone
}

TEST_CASE("no-rollback runs and preflight failures undo nothing", "[executor][rollback]") {
    RecordingRunner runner;
    runner.errors["canary/start/app1"] = {Error{ErrorCode::Remote, "container exited"}};
    RecordingSink sink;
    auto out = run::execute(upgrade(2, true), runner, sink, opts());
    CHECK(out.exit == ExitCode::NeedsHuman);
    CHECK(runner.ids("undo").empty());
    CHECK(out.cluster_state.find("ncbctl resume test-run") != std::string::npos);

    RecordingRunner pre;
    pre.errors["preflight/probe/app2"] = {Error{ErrorCode::Unreachable, "no route"}};
    RecordingSink s2;
    auto o2 = run::execute(upgrade(2), pre, s2, opts());
    CHECK(o2.exit == ExitCode::Preflight);
    for (const auto& id : pre.ids("run")) CHECK(id.starts_with("preflight/"));
    CHECK(pre.ids("undo").empty());
}

TEST_CASE("first interrupt: running steps finish, nothing new starts, exit 130", "[executor][cancel]") {
    reset_interrupts();
    RecordingRunner runner;
    runner.on_run["stop/app2"] = [] { request_interrupt(); };
    runner.sleeps["stop/app2"] = 20ms;
    RecordingSink sink;
    auto out = run::execute(upgrade(3), runner, sink, opts(1));
    reset_interrupts();
    CHECK(out.exit == ExitCode::Interrupted);
    auto ran = runner.ids("run");
    CHECK(ran.back() == "stop/app2");
    auto fin = sink.of(EventKind::StepFinished);
    CHECK(fin.back().step == "stop/app2");
    CHECK(fin.back().result == "ok");
    auto intr = sink.of(EventKind::RunInterrupted);
    REQUIRE(intr.size() == 1);
    CHECK(intr[0].exit_code == 130);
    CHECK(intr[0].message.find("ncbctl resume test-run") != std::string::npos);
    CHECK(runner.ids("undo").empty());
}

TEST_CASE("second interrupt aborts running steps, they are marked interrupted, not failed", "[executor][cancel]") {
    reset_interrupts();
    RecordingRunner runner;
    runner.sleeps["work/n0"] = 60s;
    runner.on_run["work/n0"] = [] {
        request_interrupt();
        request_interrupt();
    };
    RecordingSink sink;
    auto out = run::execute(flat(3, false), runner, sink, opts());
    reset_interrupts();
    CHECK(out.exit == ExitCode::Interrupted);
    auto fin = sink.of(EventKind::StepFinished);
    REQUIRE(fin.size() == 1);
    CHECK(fin[0].result == "interrupted");
    CHECK(runner.ids("run").size() == 1);
}

TEST_CASE("reporters: live view, plain lines, quiet and the summary table", "[executor][reporters]") {
    RecordingRunner runner;
    runner.errors["verify/app1"] = {Error{ErrorCode::Verification, "plugin set changed"}};
    Plan plan = upgrade(2);
    std::ostringstream tty_out, tty_err, plain_out, plain_err, quiet_out, quiet_err;
    {
        auto tty = run::make_reporter(run::ReporterKind::Tty, tty_out, tty_err, true);
        auto plain = run::make_reporter(run::ReporterKind::Plain, plain_out, plain_err, false);
        auto quiet = run::make_reporter(run::ReporterKind::Quiet, quiet_out, quiet_err, false);
        run::FanoutSink sink({tty.get(), plain.get(), quiet.get()});
        auto out = run::execute(plan, runner, sink, opts());
        CHECK(out.exit == ExitCode::RolledBack);
        std::ostringstream summary;
        run::print_summary(summary, "upgrade --to 2.2.16", "test-run", out);
        CHECK(summary.str().find("verify       app1") != std::string::npos);
        CHECK(summary.str().find("rolled-back") != std::string::npos);
        CHECK(summary.str().find("undone: stop/app2") != std::string::npos);
    }
    CHECK(tty_err.str().find("canary") != std::string::npos);
    CHECK(tty_err.str().find("plugin set changed") != std::string::npos);
    CHECK(tty_out.str().empty());  // progress is for stderr; stdout stays data
    CHECK(plain_err.str().find("stop/app1 ok in") != std::string::npos);
    CHECK(plain_err.str().find("undo maintenance/traffic ok") != std::string::npos);
    CHECK(quiet_err.str().find("stop/app1") == std::string::npos);
    CHECK(quiet_err.str().find("verify/app1 failed") != std::string::npos);
}

TEST_CASE("a runner that throws fails its step as an internal error, the run still ends cleanly", "[executor]") {
    RecordingRunner runner;
    runner.on_run["work/n1"] = [] { throw std::runtime_error("boom"); };
    RecordingSink sink;
    auto out = run::execute(flat(3, true), runner, sink, opts(2));
    CHECK(out.exit == ExitCode::Failed);
    REQUIRE(out.failures.size() == 1);
    CHECK(out.failures[0].find("internal error (a bug): boom") != std::string::npos);
    CHECK(sink.events.back().kind == EventKind::RunFinished);
}
