// Classifier tests on answers recorded from a real NocoBase 2.2.15 (tests/data/nocobase/record.sh).
// Answers a real server does not produce on demand are written from the gateway source ("source").
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "nocobase/readiness.hpp"

using namespace ncbctl;
using namespace ncbctl::nocobase;

namespace {

// File format: first line "STATUS CONTENT-TYPE" (000 = no answer: connection refused), then the body.
ProbeAnswer recorded(const std::string& name) {
    std::ifstream in(std::string(NCBCTL_SOURCE_DIR) + "/tests/data/nocobase/" + name, std::ios::binary);
    REQUIRE(in);
    std::string meta;
    std::getline(in, meta);
    std::ostringstream rest;
    rest << in.rdbuf();
    ProbeAnswer a;
    a.status = std::stol(meta.substr(0, 3));
    a.content_type = meta.size() > 4 ? meta.substr(4) : "";
    a.body = rest.str();
    if (a.status == 0) a.transport = Error(ErrorCode::Unreachable, "127.0.0.1:13100: Connection refused", true);
    return a;
}

ProbeAnswer answer(long status, std::string body, std::string ct = "application/json") {
    return {std::nullopt, status, std::move(ct), std::move(body)};
}

}  // namespace

TEST_CASE("a refused connection during boot is down", "[nocobase][readiness]") {
    auto s = classify_node(recorded("health-refused.txt"), std::nullopt);
    CHECK(s.phase == AppPhase::Down);
    CHECK_FALSE(is_terminal(s.phase));
}

TEST_CASE("boot progress is busy with command and message", "[nocobase][readiness]") {
    auto s = classify_node(recorded("health-503-commanding-start.txt"), std::nullopt);
    CHECK(s.phase == AppPhase::Busy);
    CHECK(s.http_status == 503);
    CHECK(s.code == "APP_COMMANDING");
    CHECK(s.command == "start");
    CHECK(s.message == "init plugins");
    auto e = classify_node(recorded("health-503-commanding-empty-message.txt"), std::nullopt);
    CHECK(e.phase == AppPhase::Busy);
    CHECK(e.message.empty());
}

TEST_CASE("health ok and getInfo 200 is ready with the recorded version", "[nocobase][readiness]") {
    auto s = classify_node(recorded("health-200-ok.txt"), recorded("getinfo-200-ready.txt"));
    CHECK(s.phase == AppPhase::Ready);
    CHECK(s.version == "2.2.15");
}

TEST_CASE("health still ok while getInfo already reports pm.enable is busy", "[nocobase][readiness]") {
    auto s = classify_node(recorded("health-200-ok.txt"), recorded("getinfo-503-commanding-pm-enable.txt"));
    CHECK(s.phase == AppPhase::Busy);
    CHECK(s.command == "pm.enable");
    CHECK(s.message == "syncing database in enable plugin localization...");
}

TEST_CASE("health ok without a getInfo answer is not ready", "[nocobase][readiness]") {
    CHECK(classify_node(recorded("health-200-ok.txt"), std::nullopt).phase == AppPhase::Unknown);
}

TEST_CASE("a node on an empty database failed terminally with the app's message", "[nocobase][readiness]") {
    auto s = classify_node(recorded("health-503-not-installed.txt"), std::nullopt);
    CHECK(s.phase == AppPhase::Failed);
    CHECK(is_terminal(s.phase));
    CHECK(s.code == "APP_NOT_INSTALLED_ERROR");
    CHECK(s.message.find("yarn nocobase install") != std::string::npos);
}

TEST_CASE("a node stopped over IPC (nocobase stop) is stopped, terminal for waiting", "[nocobase][readiness]") {
    auto s = classify_node(recorded("health-503-stopped.txt"), std::nullopt);
    CHECK(s.phase == AppPhase::Stopped);
    CHECK(s.message == "application main is stopped");
    CHECK(is_terminal(s.phase));
}

