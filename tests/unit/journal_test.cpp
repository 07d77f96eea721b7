#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "fakes/engine.hpp"
#include "plan/render.hpp"
#include "plan/workflows.hpp"
#include "run/executor.hpp"
#include "run/journal.hpp"
#include "run/reporters.hpp"

using namespace ncbctl;
using ncbctl::testing::make_inventory;
using ncbctl::testing::RecordingRunner;
using ncbctl::testing::TempDir;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("journal never contains a value marked secret, in any event or error", "[journal][secrets]") {
    TempDir dir;
    const std::string token = "tok-9f8e7d6c5b4a-SECRET";
    const std::string password = "pa55-w0rd-never-written";
    register_secret(password);
    RecordingRunner runner;
    runner.details["backup/database"] = {{"file", "/b/1.dump"}, {"token", token}};
    runner.secret_keys["backup/database"] = {"token"};
    runner.errors["verify/app1"] = {Error{ErrorCode::Auth, "signIn refused for password " + password}};
    auto plan = *plan::build_upgrade(make_inventory(2), {.to = "2.2.16"});
    const std::string path = journal_path(dir.path, "20261126T024512Z-0000a1");
    auto journal = Journal::open(path);
    REQUIRE(journal);
    std::ostringstream ndjson, log;
    auto json_reporter = run::make_reporter(run::ReporterKind::Json, ndjson, log, false);
    auto plain = run::make_reporter(run::ReporterKind::Plain, ndjson, log, false);
    run::FanoutSink sink({journal->get(), json_reporter.get(), plain.get()});
    run::ExecOptions o;
    o.run_id = "20261126T024512Z-0000a1";
    auto out = run::execute(plan, runner, sink, o);
    CHECK(out.exit == ExitCode::RolledBack);
    REQUIRE((*journal)->ok());
    const std::string text = slurp(path);
    CHECK(text.find("/b/1.dump") != std::string::npos);  // the journal does record details
    CHECK(text.find(token) == std::string::npos);
    CHECK(text.find(password) == std::string::npos);
    CHECK(text.find("signIn refused for password ***") != std::string::npos);
    CHECK(ndjson.str().find(token) == std::string::npos);
    CHECK(ndjson.str().find(password) == std::string::npos);
    CHECK(log.str().find(password) == std::string::npos);
    for (const auto& f : out.failures) CHECK(f.find(password) == std::string::npos);

    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("journal reads back step states, phases and the plan, torn lines are ignored", "[journal]") {
    TempDir dir;
    RecordingRunner runner;
    runner.errors["canary/start/app1"] = {Error{ErrorCode::Remote, "boom"}};
    auto plan = *plan::build_upgrade(make_inventory(2), {.to = "2.2.16", .no_rollback = true});
    const std::string path = journal_path(dir.path, "20261126T024512Z-0000a2");
    {
        auto journal = Journal::open(path);
        REQUIRE(journal);
        run::ExecOptions o;
        o.run_id = "20261126T024512Z-0000a2";
        o.command = "upgrade --to 2.2.16 --no-rollback";
        CHECK(run::execute(plan, runner, **journal, o).exit == ExitCode::NeedsHuman);
    }
    {
        std::ofstream torn(path, std::ios::app);
        torn << R"({"v":1,"type":"step.started","step":"canary/st)";
    }
    auto rec = read_journal(path);
    REQUIRE(rec);
    CHECK(rec->run_id == "20261126T024512Z-0000a2");
    CHECK(rec->command == "upgrade --to 2.2.16 --no-rollback");
    CHECK(rec->inventory_hash == "hash-a");
    CHECK(rec->finished);
    CHECK(rec->exit_code == 6);
    CHECK(rec->resumable());
    CHECK(rec->steps.at("stop/app1").state == StepState::Ok);
    CHECK(rec->steps.at("canary/start/app1").state == StepState::Failed);
    CHECK(rec->steps.at("canary/start/app1").error == "boom");
    CHECK(rec->phases_ok == std::vector<std::string>{"preflight", "maintenance", "stop", "backup", "upgrade"});
    REQUIRE(rec->plan);
    CHECK(rec->plan->fingerprint == plan.fingerprint);
    CHECK(rec->plan->step_count() == plan.step_count());

    // Appending after a torn line starts a fresh line.
    {
        auto again = Journal::open(path);
        REQUIRE(again);
        Event e;
        e.kind = EventKind::RunResumed;
        e.run_id = "20261126T024512Z-0000a2";
        (*again)->on_event(e);
    }
    auto rec2 = read_journal(path);
    REQUIRE(rec2);
    CHECK(rec2->sessions == 2);
    CHECK_FALSE(rec2->finished);

    auto runs = list_runs(dir.path);
    REQUIRE(runs.size() == 1);
    CHECK(runs[0].run_id == "20261126T024512Z-0000a2");
    CHECK_FALSE(read_journal(dir.path + "/nope.jsonl"));
    CHECK(new_run_id() != new_run_id());
}

TEST_CASE("a run never goes on unjournaled: a failing journal stops it before any step", "[journal]") {
    auto journal = Journal::open("/dev/full");  // every write fails with ENOSPC
    REQUIRE(journal);
    RecordingRunner runner;
    auto plan = *plan::build_stop(make_inventory(2));
    run::ExecOptions o;
    o.run_id = "r3";
    o.journal = journal->get();
    auto out = run::execute(plan, runner, **journal, o);
    CHECK_FALSE((*journal)->ok());
    CHECK((*journal)->error().find("/dev/full") != std::string::npos);
    CHECK(out.exit == ExitCode::Failed);
    CHECK(runner.calls.empty());
}

