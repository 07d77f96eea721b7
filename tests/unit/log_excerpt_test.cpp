#include <catch2/catch.hpp>

#include "util/log_excerpt.hpp"

using namespace ncbctl::util;

TEST_CASE("log_excerpt keeps the last lines, readable", "[logs]") {
    const std::string log =
        "one\n\n\x1b[32minfo\x1b[39m: two\ttabbed\r\nthree\x07\n" + std::string(1000, 'x') + "\nfour\n\n";
    CHECK(log_excerpt(log, 2) == std::string(400, 'x') + "...\nfour");
    CHECK(log_excerpt(log, 10) == "one\ninfo: two tabbed\nthree\n" + std::string(400, 'x') + "...\nfour");
    CHECK(log_excerpt("", 5).empty());
    CHECK(log_excerpt("no newline at the end", 5) == "no newline at the end");
}

TEST_CASE("collapse_similar shows a run of look-alike lines once, with its count", "[logs]") {
    const std::string log =
        "boot\n"
        "Error: connect ECONNREFUSED 127.0.0.1:1\n"
        "{\"level\":\"error\",\"reqId\":\"2b403636-68be-46ac-bb44-4f4d464f0bb3\",\"t\":\"10:50:31\"}\n"
        "{\"level\":\"error\",\"reqId\":\"9c1f0e22-1111-4aaa-b0b0-00aa11bb22cc\",\"t\":\"10:50:32\"}\n"
        "{\"level\":\"error\",\"reqId\":\"77777777-2222-4bbb-8c8c-0123456789ab\",\"t\":\"10:50:33\"}\n"
        "done\n";
    CHECK(collapse_similar(log, 10) ==
          "boot\nError: connect ECONNREFUSED 127.0.0.1:1\n"
          "[x3] {\"level\":\"error\",\"reqId\":\"77777777-2222-4bbb-8c8c-0123456789ab\",\"t\":\"10:50:33\"}\ndone");
    CHECK(collapse_similar(log, 2).starts_with("[x3] "));  // the last 2 groups
    CHECK(collapse_similar("same\nsame\nother\n", 5) == "[x2] same\nother");
    CHECK(collapse_similar("", 5).empty());
}

TEST_CASE("log_excerpt masks credentials by their shape", "[logs]") {
    CHECK(scrub_credentials("connect postgres://nocobase:s3cret-Pass@db:5432/nocobase failed") ==
          "connect postgres://nocobase:***@db:5432/nocobase failed");
    CHECK(scrub_credentials("GET /api/users Authorization: Bearer eyJhbGciOi.JIUzI1.NiJ9 200") ==
          "GET /api/users Authorization: ***");
    CHECK(scrub_credentials("headers {\"authorization\":\"Basic dXNlcjpwYXNz\",\"host\":\"x\"}") ==
          "headers {\"authorization\":\"***\",\"host\":\"x\"}");
    CHECK(scrub_credentials("token eyJ.abc.def used: Bearer abc.def") == "token eyJ.abc.def used: Bearer ***");
    CHECK(scrub_credentials("DB_PASSWORD=hunter2 APP_KEY=k") == "DB_PASSWORD=*** APP_KEY=k");
    CHECK(scrub_credentials("{\"password\": \"hunter2\", \"user\": \"a\"}") ==
          "{\"password\": \"***\", \"user\": \"a\"}");
    CHECK(scrub_credentials("api_key: abc123; apiKey=zz") == "api_key: ***; apiKey=***");
    CHECK(scrub_credentials("nothing secret here: 200 OK") == "nothing secret here: 200 OK");
    CHECK(log_excerpt("a\nlogin with password=hunter2\n", 5) == "a\nlogin with password=***");
}
