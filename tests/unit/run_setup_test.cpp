// cli::make_run_setup: the one place resume and the workflow commands build their runner and lock.
#include <catch2/catch.hpp>

#include <sstream>

#include "cli/run_setup.hpp"
#include "fakes/engine.hpp"

using namespace ncbctl;
using ncbctl::testing::make_inventory;
using ncbctl::testing::TempDir;

TEST_CASE("make_run_setup builds the real runner and the inventory's lock backend", "[cli][run_setup]") {
    TempDir dir;
    const Inventory inv = make_inventory(2);
    std::ostringstream err;
    auto setup = cli::make_run_setup(inv, dir.path, "20260101-000000-abcd", err);
    REQUIRE(setup.has_value());
    CHECK(setup->runner != nullptr);
    CHECK(setup->lock != nullptr);
    CHECK(err.str().empty());
}

TEST_CASE("make_run_setup prints a lock backend problem on one line and maps it to a usage error", "[cli][run_setup]") {
    TempDir dir;
    Inventory inv = make_inventory(1);
    inv.lock.backend = "shared";
    std::ostringstream err;
    auto setup = cli::make_run_setup(inv, dir.path, "20260101-000000-abcd", err);
    REQUIRE_FALSE(setup.has_value());
    CHECK(setup.error() == ExitCode::Usage);
    CHECK(err.str() == "ncbctl: lock.backend 'shared' is not local, node or redis\n");
}
