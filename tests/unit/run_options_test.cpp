// --lock-wait as cron users write it: zero in any unit means do not wait; anything else malformed is a
// one-line usage error.
#include <catch2/catch.hpp>

#include "cli/run_options.hpp"
#include "fakes/engine.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;

TEST_CASE("the --lock-wait flag accepts zero in any unit as do-not-wait", "[cli][lock_wait]") {
    for (const char* zero : {"0", "0s", "0m", "0h", "0d", "0m0s"}) {
        INFO(zero);
        auto d = cli::parse_lock_wait(zero);
        REQUIRE(d.has_value());
        CHECK(*d == Duration{0});
    }
    CHECK(cli::parse_lock_wait("30s").value() == 30s);
    CHECK(cli::parse_lock_wait("5m").value() == 5min);
    CHECK(cli::parse_lock_wait("1h30m").value() == 90min);
}

TEST_CASE("the --lock-wait flag rejects negatives and garbage with one usage line", "[cli][lock_wait]") {
    for (const char* bad : {"-5s", "-0", "", "soon", "5x", "1m30", "s", "30 s"}) {
        INFO(bad);
        auto d = cli::parse_lock_wait(bad);
        REQUIRE_FALSE(d.has_value());
        CHECK(d.error().code == ErrorCode::Usage);
        CHECK(d.error().message.starts_with("--lock-wait " + std::string(bad) + ": not a duration"));
        CHECK(d.error().message.find('\n') == std::string::npos);
    }
}

TEST_CASE("session_options turns --lock-wait 0s into no wait", "[cli][lock_wait]") {
    cli::Context ctx;
    ctx.opts.state_dir = "/tmp/ncbctl-unused-state";
    const Inventory inv = testing::make_inventory(1);
    auto zero = cli::session_options(ctx, inv, {.parallel = 2, .lock_wait = "0s", .max_out_of_service = 0});
    REQUIRE(zero.has_value());
    CHECK(zero->lock_wait == Duration{0});
    auto wait = cli::session_options(ctx, inv, {.parallel = 2, .lock_wait = "2m", .max_out_of_service = 0});
    REQUIRE(wait.has_value());
    CHECK(wait->lock_wait == 2min);
    auto bad = cli::session_options(ctx, inv, {.parallel = 2, .lock_wait = "-1m", .max_out_of_service = 0});
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == ErrorCode::Usage);
}
