#include <catch2/catch.hpp>

#include "net/http.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;

TEST_CASE("url_encode escapes reserved characters", "[http]") {
    CHECK(net::url_encode("a b/c") == "a%20b%2Fc");
    CHECK(net::url_encode("{\"label\":[\"x\"]}") == "%7B%22label%22%3A%5B%22x%22%5D%7D");
}

TEST_CASE("a refused connection is a transient Unreachable error", "[http]") {
    net::HttpClient c;
    auto r = c.perform({.url = "http://127.0.0.1:1/"}, Deadline::after(5s));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Unreachable);
    CHECK(r.error().transient);
}

TEST_CASE("a missing unix socket is Unreachable and names the socket", "[http]") {
    net::HttpClient c;
    auto r = c.perform({.url = "http://docker/_ping", .unix_socket = "/nonexistent/ncbctl.sock"}, Deadline::after(5s));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Unreachable);
    CHECK(r.error().message.find("/nonexistent/ncbctl.sock") != std::string::npos);
}
