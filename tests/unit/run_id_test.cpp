// Run ids name journals and work directories: every id from outside is checked against the shape ncbctl
// gives them (util/run_id.hpp), so `../../x` never becomes a path (issue #14, item 4).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "fakes/engine.hpp"
#include "net/process.hpp"
#include "run/cluster_lock.hpp"
#include "run/journal.hpp"
#include "run/session.hpp"
#include "util/run_id.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;
using ncbctl::testing::TempDir;

namespace {

void write_journal(const std::string& path, const std::string& run_id) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << R"({"v":1,"ts":1,"type":"run.started","run":")" << run_id
                        << R"(","message":"stop","details":{}})" << '\n';
}

}  // namespace

TEST_CASE("run ids: the generated shape only", "[run][security]") {
    for (int i = 0; i < 20; ++i) CHECK(util::is_run_id(new_run_id()));
    CHECK(util::is_run_id("20261126T024512Z-3f9a1c"));
    for (const char* bad :
         {"", "../../x", "20261126T024512Z-3f9a1c/..", "20261126T024512Z-3F9A1C", "20261126T024512Z-3f9a1",
          "20261126T024512Z-3f9a1cc", "20261126X024512Z-3f9a1c", "2026112aT024512Z-3f9a1c", "20261126T024512Z_3f9a1c",
          "20261126T024512Z-3f9a1\n", "unknown", "r1"}) {
        INFO(bad);
        CHECK_FALSE(util::is_run_id(bad));
    }
}

TEST_CASE("read_journal refuses a run id that is not the file's own valid name", "[journal][security]") {
    TempDir dir;
    const std::string good = "20261126T024512Z-3f9a1c";
    write_journal(journal_path(dir.path, good), good);
    REQUIRE(read_journal(journal_path(dir.path, good)));

    // A journal whose content points elsewhere: its id would name the work directory resume uses.
    const std::string other = "20261126T024512Z-000bad";
    write_journal(journal_path(dir.path, other), "../../../tmp/x\x1b[2J");
    auto forged = read_journal(journal_path(dir.path, other));
    REQUIRE_FALSE(forged);
    CHECK(forged.error().code == ErrorCode::Protocol);
    CHECK(forged.error().message.find('\x1b') == std::string::npos);
    // A valid id, but another run's: a journal copied under a new name.
    write_journal(journal_path(dir.path, "20261126T024512Z-00c0de"), good);
    CHECK_FALSE(read_journal(journal_path(dir.path, "20261126T024512Z-00c0de")));
    auto runs = list_runs(dir.path);
    REQUIRE(runs.size() == 1);  // the forged ones are skipped
    CHECK(runs[0].run_id == good);

    // resume with an id from outside: refused before any path is made of it.
    auto r = run::find_resumable(dir.path, "../../x", "h", true);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Usage);
    CHECK(r.error().message.find("is not a run id") != std::string::npos);
}

TEST_CASE("ncbctl runs show / resume / rollback refuse a path as run id (exit 2)", "[run][cli][security]") {
    TempDir dir;
    // A journal outside the state directory that `../` would reach.
    write_journal(dir.path + "/outside.jsonl", "outside");
    const std::string inv = dir.path + "/ncbctl.yaml";
    std::ofstream(inv) << "cluster: c\napi: {lb_url: http://127.0.0.1:1, token_env: T}\nnodes:\n"
                          "  - {name: app1, url: \"http://127.0.0.1:2\", driver: docker, docker: {container: a, image: "
                          "nocobase/nocobase}}\nbackup: {method: api, destination: /tmp/b}\n";
    for (std::vector<std::string> args : {std::vector<std::string>{"runs", "show", "../../outside"},
                                          {"resume", "../../outside"},
                                          {"rollback", "../../outside"},
                                          {"runs", "show", "x\x1b]0;owned\a"}}) {
        std::vector<std::string> argv{NCBCTL_BINARY, "-i", inv, "--state-dir", dir.path + "/state/a/b"};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = net::run_process({.argv = argv}, Deadline::after(30s));
        REQUIRE(r);
        INFO(r->err);
        CHECK(r->exit_code == 2);
        CHECK(r->err.find("is not a run id") != std::string::npos);
        CHECK(r->err.find('\x1b') == std::string::npos);
    }
}

TEST_CASE("local lock: a lock.json naming no valid run is an unknown holder, shown escaped", "[lock][security]") {
    TempDir dir;
    auto holder = run::make_local_lock(dir.path);
    REQUIRE(holder->try_acquire(run::make_holder(new_run_id(), "stop"), Deadline::after(5s)));
    std::ofstream(dir.path + "/lock.json", std::ios::trunc)
        << R"({"run_id":"../../x\u001b[2J","command":"stop","user":"u","host":"h","pid":1,"started":1,"heartbeat":1})";
    auto other = run::make_local_lock(dir.path);
    auto seen = other->read(Deadline::after(1s));
    REQUIRE(seen);
    REQUIRE(seen->has_value());
    CHECK((*seen)->run_id == "unknown");
    CHECK((*seen)->command.find("\\x1b") != std::string::npos);
    CHECK(run::describe(**seen).find('\x1b') == std::string::npos);
    std::ofstream(dir.path + "/lock.json", std::ios::trunc) << R"({"run_id":7})";  // wrong type: not thrown
    auto typed = other->read(Deadline::after(1s));
    REQUIRE(typed);
    REQUIRE(typed->has_value());
    CHECK((*typed)->run_id == "unknown");
}
