// A multi-phase workflow in a child process, killed with SIGKILL after every journaled event in turn and
// inside every step (before and after its effect), then resumed: every step's effect is applied exactly once
// and the run completes. And a real SIGINT: exit 130, the resume command printed, then resume completes.
#include <sys/types.h>

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "fakes/engine.hpp"
#include "net/process.hpp"
#include "plan/workflows.hpp"
#include "run/journal.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Result<net::ProcessResult> helper(std::vector<std::string> args) {
    args.insert(args.begin(), ENGINE_HELPER);
    return net::run_process({.argv = args}, Deadline::after(60s));
}

std::vector<std::string> step_ids() {
    auto plan = *plan::build_upgrade(testing::make_inventory(3, "crash-inventory"), {.to = "2.2.16"});
    std::vector<std::string> out;
    for (const auto& ph : plan.phases)
        for (const auto& s : ph.steps) out.push_back(s.id);
    return out;
}

long count_lines(const std::string& text, const std::string& line) {
    long n = 0;
    for (auto p = text.find(line); p != std::string::npos; p = text.find(line, p + 1))
        if (p == 0 || text[p - 1] == '\n') ++n;
    return n;
}

// Every step's effect exactly once, no undo, the journal finished ok. `done_before`: steps the killed run
// journaled as finished: resume must not call them again; any other step is called at most twice.
void check_exactly_once(const std::string& dir, const std::string& what,
                        const std::set<std::string>& done_before = {}) {
    INFO(what);
    const std::string effects = slurp(dir + "/effects");
    const std::string calls = slurp(dir + "/effects.calls");
    for (const auto& id : step_ids()) {
        const long n = count_lines(calls, "call " + id + "\n");
        CHECK(n >= 1);
        CHECK(n <= (done_before.contains(id) ? 1 : 2));
        const std::string line = "run " + id + "\n";
        auto first = effects.find(line);
        CHECK(first != std::string::npos);
        if (first != std::string::npos) CHECK(effects.find(line, first + 1) == std::string::npos);
    }
    CHECK(effects.find("undo ") == std::string::npos);
    auto rec = read_journal(journal_path(dir + "/state", "20261126T024512Z-c0ffee"));
    REQUIRE(rec);
    CHECK(rec->finished);
    CHECK(rec->exit_code == 0);
}

void kill_and_resume(const std::vector<std::string>& kill_args, const std::string& what) {
    testing::TempDir dir("/dev/shm");
    std::vector<std::string> args{"run", "--state", dir.path + "/state", "--effects", dir.path + "/effects"};
    args.insert(args.end(), kill_args.begin(), kill_args.end());
    auto killed = helper(args);
    REQUIRE(killed);
    INFO(what << ": " << killed->err);
    REQUIRE(killed->term_signal == SIGKILL);
    std::set<std::string> done_before;
    if (auto rec = read_journal(journal_path(dir.path + "/state", "20261126T024512Z-c0ffee")))
        for (const auto& [id, st] : rec->steps)
            if (st.state == StepState::Ok) done_before.insert(id);
    auto resumed = helper({"resume", "--state", dir.path + "/state", "--effects", dir.path + "/effects"});
    REQUIRE(resumed);
    INFO(resumed->err);
    REQUIRE(resumed->exit_code == 0);
    check_exactly_once(dir.path, what, done_before);
}

}  // namespace

TEST_CASE("SIGKILL at every journaled boundary, then resume: each effect exactly once", "[crash]") {
    // How many events a whole run journals.
    testing::TempDir probe("/dev/shm");
    auto full = helper({"run", "--state", probe.path + "/state", "--effects", probe.path + "/effects"});
    REQUIRE(full);
    REQUIRE(full->exit_code == 0);
    check_exactly_once(probe.path, "uninterrupted run");
    const std::string journal = slurp(journal_path(probe.path + "/state", "20261126T024512Z-c0ffee"));
    const long events = std::count(journal.begin(), journal.end(), '\n');
    REQUIRE(events > 40);
    // After the last event there is nothing left to resume.
    for (long k = 1; k < events; ++k)
        kill_and_resume({"--kill-after-event", std::to_string(k)}, "after event " + std::to_string(k));
}

TEST_CASE("SIGKILL inside every step, before and after its effect, then resume", "[crash]") {
    for (const auto& id : step_ids()) {
        kill_and_resume({"--kill-in-step", id + ":before"}, "in " + id + " before its effect");
        kill_and_resume({"--kill-in-step", id + ":after"}, "in " + id + " after its effect");
    }
}

TEST_CASE("SIGINT: running step finishes, exit 130 with the resume command, resume completes", "[sigint]") {
    testing::TempDir dir;
    const std::string marker = dir.path + "/in-step";
    Result<net::ProcessResult> run;
    std::thread t([&] {
        run = helper({"run", "--state", dir.path + "/state", "--effects", dir.path + "/effects", "--slow-step",
                      "backup/database", "--marker", marker});
    });
    std::string pid;
    for (auto until = Clock::now() + 30s; Clock::now() < until && pid.empty();) {
        pid = slurp(marker);
        if (pid.empty()) std::this_thread::sleep_for(10ms);
    }
    REQUIRE_FALSE(pid.empty());
    ::kill(static_cast<pid_t>(std::stol(pid)), SIGINT);
    t.join();
    REQUIRE(run);
    INFO(run->err);
    CHECK(run->exit_code == 130);
    CHECK(run->err.find("resume 20261126T024512Z-c0ffee") != std::string::npos);
    auto rec = read_journal(journal_path(dir.path + "/state", "20261126T024512Z-c0ffee"));
    REQUIRE(rec);
    CHECK(rec->interrupted);
    CHECK(rec->steps.at("backup/database").state == StepState::Ok);  // it finished before the run stopped
    CHECK_FALSE(rec->steps.contains("upgrade/app1"));
    auto resumed = helper({"resume", "--state", dir.path + "/state", "--effects", dir.path + "/effects"});
    REQUIRE(resumed);
    CHECK(resumed->exit_code == 0);
    check_exactly_once(dir.path, "after SIGINT");
}
