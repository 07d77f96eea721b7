#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fakes/engine.hpp"
#include "ncbctl/cancel.hpp"
#include "net/process.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;

TEST_CASE("run_process captures stdout, stderr and the exit code", "[process]") {
    auto r = net::run_process({.argv = {"sh", "-c", "echo out; echo err >&2; exit 3"}}, Deadline::after(5s));
    REQUIRE(r);
    CHECK(r->exit_code == 3);
    CHECK(r->out == "out\n");
    CHECK(r->err == "err\n");
}

TEST_CASE("run_process feeds stdin and never goes through a shell", "[process]") {
    auto r = net::run_process({.argv = {"cat"}, .stdin_data = "a;b $(x)"}, Deadline::after(5s));
    REQUIRE(r);
    CHECK(r->out == "a;b $(x)");
    auto lit = net::run_process({.argv = {"echo", "$(id)", "; rm -rf /"}}, Deadline::after(5s));
    REQUIRE(lit);
    CHECK(lit->out == "$(id) ; rm -rf /\n");
}

TEST_CASE("run_process kills the whole process group at the deadline", "[process]") {
    auto start = Clock::now();
    auto r =
        net::run_process({.argv = {"sh", "-c", "sleep 30 & sleep 30"}, .kill_grace = 200ms}, Deadline::after(300ms));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Timeout);
    CHECK(r.error().transient);
    CHECK(Clock::now() - start < 10s);
}

namespace {

// A process in its own session (outside the child's group, so the group kill misses it) that keeps
// the child's stdout open, as a multiplexed ssh client's ControlMaster does; the last thing it does before
// letting go of the pipe is create done_file(). Its process group is killed at the end.
struct PipeHolder {
    testing::TempDir dir;
    [[nodiscard]] std::string pid_file() const { return dir.path + "/pid"; }
    [[nodiscard]] std::string done_file() const { return pid_file() + ".done"; }
    [[nodiscard]] pid_t pid() const {
        std::ifstream in(pid_file());
        long p = 0;
        in >> p;
        return static_cast<pid_t>(p);
    }
    ~PipeHolder() {
        if (const pid_t p = pid(); p > 0) ::kill(-p, SIGKILL);  // a session leader: its group is its pid
        reset_interrupts();
    }
    PipeHolder() = default;
    PipeHolder(const PipeHolder&) = delete;
    PipeHolder& operator=(const PipeHolder&) = delete;
};

}  // namespace

TEST_CASE("a second Ctrl-C returns Cancelled without waiting for whoever still holds stdout", "[process]") {
    reset_interrupts();
    PipeHolder holder;
    const std::string script =
        "setsid sh -c 'echo $$ > \"$0\"; echo ready; sleep 30; : > \"$0.done\"' \"$1\" & exec sleep 30";
    auto r = net::run_process({.argv = {"sh", "-c", script, "sh", holder.pid_file()},
                               .on_stdout =
                                   [](std::string_view chunk) {
                                       if (chunk.find("ready") == std::string_view::npos) return;
                                       request_interrupt();
                                       request_interrupt();
                                   }},
                              Deadline::never());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Cancelled);
    REQUIRE(holder.pid() > 0);
    // run_process came back while the holder still had the pipe (it creates done_file() just before
    // letting go): it did not wait for the pipe to close.
    CHECK_FALSE(std::filesystem::exists(holder.done_file()));
}

TEST_CASE("run_process reports a missing program as NotFound", "[process]") {
    auto r = net::run_process({.argv = {"/nonexistent/ncbctl-nope"}}, Deadline::after(5s));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::NotFound);
}

TEST_CASE("run_process handles large stdin and stdout without deadlock", "[process]") {
    std::string big(4 * 1024 * 1024, 'x');
    auto r = net::run_process({.argv = {"cat"}, .stdin_data = big}, Deadline::after(20s));
    REQUIRE(r);
    CHECK(r->out.size() == big.size());
}

TEST_CASE("shell_quote makes hostile values inert", "[process]") {
    CHECK(net::shell_quote("plain-name_1.2") == "plain-name_1.2");
    CHECK(net::shell_quote("") == "''");
    CHECK(net::shell_quote("a b") == "'a b'");
    CHECK(net::shell_quote("it's") == "'it'\\''s'");
    auto r = net::run_process({.argv = {"sh", "-c", "printf %s " + net::shell_quote("$(touch /tmp/pwn);`x`'\"")}},
                              Deadline::after(5s));
    REQUIRE(r);
    CHECK(r->out == "$(touch /tmp/pwn);`x`'\"");
}

TEST_CASE("last_lines keeps the tail on one line", "[process]") {
    CHECK(net::last_lines("a\nb\nc\n", 2) == "b | c");
    CHECK(net::last_lines("only", 1) == "only");
    CHECK(net::last_lines("", 1).empty());
}
