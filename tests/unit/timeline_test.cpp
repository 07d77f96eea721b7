#include <catch2/catch.hpp>

#include <sstream>

#include "fakes/engine.hpp"
#include "plan/workflows.hpp"
#include "run/executor.hpp"
#include "run/journal.hpp"
#include "run/reporters.hpp"
#include "run/timeline.hpp"

using namespace ncbctl;
using ncbctl::run::TimelineBuilder;

namespace {

// A rolled-back upgrade as its events would arrive, times in seconds from the start.
run::Timeline rolled_back_upgrade() {
    TimelineBuilder b;
    auto at = [](int s) { return std::int64_t{1'700'000'000'000} + s * 1000; };
    b.add(EventKind::RunStarted, at(0), "", "", "");
    b.add(EventKind::PhaseStarted, at(0), "preflight", "", "");
    b.add(EventKind::PhaseFinished, at(10), "preflight", "", "ok");
    b.add(EventKind::PhaseStarted, at(10), "maintenance", "", "");
    b.add(EventKind::StepStarted, at(10), "maintenance", "traffic.maintenance", "");
    b.add(EventKind::StepFinished, at(11), "maintenance", "traffic.maintenance", "ok");
    b.add(EventKind::PhaseFinished, at(11), "maintenance", "", "ok");
    b.add(EventKind::PhaseStarted, at(11), "stop", "", "");
    b.add(EventKind::PhaseFinished, at(20), "stop", "", "ok");
    b.add(EventKind::PhaseStarted, at(20), "canary", "", "");
    b.add(EventKind::PhaseFinished, at(30), "canary", "", "failed");
    b.add(EventKind::UndoStarted, at(30), "stop", "node.start", "");
    b.add(EventKind::UndoFinished, at(38), "stop", "node.start", "ok");
    b.add(EventKind::UndoStarted, at(38), "maintenance", "traffic.live", "");
    b.add(EventKind::UndoFinished, at(40), "maintenance", "traffic.live", "ok");
    b.add(EventKind::RunFinished, at(40), "", "", "rolled-back");
    return b.finish();
}

std::string strip_ansi(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\033') {
            while (i < s.size() && s[i] != 'm') ++i;
            continue;
        }
        out += s[i];
    }
    return out;
}

}  // namespace

TEST_CASE("timeline: a rolled-back upgrade drawn on one axis, the 503 window and the undo marked", "[timeline]") {
    const std::string text = run::render_timeline(rolled_back_upgrade(), {.width = 40});
    const std::string expected =
        "Timeline: 40s, one column = 1s\n"
        "  preflight   |##########                              |    10s  ok\n"
        "  maintenance |          ~                             |     1s  ok, undone\n"
        "  stop        |           ~~~~~~~~~                    |     9s  ok, undone\n"
        "  canary      |                    XXXXXXXXXX          |    10s  failed\n"
        "  undo        |                              <<<<<<<<<<|    10s  2 actions\n"
        "  503 window  |          ==============================|    30s\n"
        "              +---------+---------+---------+----------+\n"
        "              0s        10s       20s       30s      40s\n"
        "  # ok  X failed  ! interrupted  ~ undone  < undo  = 503 page served\n";
    CHECK(text == expected);
}

TEST_CASE("timeline: plain ASCII without colour, colour only adds escape codes", "[timeline]") {
    const auto t = rolled_back_upgrade();
    const std::string plain = run::render_timeline(t);
    for (unsigned char c : plain) CHECK((c == '\n' || (c >= 0x20 && c < 0x7f)));
    const std::string colored = run::render_timeline(t, {.width = 60, .color = true});
    CHECK(colored.find("\033[31m") != std::string::npos);  // the failed bar is red
    CHECK(strip_ansi(colored) == plain);
}

TEST_CASE("timeline: a window still open at the end, an interrupted phase, a phase never finished", "[timeline]") {
    TimelineBuilder b;
    b.add(EventKind::RunStarted, 0, "", "", "");
    b.add(EventKind::PhaseStarted, 0, "maintenance", "", "");
    b.add(EventKind::StepStarted, 0, "maintenance", "traffic.maintenance", "");
    b.add(EventKind::StepFinished, 2000, "maintenance", "traffic.maintenance", "ok");
    b.add(EventKind::PhaseFinished, 2000, "maintenance", "", "ok");
    b.add(EventKind::PhaseStarted, 2000, "stop", "", "");
    b.add(EventKind::PhaseFinished, 6000, "stop", "", "interrupted");
    b.add(EventKind::RunInterrupted, 6000, "", "", "");
    // A resume that died in the middle of the backup.
    b.add(EventKind::RunResumed, 9000, "", "", "");
    b.add(EventKind::PhaseFinished, 9000, "maintenance", "", "skipped");
    b.add(EventKind::PhaseStarted, 9000, "stop", "", "");
    b.add(EventKind::PhaseFinished, 12000, "stop", "", "ok");
    b.add(EventKind::PhaseStarted, 12000, "backup", "", "");
    b.add(EventKind::StepStarted, 20000, "backup", "backup.database", "");
    const auto t = b.finish();
    REQUIRE(t.phases.size() == 3);
    CHECK(t.phases[0].spans.size() == 1);  // the skipped maintenance of the resume drew nothing
    CHECK(t.phases[1].spans.size() == 2);
    CHECK(t.phases[2].spans.back().end_ms == 20000);
    REQUIRE(t.window.size() == 1);
    CHECK(t.window[0].result == "open");
    CHECK(t.window[0].end_ms == 20000);
    const std::string text = run::render_timeline(t, {.width = 20});
    CHECK(text.find("  stop        |  !!!!   ###        |     7s  ok (2 sessions)\n") != std::string::npos);
    CHECK(text.find("  backup      |            ????????|     8s  never finished\n") != std::string::npos);
    CHECK(text.find("|====================|    20s  still serving 503 at the end\n") != std::string::npos);
}

