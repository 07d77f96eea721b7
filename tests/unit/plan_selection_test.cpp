#include <catch2/catch.hpp>

#include "fakes/engine.hpp"
#include "plan/selection.hpp"
#include "plan/workflows.hpp"

using namespace ncbctl;
using ncbctl::testing::make_inventory;
using ncbctl::testing::phase_names;

namespace {
Plan upgrade() {
    return *plan::build_upgrade(make_inventory(3), {.to = "2.2.16"});
}
}  // namespace

TEST_CASE("phase selection keeps the range plus preflight", "[plan][selection]") {
    auto until = plan::select_phases(upgrade(), {.until = "verify"}, {});
    REQUIRE(until);
    CHECK(phase_names(*until) ==
          std::vector<std::string>{"preflight", "maintenance", "stop", "backup", "upgrade", "canary", "verify"});
    CHECK(until->args.at("until-phase") == "verify");
    CHECK(until->fingerprint != upgrade().fingerprint);
    auto only = plan::select_phases(upgrade(), {.only = "preflight"}, {});
    REQUIRE(only);
    CHECK(phase_names(*only) == std::vector<std::string>{"preflight"});
    auto none = plan::select_phases(upgrade(), {}, {});
    REQUIRE(none);
    CHECK(none->fingerprint == upgrade().fingerprint);
}

TEST_CASE("phase selection refuses fan-out before a verified canary", "[plan][selection]") {
    auto r = plan::select_phases(upgrade(), {.only = "fanout"}, {});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Usage);
    CHECK(r.error().message.find("'verify'") != std::string::npos);
    auto from = plan::select_phases(upgrade(), {.from = "fanout"}, {"preflight", "canary"});
    REQUIRE_FALSE(from);
    // An earlier run of the same plan verified the canary: continuing from fan-out is allowed.
    auto ok = plan::select_phases(upgrade(), {.from = "fanout"}, {"verify"});
    REQUIRE(ok);
    CHECK(phase_names(*ok) == std::vector<std::string>{"preflight", "fanout", "live"});
    // Backup or upgrade without stopped nodes, stop without maintenance: refused too.
    CHECK_FALSE(plan::select_phases(upgrade(), {.only = "backup"}, {}));
    CHECK_FALSE(plan::select_phases(upgrade(), {.from = "stop"}, {}));
    CHECK_FALSE(plan::select_phases(upgrade(), {.only = "upgrade"}, {"stop"}));
}

TEST_CASE("phase selection refuses unknown, reversed and combined selections", "[plan][selection]") {
    auto unknown = plan::select_phases(upgrade(), {.only = "canery"}, {});
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().message.find("preflight, maintenance") != std::string::npos);
    CHECK_FALSE(plan::select_phases(upgrade(), {.from = "verify", .until = "stop"}, {}));
    CHECK_FALSE(plan::select_phases(upgrade(), {.only = "stop", .from = "stop"}, {}));
}
