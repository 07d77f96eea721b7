// The SQL the in-window clone sends (backup.in_window: clone): names quoted as identifiers, the swap one
// transaction, the run's names within PostgreSQL's 63 bytes and free of characters psql would need quoted.
#include <catch2/catch.hpp>

#include "backup/database_clone.hpp"

using namespace ncbctl;

TEST_CASE("clone names come from the run id, lowercased, within 63 bytes", "[backup][clone]") {
    auto n = backup::clone_names("nocobase", "20261126T024512Z-3f9a1c");
    CHECK(n.copy == "nocobase__ncbctl_20261126t024512z_3f9a1c");
    CHECK(n.failed == "nocobase__ncbctl_failed_20261126t024512z_3f9a1c");
    const std::string long_db(60, 'd');
    auto l = backup::clone_names(long_db, "20261126T024512Z-3f9a1c");
    CHECK(l.copy.size() == 63);
    CHECK(l.failed.size() == 63);
    CHECK(l.copy.ends_with("__ncbctl_20261126t024512z_3f9a1c"));
    CHECK(l.copy != l.failed);
}

TEST_CASE("clone statements quote every name as an identifier", "[backup][clone]") {
    CHECK(backup::clone_sql("noco\"base", "noco\"base__ncbctl_r", "own er") ==
          "CREATE DATABASE \"noco\"\"base__ncbctl_r\" TEMPLATE \"noco\"\"base\" STRATEGY FILE_COPY OWNER \"own er\"");
    CHECK(backup::clone_sql("a", "b", "", backup::CloneStrategy::WalLog) ==
          "CREATE DATABASE \"b\" TEMPLATE \"a\" STRATEGY WAL_LOG");
    // The inventory's words map to the SQL ones in one place; anything else is the default, never text in the SQL.
    CHECK(backup::clone_strategy_of("file_copy") == backup::CloneStrategy::FileCopy);
    CHECK(backup::clone_strategy_of("wal_log") == backup::CloneStrategy::WalLog);
    CHECK(backup::clone_strategy_of("x; DROP") == backup::CloneStrategy::FileCopy);
    CHECK(backup::to_sql(backup::CloneStrategy::WalLog) == "WAL_LOG");
    CHECK(backup::swap_sql("db", "db__c", "db__f") ==
          "BEGIN; ALTER DATABASE \"db\" RENAME TO \"db__f\"; ALTER DATABASE \"db__c\" RENAME TO \"db\"; COMMIT;");
    CHECK(backup::drop_sql("x\"y") == "DROP DATABASE IF EXISTS \"x\"\"y\" WITH (FORCE)");
    // Sessions are matched by name as literals.
    CHECK(backup::terminate_sql("it's", "c").find("datname in ('it''s', 'c')") != std::string::npos);
}
