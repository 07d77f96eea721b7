// Inputs the fuzz targets (tests/fuzz) found, kept as unit tests so the plain test run guards them too.
#include <catch2/catch.hpp>

#include <fstream>

#include "fakes/engine.hpp"
#include "run/journal.hpp"

using namespace ncbctl;
using ncbctl::testing::TempDir;

TEST_CASE("a journal line whose keys have the wrong JSON types is a Protocol error, not an exception",
          "[journal][fuzz]") {
    TempDir tmp;
    for (const char* line :
         {R"({"type":1})", R"({"type":"run.started","details":[]})", R"({"type":"run.started","ts":"soon"})",
          R"({"type":"run.started"})"
          "\n"
          R"({"type":"step.finished","step":"s","error":"oops"})"}) {
        const std::string path = tmp.path + "/j.jsonl";
        std::ofstream(path, std::ios::trunc) << line << '\n';
        INFO(line);
        Result<RunRecord> r = fail(ErrorCode::Io, "not read");
        REQUIRE_NOTHROW(r = read_journal(path));  // before: nlohmann::json::type_error escaped ("internal error")
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == ErrorCode::Protocol);
        CHECK(r.error().message.find("has a malformed event") != std::string::npos);
    }
}
