#include <catch2/catch.hpp>

#include "backup/clone_space.hpp"

using namespace ncbctl;

TEST_CASE("df -Pk: the Available column of the last line, in bytes", "[clone]") {
    const std::string out =
        "Filesystem     1024-blocks     Used Available Capacity Mounted on\n"
        "/dev/vda        263174212 33514756 218206560      14% /\n";
    REQUIRE(backup::df_available_bytes(out));
    CHECK(*backup::df_available_bytes(out) == 218206560ULL * 1024);
    // A long device name wraps nothing with -P; a mount point with a space keeps the column count >= 6.
    CHECK(*backup::df_available_bytes("h\ntmpfs 8192 0 8192 0% /mnt/a b\n") == 8192ULL * 1024);
    CHECK_FALSE(backup::df_available_bytes(""));
    CHECK_FALSE(backup::df_available_bytes("df: /nope: No such file or directory\n"));
    CHECK_FALSE(backup::df_available_bytes("h\n/dev/x 1 2 lots 3% /\n"));
}

TEST_CASE("the database host is the tools' machine only on loopback or a socket", "[clone]") {
    CHECK(backup::host_is_tools_machine("127.0.0.1"));
    CHECK(backup::host_is_tools_machine("localhost"));
    CHECK(backup::host_is_tools_machine("::1"));
    CHECK(backup::host_is_tools_machine("/var/run/postgresql"));
    CHECK(backup::host_is_tools_machine(""));
    CHECK_FALSE(backup::host_is_tools_machine("10.0.0.5"));
    CHECK_FALSE(backup::host_is_tools_machine("db.internal"));
}

TEST_CASE("clone space verdict: short space is a Conflict naming both figures and the fix", "[clone]") {
    backup::ServerSpace s{.checkable = true, .dir = "/srv/pg/data", .needed = 3ULL << 30, .available = 1ULL << 30};
    auto v = backup::space_verdict(s, "nocobase");
    REQUIRE_FALSE(v);
    CHECK(v.error().code == ErrorCode::Conflict);
    CHECK(v.error().message ==
          "database server: /srv/pg/data has 1.0 GiB free; the in-window copy of nocobase needs 3.0 GiB (its size + "
          "64 MiB): free space there, or use backup.in_window: dump");
    s.available = s.needed;
    CHECK(backup::space_verdict(s, "nocobase"));
    s.available = 0;
    s.checkable = false;  // not checkable is never an error
    CHECK(backup::space_verdict(s, "nocobase"));
}
