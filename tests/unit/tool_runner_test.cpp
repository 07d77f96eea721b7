// The local ToolRunner (real child processes) and the pure pieces of the database preflight.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "backup/database_dump.hpp"
#include "backup/local_tool_runner.hpp"
#include "drivers/ssh/ssh_tool_runner.hpp"
#include "ncbctl/tool_runner.hpp"
#include "net/process.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {
fs::path temp_file(const std::string& name, std::size_t bytes) {
    fs::path p = fs::temp_directory_path() / ("ncbctl-tr-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream out(p, std::ios::binary);
    for (std::size_t i = 0; i < bytes; ++i) out.put(static_cast<char>('a' + i % 26));
    return p;
}
}  // namespace

TEST_CASE("local tool runner streams a file through the tool to the sink", "[tools]") {
    const auto in = temp_file("in", 3U * 1024U * 1024U + 17U);
    auto tools = make_local_tool_runner();
    CHECK(tools->where() == "local");
    std::uint64_t bytes = 0;
    std::size_t biggest = 0;
    ToolCall c{.argv = {"cat"}, .stdin_file = in.string()};
    c.on_stdout = [&](std::string_view chunk) {
        bytes += chunk.size();
        biggest = std::max(biggest, chunk.size());
        return true;
    };
    auto r = tools->run(c, Deadline::after(30s));
    REQUIRE(r);
    CHECK(r->ok());
    CHECK(bytes == fs::file_size(in));
    CHECK(r->out.empty());     // streamed, not captured
    CHECK(biggest <= 65536U);  // handed over in pipe-sized chunks
    fs::remove(in);
}

TEST_CASE("local tool runner: secrets reach the environment, a missing tool is exit 127", "[tools]") {
    auto tools = make_local_tool_runner();
    auto r = tools->run({.argv = {"sh", "-c", "printf %s \"$PGPASSWORD/$PGCONNECT_TIMEOUT\""},
                         .env = {{"PGCONNECT_TIMEOUT", "10"}},
                         .secret_env = {{"PGPASSWORD", "pw 'x\" $y"}}},
                        Deadline::after(10s));
    REQUIRE(r);
    CHECK(r->out == "pw 'x\" $y/10");
    auto missing = tools->run({.argv = {"/nonexistent/pg_dump", "--version"}}, Deadline::after(10s));
    REQUIRE(missing);
    CHECK(missing->missing());
}

TEST_CASE("a tool that stops reading its stdin early is not an error (no SIGPIPE)", "[tools][process]") {
    const auto in = temp_file("early", 8U * 1024U * 1024U);
    auto r = net::run_process({.argv = {"head", "-c", "10"}, .stdin_file = in.string()}, Deadline::after(30s));
    REQUIRE(r);
    CHECK(r->exit_code == 0);
    CHECK(r->out == "abcdefghij");
    fs::remove(in);
}

TEST_CASE("stdin_data goes before stdin_file", "[process]") {
    const auto in = temp_file("order", 5);
    auto r =
        net::run_process({.argv = {"cat"}, .stdin_data = "secret\n", .stdin_file = in.string()}, Deadline::after(10s));
    REQUIRE(r);
    CHECK(r->out == "secret\nabcde");
    fs::remove(in);
}

TEST_CASE("client_major reads the major version of a --version line", "[tools]") {
    CHECK(backup::client_major("pg_dump (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)") == 15);
    CHECK(backup::client_major("pg_dump (PostgreSQL) 9.6.24") == 9);
    CHECK(backup::client_major("160004") == 160004);
    CHECK(backup::client_major("no digits") == 0);
}

TEST_CASE("the SSH prelude hands the secret to the tool and leaves the rest of stdin to it", "[tools][ssh]") {
    const auto in = temp_file("prelude", 200000);
    ToolCall c{.argv = {"sh", "-c", "printf '%s|' \"$PGPASSWORD\"; wc -c"},
               .env = {{"PGCONNECT_TIMEOUT", "10"}},
               .secret_env = {{"PGPASSWORD", "p w'\"\\x"}},
               .stdin_file = in.string()};
    auto remote = ssh::remote_tool_argv(c);
    REQUIRE(remote);
    for (const auto& a : *remote) CHECK(a.find("p w") == std::string::npos);  // never in an argv
    // What sshd does with it: the login shell runs the joined command line.
    auto r = net::run_process(
        {.argv = {"sh", "-c", net::shell_join(*remote)}, .stdin_data = "p w'\"\\x\n", .stdin_file = in.string()},
        Deadline::after(30s));
    REQUIRE(r);
    CHECK(r->out == "p w'\"\\x|200000\n");
    fs::remove(in);

    c.secret_env["PGPASSWORD"] = "two\nlines";
    auto refused = ssh::remote_tool_argv(c);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("two") == std::string::npos);
}