TEST_CASE("journal group commit: one fdatasync covers every line written before it", "[journal]") {
    TempDir dir;
    auto j = Journal::open(dir.path + "/runs/r.jsonl");
    REQUIRE(j);
    Event e;
    e.kind = EventKind::StepStarted;
    e.step = "s";
    for (int i = 0; i < 3; ++i) (*j)->on_event(e);
    CHECK((*j)->syncs() == 0);  // written, not yet synced
    (*j)->sync();
    CHECK((*j)->syncs() == 1);  // one for the three
    (*j)->sync();
    CHECK((*j)->syncs() == 1);  // nothing new: no call
    Event progress;
    progress.kind = EventKind::StepProgress;
    (*j)->on_event(progress);  // not journaled
    (*j)->sync();
    CHECK((*j)->syncs() == 1);

    // What group commit promises, on a slow disk: 8 threads write in order (the engine's event lock) and each
    // syncs after its write. (1) sync() returns only once a sync that started after the caller's write has
    // completed: the line is durable. (2) Callers waiting while a sync is in flight share the next one, so far
    // fewer syncs than sync() calls are made (one fdatasync per call would be 200).
    // The slow disk: a sync takes 20 ms and makes durable what the file held when it started.
    std::atomic<std::int64_t> durable{0};
    (*j)->set_sync_function([&](int fd) {
        struct stat st {};
        if (::fstat(fd, &st) != 0) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (::fdatasync(fd) != 0) return -1;
        std::int64_t prev = durable.load();
        while (prev < st.st_size && !durable.compare_exchange_weak(prev, st.st_size)) {}
        return 0;
    });
    const auto before = (*j)->syncs();
    std::mutex order;
    std::atomic<int> lost{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i) {
                std::int64_t mine = 0;  // where this thread's line ends in the file
                {
                    std::lock_guard lock(order);
                    (*j)->on_event(e);
                    struct stat st {};
                    mine = ::stat((*j)->path().c_str(), &st) == 0 ? st.st_size : INT64_MAX;
                }
                (*j)->sync();
                if (durable.load() < mine) ++lost;  // returned before its line was durable
            }
        });
    for (auto& t : threads) t.join();
    CHECK((*j)->ok());
    CHECK(lost == 0);
    const auto made = (*j)->syncs() - before;
    INFO("fdatasync calls for 200 sync() calls: " << made);
    CHECK(made >= 1);
    CHECK(made <= 100);  // shared: at most half (in practice about two syncs per round of 8 callers)
    const std::string text = slurp((*j)->path());
    CHECK(std::count(text.begin(), text.end(), '\n') == 203);
    CHECK(durable.load() == static_cast<std::int64_t>(text.size()));  // the last sync covered every line
}

TEST_CASE("journal numbers of the wrong kind or out of range are the journal's fault, never undefined behaviour",
          "[journal][hardening]") {
    TempDir dir;
    std::filesystem::create_directories(runs_dir(dir.path));
    const std::string path = journal_path(dir.path, "20261126T024512Z-0000dd");  // the id it records
    const std::string start =
        R"({"v":1,"ts":1,"type":"run.started","run":"20261126T024512Z-0000dd","message":"stop","details":{}})";
    // The fuzzer's find: a float far outside int64 where the journal expects milliseconds (a C cast of it is
    // undefined behaviour, which UBSan reported), and its kin.
    for (
        const std::string& bad : std::vector<std::string>{
            R"({"v":1,"ts":1.79566e22,"type":"run.started","run":"20261126T024512Z-0000dd","message":"stop","details":{}})",
            start + "\n" + R"({"v":1,"ts":2,"type":"step.finished","step":"a","result":"ok","duration_ms":1e40})",
            start + "\n" + R"({"v":1,"ts":18446744073709551615,"type":"step.started","step":"a"})",
            start + "\n" + R"({"v":1,"ts":3,"type":"run.finished","result":"failed","exit_code":1e30})",
            start + "\n" + R"({"v":1,"ts":3,"type":"run.finished","result":"failed","exit_code":256})",
        }) {
        INFO(bad);
        std::ofstream(path, std::ios::trunc) << bad << "\n";
        auto rec = read_journal(path);
        REQUIRE_FALSE(rec);
        CHECK(rec.error().code == ErrorCode::Protocol);
    }
    std::ofstream(path, std::ios::trunc) << start << "\n"
                                         << R"({"v":1,"ts":4,"type":"run.finished","result":"failed","exit_code":1})"
                                         << "\n";
    auto rec = read_journal(path);
    REQUIRE(rec);
    CHECK(rec->last_event_ms == 4);
    CHECK(rec->exit_code == 1);

    // A plan whose numbers do not fit is a malformed plan.
    auto plan = *plan::build_upgrade(make_inventory(1), {.to = "2.2.16"});
    auto j = nlohmann::json::parse(plan::to_json_text(plan));
    j["phases"][0]["steps"][0]["timeout_ms"] = 1.0e30;
    CHECK_FALSE(plan::plan_from_json(j));
    j["phases"][0]["steps"][0]["timeout_ms"] = 1000;
    j["phases"][0]["failure_exit"] = 70000;
    CHECK_FALSE(plan::plan_from_json(j));
    j["phases"][0]["failure_exit"] = 3;
    CHECK(plan::plan_from_json(j));
}