TEST_CASE("gateway states from the source map to their phases", "[nocobase][readiness]") {
    // source: server/src/gateway/errors.ts (not produced on demand by a real server)
    auto gw = [](long st, const std::string& code) {
        return classify_answer(answer(st, R"({"error":{"status":)" + std::to_string(st) +
                                              R"(,"maintaining":true,"message":"m","code":")" + code + R"("}})"));
    };
    CHECK(gw(404, "APP_NOT_FOUND").phase == AppPhase::Booting);
    CHECK(gw(503, "APP_PREPARING").phase == AppPhase::Booting);
    CHECK(gw(503, "APP_INITIALIZING").phase == AppPhase::Booting);
    CHECK(gw(503, "APP_STARTING").phase == AppPhase::Booting);
    CHECK(gw(503, "APP_STOPPED").phase == AppPhase::Stopped);
    CHECK(gw(503, "APP_ERROR").phase == AppPhase::Failed);
    CHECK(gw(503, "COMMAND_ERROR").phase == AppPhase::Failed);
    CHECK(gw(500, "UNKNOWN_ERROR").phase == AppPhase::Failed);
    CHECK(gw(503, "ECONNREFUSED").phase == AppPhase::Failed);  // a raw error code replaces APP_ERROR
}

TEST_CASE("proxy answers and foreign pages are down or unknown, kept verbatim and truncated", "[nocobase][readiness]") {
    auto bad_gw = classify_answer(answer(502, "<html><body>502 Bad Gateway</body></html>", "text/html"));
    CHECK(bad_gw.phase == AppPhase::Down);
    CHECK(bad_gw.message.find("502 Bad Gateway") != std::string::npos);

    std::string page = "<!doctype html><html>" + std::string(2000, 'x') + "</html>";
    auto html = classify_node(answer(200, page, "text/html"), std::nullopt);
    CHECK(html.phase == AppPhase::Unknown);
    CHECK(html.message.size() < 400);
    CHECK(html.message.find("<!doctype html>") != std::string::npos);

    auto maint = classify_answer(answer(503, "<h1>Maintenance</h1>", "text/html"));
    CHECK(maint.phase == AppPhase::Unknown);
    CHECK(maint.message.find("Maintenance") != std::string::npos);
}

TEST_CASE("invalid JSON and a database error behind a running app are not ready", "[nocobase][readiness]") {
    auto broken = classify_answer(answer(503, R"({"error":{"status":503,"code":)"));
    CHECK(broken.phase == AppPhase::Unknown);
    CHECK(broken.message.find("invalid JSON") != std::string::npos);
    // observed with the database stopped under a running node (nocobase-local.md section 3)
    auto db = classify_node(recorded("health-200-ok.txt"),
                            answer(500, R"({"errors":[{"message":"connect ECONNREFUSED 127.0.0.1:55432"}]})"));
    CHECK(db.phase == AppPhase::Unknown);
    CHECK(db.message.find("ECONNREFUSED") != std::string::npos);
    auto no_version = classify_node(recorded("health-200-ok.txt"), answer(200, R"({"data":{"version":null}})"));
    CHECK(no_version.phase == AppPhase::Unknown);
}

TEST_CASE("app errors are surfaced with their codes", "[nocobase][readiness]") {
    CHECK(app_error_text(recorded("auth-401-empty-token.txt").body) ==
          "EMPTY_TOKEN: Unauthenticated. Please sign in to continue.");
    CHECK(app_error_text(recorded("auth-401-blocked-token.txt").body).starts_with("BLOCKED_TOKEN: "));
    CHECK(app_error_text(recorded("backups-500-not-found.txt").body) == "File nope.nbdata not found");
    const std::string pm = app_error_text(recorded("pm-enable-500-missing-module.txt").body);
    CHECK(pm.starts_with("Failed to enable plugin: Cannot find module 'does-not-exist' Require stack:"));
    CHECK(pm.find('\n') == std::string::npos);
    CHECK(app_error_text("Not Found") == "Not Found");
}

TEST_CASE("printable cuts on a UTF-8 boundary", "[nocobase][readiness]") {
    CHECK(printable("abc", 10) == "abc");
    CHECK(printable("abcdef", 3) == "abc...");
    CHECK(printable("a\xC3\xA9z", 2) == "a...");  // does not split the two-byte é
    CHECK(printable("a\tb") == "a b");
}