TEST_CASE("timeline: a failed traffic.maintenance step opens no window, live, pin and serve close it", "[timeline]") {
    TimelineBuilder b;
    b.add(EventKind::RunStarted, 0, "", "", "");
    b.add(EventKind::PhaseStarted, 0, "maintenance", "", "");
    b.add(EventKind::StepStarted, 0, "maintenance", "traffic.maintenance", "");
    b.add(EventKind::StepFinished, 1000, "maintenance", "traffic.maintenance", "failed");
    b.add(EventKind::StepStarted, 2000, "maintenance", "traffic.maintenance", "");
    b.add(EventKind::StepFinished, 3000, "maintenance", "traffic.maintenance", "ok");
    b.add(EventKind::StepFinished, 5000, "early-traffic", "traffic.pin", "ok");
    b.add(EventKind::PhaseFinished, 6000, "maintenance", "", "ok");
    const auto t = b.finish();
    REQUIRE(t.window.size() == 1);
    CHECK(t.window[0].start_ms == 2000);
    CHECK(t.window[0].end_ms == 5000);
    CHECK(t.window[0].result == "ok");
}

TEST_CASE("timeline: a one-millisecond phase of a long run still gets a column", "[timeline]") {
    TimelineBuilder b;
    b.add(EventKind::PhaseStarted, 0, "preflight", "", "");
    b.add(EventKind::PhaseFinished, 3'600'000, "preflight", "", "ok");
    b.add(EventKind::PhaseStarted, 3'600'000, "live", "", "");
    b.add(EventKind::PhaseFinished, 3'600'001, "live", "", "ok");
    const std::string text = run::render_timeline(b.finish(), {.width = 10});
    CHECK(text.find("  live       |         #|    1ms  ok\n") != std::string::npos);
    CHECK(run::render_timeline(run::Timeline{}).empty());
}

TEST_CASE("timeline: read back from a real run's journal equals what the engine's events build", "[timeline]") {
    ncbctl::testing::TempDir dir;
    ncbctl::testing::RecordingRunner runner;
    runner.errors["canary/start/app1"] = {Error{ErrorCode::Remote, "boom"}};
    auto plan = *plan::build_upgrade(ncbctl::testing::make_inventory(2), {.to = "2.2.16"});
    const std::string path = journal_path(dir.path, "20261126T024512Z-0000a1");
    TimelineBuilder live;
    struct Feed final : EventSink {
        TimelineBuilder& b;
        explicit Feed(TimelineBuilder& x) : b(x) {}
        void on_event(const Event& e) override { b.add(e); }
    } feed(live);
    run::RunOutcome out;
    {
        auto journal = Journal::open(path);
        REQUIRE(journal);
        run::FanoutSink sink({journal->get(), &feed});
        run::ExecOptions o;
        o.run_id = "20261126T024512Z-0000a1";
        out = run::execute(plan, runner, sink, o);
    }
    REQUIRE(out.exit == ExitCode::RolledBack);
    auto read = run::read_timeline(path);
    REQUIRE(read);
    const auto expected = live.finish();
    CHECK(run::render_timeline(*read) == run::render_timeline(expected));
    REQUIRE_FALSE(read->phases.empty());
    CHECK(read->phases.front().name == "preflight");
    bool canary_failed = false;
    for (const auto& r : read->phases)
        if (r.name == "canary") canary_failed = r.spans.back().result == "failed";
    CHECK(canary_failed);
    CHECK_FALSE(read->undo.empty());
    REQUIRE(read->window.size() == 1);
    CHECK(read->window[0].result == "ok");  // the traffic.live undo closed it

    std::ostringstream summary;
    run::print_summary(summary, "upgrade --to 2.2.16", "20261126T024512Z-0000a1", out, &*read);
    CHECK(summary.str().find("  503 window  |") != std::string::npos);
    CHECK(summary.str().find("  canary      |") != std::string::npos);
    CHECK_FALSE(run::read_timeline(dir.path + "/missing.jsonl"));
}
