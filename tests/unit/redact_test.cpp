// util::redact_url: the one way a URL is shown (issue #14, item 7).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "fakes/engine.hpp"
#include "net/process.hpp"
#include "util/redact.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;

TEST_CASE("redact_url masks userinfo, every query value and the fragment", "[util][redact][secrets]") {
    CHECK(util::redact_url("https://user:pw@host/x") == "https://***@host/x");
    CHECK(util::redact_url("http://h/a?token=abc&x=1") == "http://h/a?token=***&x=***");
    CHECK(util::redact_url("http://h:13000/?access_token=eyJhbGci&sig=Zm9v") ==
          "http://h:13000/?access_token=***&sig=***");
    CHECK(util::redact_url("http://h/a?x=1&password=p") == "http://h/a?x=***&password=***");
    CHECK(util::redact_url("http://h/a?rawtoken") == "http://h/a?***");
    CHECK(util::redact_url("http://h/a?a=1&&b=") == "http://h/a?a=***&&b=***");
    CHECK(util::redact_url("http://h/a#token=abc") == "http://h/a#***");
    CHECK(util::redact_url("http://u@h?q=1#f") == "http://***@h?q=***#***");
    CHECK(util::redact_url("http://h/monkey=1") == "http://h/monkey=1");
    CHECK(util::redact_url("http://h/path@x/y") == "http://h/path@x/y");  // an @ in the path is not userinfo
    CHECK(util::redact_url("https://[::1]:8443/api") == "https://[::1]:8443/api");
    CHECK(util::redact_url("") == "");
}

TEST_CASE("validate --connect never shows a node URL's query token, in text or JSON", "[util][redact][cli][secrets]") {
    ncbctl::testing::TempDir dir;
    const std::string inv = dir.path + "/ncbctl.yaml";
    std::ofstream(inv) << "cluster: c\napi: {lb_url: \"http://127.0.0.1:1/?lbtoken=LB-SECRET-1\", token_env: T}\n"
                          "nodes:\n  - {name: app1, url: \"http://127.0.0.1:1/?access_token=NODE-SECRET-2\", driver: "
                          "docker, docker: {endpoint: \"unix:///nonexistent/docker.sock\", container: a, image: "
                          "nocobase/nocobase}}\nbackup: {method: api, destination: /tmp/b}\n";
    for (const bool json : {false, true}) {
        std::vector<std::string> argv{NCBCTL_BINARY};
        if (json) argv.insert(argv.end(), {"--output", "json"});
        argv.insert(argv.end(), {"validate", "--connect", "--no-file-checks", "-i", inv});
        auto r = net::run_process({.argv = argv, .env = {{"T", "tok"}}}, Deadline::after(60s));
        REQUIRE(r);
        INFO(r->out << r->err);
        CHECK(r->out.find("127.0.0.1:1/?access_token=***") != std::string::npos);
        for (const auto* secret : {"NODE-SECRET-2", "LB-SECRET-1"}) {
            CHECK(r->out.find(secret) == std::string::npos);
            CHECK(r->err.find(secret) == std::string::npos);
        }
    }
}
