// Values from outside (inventory keys, arguments, journal and lock-file content) never reach the terminal
// raw: an ESC or a newline in them is shown escaped by util::quote (issue #14, item 8).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "fakes/engine.hpp"
#include "net/process.hpp"
#include "run/cluster_lock.hpp"
#include "run/journal.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;
using ncbctl::testing::TempDir;

namespace {

constexpr const char* kInventory =
    "cluster: c\napi: {lb_url: http://127.0.0.1:1, token_env: T}\nnodes:\n"
    "  - {name: app1, url: \"http://127.0.0.1:2\", driver: docker, docker: {container: a, image: nocobase/nocobase}}\n"
    "backup: {method: api, destination: /tmp/ncbctl-b}\n";

struct Cli {
    TempDir dir;
    std::string inv = dir.path + "/ncbctl.yaml";
    std::string state = dir.path + "/state";
    explicit Cli(const std::string& text = kInventory) { std::ofstream(inv) << text; }
    net::ProcessResult operator()(std::vector<std::string> args) const {
        std::vector<std::string> argv{NCBCTL_BINARY, "-i", inv, "--state-dir", state};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = net::run_process({.argv = argv, .env = {{"T", "t"}}}, Deadline::after(30s));
        REQUIRE(r);
        return *r;
    }
};

// No ESC, and the hostile value's newline did not start a line of its own.
void check_clean(const std::string& text, const std::string& after_newline) {
    INFO(text);
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find("\n" + after_newline) == std::string::npos);
}

}  // namespace

TEST_CASE("an unknown inventory key with ESC and newline is echoed escaped", "[cli][inventory][security]") {
    Cli cli(std::string(kInventory) + "\"bad\\e[2J\\nFORGED: key\": 1\n");
    auto r = cli({"validate", "--no-file-checks"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("unknown top-level key \"bad\\x1b[2J\\nFORGED: key\"") != std::string::npos);
    check_clean(r.err, "FORGED");
}

TEST_CASE("cli: --to, --canary and phase names with ESC and newline are echoed escaped", "[cli][plan][security]") {
    Cli cli;
    auto to = cli({"plan", "upgrade", "--to", "2.2\x1b]0;owned\a\nFORGED"});
    CHECK(to.exit_code == 2);
    CHECK(to.err.find("is not a version") != std::string::npos);
    check_clean(to.err, "FORGED");
    auto canary = cli({"plan", "upgrade", "--to", "2.2.16", "--canary", "x\x1b[2J\nFORGED"});
    CHECK(canary.exit_code == 2);
    check_clean(canary.err, "FORGED");
    auto phase = cli({"plan", "upgrade", "--to", "2.2.16", "--only-phase", "x\x1b[2J\nFORGED"});
    CHECK(phase.exit_code == 2);
    check_clean(phase.err, "FORGED");
    auto extra = cli({"plan", "upgrade", "--to", "2.2.16", "\x1b[2J\nFORGED"});  // CLI11's own message
    CHECK(extra.exit_code == 2);
    check_clean(extra.err, "FORGED");
}

TEST_CASE("runs list and show escape a journal's command, result and errors", "[cli][runs][security]") {
    Cli cli;
    const std::string id = "20261126T024512Z-0e5c00";
    const std::string path = journal_path(cli.state, id);
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << R"({"v":1,"ts":1,"type":"run.started","run":")" << id
                        << R"(","message":"upgrade\u001b[2J\nFORGED line","details":{}})" << '\n'
                        << R"({"v":1,"ts":2,"type":"run.finished","run":")" << id
                        << R"(","result":"ok\u001b[31m\nFORGED","exit_code":0})" << '\n';
    auto list = cli({"runs", "list"});
    REQUIRE(list.exit_code == 0);
    CHECK(list.out.find(id) != std::string::npos);
    CHECK(list.out.find("upgrade\\x1b[2J\\nFORGED line") != std::string::npos);
    check_clean(list.out, "FORGED");
    auto show = cli({"runs", "show", id});
    REQUIRE(show.exit_code == 0);
    check_clean(show.out, "FORGED");
}

TEST_CASE("lock status escapes every holder field", "[cli][lock][security]") {
    Cli cli;
    std::filesystem::create_directories(cli.state);
    auto backend = run::make_local_lock(cli.state);
    auto me = run::make_holder(new_run_id(), "stop\x1b[2J\nFORGED cmd");
    me.user = "u\x1b]0;t\a";
    me.host = "h\nFORGED host";
    REQUIRE(backend->try_acquire(me, Deadline::after(5s)));
    auto st = cli({"lock", "status"});
    REQUIRE(st.exit_code == 0);
    CHECK(st.out.find("held by run " + me.run_id) != std::string::npos);
    CHECK(st.out.find("stop\\x1b[2J\\nFORGED cmd") != std::string::npos);
    check_clean(st.out, "FORGED");
    CHECK(run::describe(me).find('\x1b') == std::string::npos);
}
