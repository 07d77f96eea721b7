#include <catch2/catch.hpp>

#include "drivers/docker/docker_tool_runner.hpp"

using namespace ncbctl;

// A tcp:// engine can run a dump but not a restore (the file goes into the exec's stdin over a hijacked
// connection, opened only on a unix socket): the place's preflight says so before the window, with no request.
TEST_CASE("run_on through a tcp:// docker engine is refused at preflight, naming the fix", "[docker]") {
    DockerNode n;
    n.endpoint = "tcp://127.0.0.1:9";  // nothing listens: the check must not need the engine
    n.container = "app";
    auto endpoint = docker::parse_endpoint(n);
    REQUIRE(endpoint);
    auto tools = docker::make_docker_tool_runner(endpoint, "ncb-tools", "d1");
    auto st = tools->check_place(Deadline::after(std::chrono::seconds(5)));
    REQUIRE_FALSE(st);
    CHECK(st.error().code == ErrorCode::Unsupported);
    CHECK(st.error().message.find("database.run_on: container ncb-tools of node d1") == 0);
    CHECK(st.error().message.find("needs a unix:// or ssh:// endpoint") != std::string::npos);
}
