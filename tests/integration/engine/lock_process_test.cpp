// The cluster lock between two real processes.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "fakes/engine.hpp"
#include "net/process.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;

namespace {

Result<net::ProcessResult> helper(std::vector<std::string> args) {
    args.insert(args.begin(), ENGINE_HELPER);
    return net::run_process({.argv = args}, Deadline::after(60s));
}

bool wait_for(const std::string& path) {
    for (auto until = Clock::now() + 30s; Clock::now() < until;) {
        if (std::filesystem::exists(path) && std::filesystem::file_size(path) > 0) return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

}  // namespace

TEST_CASE("a second process is refused while the first holds the lock, then gets it", "[lock-process]") {
    testing::TempDir dir;
    const std::string state = dir.path + "/state", marker = dir.path + "/held", release = dir.path + "/release";
    Result<net::ProcessResult> holder;
    std::thread t([&] {
        holder = helper({"hold", "--state", state, "--run-id", "20261126T024512Z-00401d", "--marker", marker,
                         "--release", release});
    });
    const bool held = wait_for(marker);
    Result<net::ProcessResult> refused;
    if (held) refused = helper({"acquire", "--state", state, "--run-id", "20261126T024512Z-000002"});
    std::ofstream(release) << "go";
    t.join();
    REQUIRE(held);
    REQUIRE(refused);
    CHECK(refused->exit_code == 4);
    CHECK(refused->err.find("run 20261126T024512Z-00401d (upgrade --to 9.9.9)") != std::string::npos);
    REQUIRE(holder);
    CHECK(holder->exit_code == 0);
    auto after = helper({"acquire", "--state", state, "--run-id", "20261126T024512Z-000002"});
    REQUIRE(after);
    CHECK(after->exit_code == 0);
}

TEST_CASE("a holder killed with SIGKILL does not block the next run", "[lock-process]") {
    testing::TempDir dir;
    const std::string state = dir.path + "/state";
    auto died = helper({"hold", "--state", state, "--run-id", "20261126T024512Z-00dead", "--marker", dir.path + "/held",
                        "--release", dir.path + "/release", "--die"});
    REQUIRE(died);
    CHECK(died->term_signal == SIGKILL);
    CHECK(std::filesystem::exists(state + "/lock.json"));  // its holder record is left behind
    auto next = helper({"acquire", "--state", state, "--run-id", "20261126T024512Z-000003"});
    REQUIRE(next);
    CHECK(next->exit_code == 0);
}
