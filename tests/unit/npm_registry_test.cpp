#include <catch2/catch.hpp>

#include "nocobase/npm_registry.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;

TEST_CASE("an npm packument gives the package's versions and its latest tag", "[registry]") {
    auto p = nocobase::parse_packument(R"({"name":"@x/hello","dist-tags":{"latest":"1.2.0","next":"2.0.0-beta"},)"
                                       R"("versions":{"1.0.0":{"dist":{}},"1.2.0":{"dist":{}},"2.0.0-beta":{}}})",
                                       "@x/hello");
    REQUIRE(p);
    CHECK(p->name == "@x/hello");
    CHECK(p->latest == "1.2.0");
    CHECK(p->versions.size() == 3);
    CHECK(p->has("1.0.0"));
    CHECK(p->has("2.0.0-beta"));
    CHECK_FALSE(p->has("1.1.0"));

    auto untagged = nocobase::parse_packument(R"({"versions":{}})", "p");
    REQUIRE(untagged);
    CHECK(untagged->name == "p");
    CHECK(untagged->latest.empty());
}

TEST_CASE("what is not a packument is a Protocol error quoting the answer", "[registry]") {
    for (const char* body : {"<html>proxy login</html>", "{}", R"({"versions":[]})", ""}) {
        auto p = nocobase::parse_packument(body, "@x/hello");
        REQUIRE_FALSE(p);
        CHECK(p.error().code == ErrorCode::Protocol);
        CHECK(p.error().message.starts_with("the answer for @x/hello is not an npm packument"));
    }
}

TEST_CASE("a registry that does not answer is Unreachable (transient), its credentials not shown", "[registry]") {
    auto p = nocobase::fetch_registry_package("http://u:s3cret-token@127.0.0.1:1/", "@x/hello", Deadline::after(5s));
    REQUIRE_FALSE(p);
    CHECK(p.error().code == ErrorCode::Unreachable);
    CHECK(p.error().transient);
    CHECK(p.error().message.find("s3cret-token") == std::string::npos);
    CHECK(p.error().message.find("127.0.0.1:1/@x/hello") != std::string::npos);
}
