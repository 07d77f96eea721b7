// `ncbctl migrate` as a use case (src/workflow/migrate_job.hpp) over a recording fake of the Migration
// manager and of the lock: the capability check first, the lock only for changes, one line per failure.
#include <catch2/catch.hpp>

#include <sstream>

#include "fakes/engine.hpp"
#include "fakes/migration_manager.hpp"
#include "workflow/migrate_job.hpp"

using namespace ncbctl;
using namespace ncbctl::testing;

namespace {

struct Harness {
    Inventory inv = make_inventory(2);
    FakeMigrations m;
    std::optional<workflow::LockRefused> refused;
    workflow::MigratePorts ports{
        .lock = [this](const std::string& command) -> std::expected<run::HeldLock, workflow::LockRefused> {
            m.calls.push_back("lock " + command);
            if (refused) return std::unexpected(*refused);
            return run::HeldLock{};
        },
        .manager = [this](const Node& n) { return std::make_unique<FakeMigrationManager>(m, n.name); },
    };
    std::ostringstream out, err;
    ExitCode run(workflow::MigrateRequest req) { return workflow::migrate(inv, ports, req, out, err); }
};

}  // namespace

TEST_CASE("migrate without the commercial plugin exits 3 with one line and takes no lock", "[migrate]") {
    Harness h;
    h.m.present = false;
    CHECK(h.run({.what = "apply", .file = "/m.nbdata"}) == ExitCode::Preflight);
    CHECK(h.m.calls == std::vector<std::string>{"available app1"});
    CHECK(h.err.str() ==
          "ncbctl: node app1: the Migration manager (commercial plugin "
          "@nocobase/plugin-migration-manager) is not enabled; install and enable it under a NocoBase "
          "licence, then run ncbctl migrate again\n");
    CHECK(h.out.str().empty());
}

TEST_CASE("migrate rules lists without the lock, on the node asked for", "[migrate]") {
    Harness h;
    CHECK(h.run({.what = "rules", .node = "app2"}) == ExitCode::Ok);
    CHECK(h.m.calls == std::vector<std::string>{"available app2"});
    CHECK(h.out.str() == "7\tschema only\n");
    CHECK(h.run({.what = "rules", .node = "app9"}) == ExitCode::Usage);
    CHECK(h.err.str() == "ncbctl: --node app9 is not a node of test.yaml\n");
}

TEST_CASE("migrate create downloads into the backup destination under the lock", "[migrate]") {
    Harness h;
    h.inv.backup.destination = "/b";
    CHECK(h.run({.what = "create", .rule = "7", .title = "t"}) == ExitCode::Ok);
    CHECK(h.m.calls == std::vector<std::string>{"available app1", "lock migrate create", "create 7 t",
                                                "download migration_1.nbdata to /b/migration_1.nbdata"});
    CHECK(h.out.str() == "migration /b/migration_1.nbdata sha256 feedbeef\n");
}

TEST_CASE("migrate apply checks then executes, and stops at a refused lock or check", "[migrate]") {
    Harness h;
    CHECK(h.run({.what = "apply", .file = "/m.nbdata"}) == ExitCode::Ok);
    CHECK(h.m.calls ==
          std::vector<std::string>{"available app1", "lock migrate apply", "check /m.nbdata", "execute /m.nbdata"});
    CHECK(h.out.str() == "migration /m.nbdata applied on node app1\n");

    h.m.calls.clear();
    h.refused = workflow::LockRefused{ExitCode::LockHeld, "held by run R"};
    CHECK(h.run({.what = "apply", .file = "/m.nbdata"}) == ExitCode::LockHeld);
    CHECK(h.m.calls == std::vector<std::string>{"available app1", "lock migrate apply"});
    CHECK(h.err.str() == "ncbctl: held by run R\n");

    h.refused.reset();
    h.m.calls.clear();
    h.m.check_error = Error{ErrorCode::Remote, "collection missing"};
    CHECK(h.run({.what = "apply", .file = "/m.nbdata"}) == ExitCode::Preflight);
    CHECK(h.m.calls.back() == "check /m.nbdata");
    CHECK(h.err.str().ends_with("ncbctl: collection missing\n"));
}
