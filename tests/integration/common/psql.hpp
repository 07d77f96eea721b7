#pragma once
// One SQL statement through the real psql client, as the postgres superuser of a test's own PostgreSQL on
// 127.0.0.1 (tests/harness/pg.sh). Fails the test on any error; returns the last line of output.
#include <catch2/catch.hpp>

#include <string>

#include "ncbctl/inventory.hpp"
#include "net/process.hpp"

namespace ncbctl::test {

inline std::string psql(int port, const std::string& db, const std::string& sql) {
    using namespace std::chrono_literals;
    auto r = net::run_process({.argv = {"psql", "-X", "-At", "-h", "127.0.0.1", "-p", std::to_string(port), "-U",
                                        "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-c", sql}},
                              Deadline::after(30s));
    REQUIRE(r);
    INFO(r->err);
    REQUIRE(r->exit_code == 0);
    return net::last_lines(r->out, 1);
}

// The inventory's database section for that PostgreSQL: database `name` as `user` (trust, no password).
inline DatabaseSpec pg_spec(int port, const std::string& name, const std::string& user = "postgres") {
    DatabaseSpec db;
    db.dialect = "postgres";
    db.host = "127.0.0.1";
    db.port = port;
    db.user = user;
    db.name = name;
    return db;
}

}  // namespace ncbctl::test
