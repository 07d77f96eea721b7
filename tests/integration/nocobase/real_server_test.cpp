// The client against a REAL NocoBase 2.2.15: one PostgreSQL and one install prepared by the CTest
// fixture (nocobase-cluster.sh prepare), nodes started here through the harness and stopped by PID
// (the fixture's cleanup runs `down` even when a case fails). Cases run in declaration order and
// share the node.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "net/process.hpp"
#include "nocobase/client.hpp"
#include "nocobase/readiness.hpp"
#include "util/sha256.hpp"

using namespace ncbctl;
using namespace ncbctl::nocobase;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string kDir = NB_DIR;
const std::string kTokenFile = kDir + "/apikey";

std::string harness(std::vector<std::string> args, Duration timeout = 600s) {
    args.insert(args.begin(), NB_HARNESS);
    auto r = net::run_process({.argv = args}, Deadline::after(timeout));
    REQUIRE(r);
    INFO(net::shell_join(args) << ": " << r->err);
    REQUIRE(r->ok());
    return r->out;
}

ClientOptions options(int port, ApiAuth auth = {}) {
    ClientOptions o;
    o.node = "node " + std::to_string(port);
    o.base_url = "http://127.0.0.1:" + std::to_string(port);
    o.auth = std::move(auth);
    return o;
}

ApiAuth token_auth(const std::string& file) {
    ApiAuth a;
    a.token.file = file;
    return a;
}

std::string npm_registry() {
    auto r = net::run_process({.argv = {"npm", "config", "get", "registry"}}, Deadline::after(60s));
    REQUIRE(r);
    REQUIRE(r->ok());
    std::string s = r->out;
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

std::size_t users_named(NocoBaseClient& c, const std::string& username) {
    auto r = c.call("GET", "users:list", "filter=" + net::url_encode(R"({"username":")" + username + R"("})"),
                    std::nullopt, Deadline::after(60s));
    REQUIRE(r);
    REQUIRE(r->is_array());
    return r->size();
}

void create_user(NocoBaseClient& c, const std::string& username) {
    auto r = c.call("POST", "users:create", "",
                    nlohmann::json{{"username", username},
                                   {"nickname", username},
                                   {"email", username + "@example.com"},
                                   {"password", "Secret123!"}},
                    Deadline::after(60s));
    REQUIRE(r);
    REQUIRE(users_named(c, username) == 1);
}

}  // namespace

TEST_CASE("readiness through boot: down, busy with start progress, then ready at 2.2.15", "[real]") {
    harness({"node-start", kDir, "node1", std::to_string(NB_PORT)});
    NocoBaseClient c(options(NB_PORT));
    std::vector<AppStatus> seen;
    auto r = c.wait_ready(std::nullopt, Deadline::after(300s), [&](const AppStatus& s) { seen.push_back(s); });
    REQUIRE(r);
    CHECK(r->version == "2.2.15");
    REQUIRE(seen.size() >= 2);
    CHECK(seen.front().phase != AppPhase::Ready);
    bool start_progress = false;
    for (const auto& s : seen)
        if (s.phase == AppPhase::Busy && s.command == "start" && !s.message.empty()) start_progress = true;
    CHECK(start_progress);

    auto other = c.wait_ready("9.9.9", Deadline::after(2s));
    REQUIRE_FALSE(other);
    CHECK(other.error().code == ErrorCode::Timeout);
    CHECK(other.error().message.find("expected 9.9.9") != std::string::npos);

    harness({"apikey", kDir, std::to_string(NB_PORT), kTokenFile});
    CHECK((fs::status(kTokenFile).permissions() & fs::perms::others_read) == fs::perms::none);
}

TEST_CASE("auth: API key by file, account sign-in, and one clear message for bad credentials", "[real]") {
    NocoBaseClient good(options(NB_PORT, token_auth(kTokenFile)));
    auto list = good.plugins(Deadline::after(60s));
    REQUIRE(list);
    bool backups = false;
    for (const auto& p : *list)
        if (p.package_name == "@nocobase/plugin-backups" && p.enabled) backups = true;
    CHECK(backups);
    // The plugin table's enabled rows name the same plugins as pm:list's enabled entries.
    auto enabled = good.enabled_plugins(Deadline::after(60s));
    REQUIRE(enabled);
    std::set<std::string> from_list, from_table;
    for (const auto& p : *list)
        if (p.enabled) from_list.insert(p.name + " " + p.package_name);
    for (const auto& p : *enabled) from_table.insert(p.name + " " + p.package_name);
    CHECK(from_table == from_list);
    CHECK(from_table.size() > 50);

    const std::string bad_token = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VySWQiOjF9.not-a-signature";
    const std::string bad_file = kDir + "/bad-token";
    std::ofstream(bad_file) << bad_token << "\n";
    NocoBaseClient bad(options(NB_PORT, token_auth(bad_file)));
    auto refused = bad.plugins(Deadline::after(60s));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::Auth);
    CHECK(refused.error().message.find("INVALID_TOKEN") != std::string::npos);
    CHECK(refused.error().message.find(bad_file) != std::string::npos);
    CHECK(refused.error().message.find(bad_token) == std::string::npos);
    CHECK(bad.check(Deadline::after(10s)).phase == AppPhase::Ready);  // readiness needs no token

    NocoBaseClient none(options(NB_PORT));
    auto empty = none.plugins(Deadline::after(60s));
    REQUIRE_FALSE(empty);
    CHECK(empty.error().code == ErrorCode::Auth);
    CHECK(empty.error().message.find("EMPTY_TOKEN") != std::string::npos);

    ::setenv("NCBCTL_NB_TEST_PASSWORD", "admin123", 1);
    ::setenv("NCBCTL_NB_TEST_WRONG", "wrong-password", 1);
    ApiAuth account;
    account.account = "admin@nocobase.com";
    account.password.env = "NCBCTL_NB_TEST_PASSWORD";
    NocoBaseClient signed_in(options(NB_PORT, account));
    CHECK(signed_in.plugins(Deadline::after(60s)));
    auto as_admin = signed_in.enabled_plugins(Deadline::after(60s));
    REQUIRE(as_admin);
    CHECK(as_admin->size() == from_table.size());
    account.password.env = "NCBCTL_NB_TEST_WRONG";
    NocoBaseClient wrong(options(NB_PORT, account));
    auto w = wrong.plugins(Deadline::after(60s));
    REQUIRE_FALSE(w);
    CHECK(w.error().code == ErrorCode::Auth);
    CHECK(w.error().message.find("password is incorrect") != std::string::npos);
    CHECK(w.error().message.find("wrong-password") == std::string::npos);
}

TEST_CASE("plugins: add sample-hello from the registry, enable, its route, disable, remove", "[real]") {
    NocoBaseClient c(options(NB_PORT, token_auth(kTokenFile)));
    const auto deadline = [] { return Deadline::after(300s); };
    REQUIRE(c.plugin_add("@nocobase/plugin-sample-hello", npm_registry(), "", deadline()));

    REQUIRE(c.plugin_enable("sample-hello", deadline()));
    auto hello = c.call("GET", "testHello:getInfo", "", std::nullopt, Deadline::after(60s));
    REQUIRE(hello);
    CHECK(*hello == "Hello hello!");

    auto missing = c.plugin_enable("does-not-exist", deadline());
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("Failed to enable plugin") != std::string::npos);
    REQUIRE(c.wait_ready(std::nullopt, deadline()));

    auto on = c.enabled_plugins(Deadline::after(60s));
    REQUIRE(on);
    CHECK(std::ranges::any_of(*on, [](const PluginInfo& p) { return p.name == "sample-hello"; }));
    REQUIRE(c.plugin_disable("sample-hello", deadline()));
    auto off = c.enabled_plugins(Deadline::after(60s));
    REQUIRE(off);
    CHECK(std::ranges::none_of(*off, [](const PluginInfo& p) { return p.name == "sample-hello"; }));
    auto gone = c.call("GET", "testHello:getInfo", "", std::nullopt, Deadline::after(60s));
    REQUIRE_FALSE(gone);
    CHECK(gone.error().code == ErrorCode::NotFound);

    REQUIRE(c.plugin_enable("sample-hello", deadline()));
    REQUIRE(c.plugin_remove("sample-hello", deadline()));  // disables first
    auto list = c.plugins(Deadline::after(60s));
    REQUIRE(list);
    for (const auto& p : *list)
        if (p.name == "sample-hello") CHECK_FALSE(p.installed);
}

TEST_CASE("backups: create, verified download, restore by name and by upload, delete", "[real]") {
    NocoBaseClient c(options(NB_PORT, token_auth(kTokenFile)));
    const auto deadline = [] { return Deadline::after(600s); };
    auto name = c.backup_create(deadline());
    REQUIRE(name);

    const std::string dir = kDir + "/downloads";
    fs::create_directories(dir);
    const std::string file = dir + "/" + *name;
    auto got = c.backup_download_verified(*name, file, deadline());
    REQUIRE(got);
    CHECK(got->version == "2.2.15");
    CHECK(got->dialect == "postgres");
    CHECK(got->bytes == fs::file_size(file));
    CHECK(got->sha256 == util::sha256_file_hex(file).value());
    CHECK_FALSE(fs::exists(file + ".part"));

    auto list = c.backup_list(Deadline::after(60s));
    REQUIRE(list);
    bool listed = false;
    for (const auto& b : *list)
        if (b.name == *name) listed = !b.in_progress;
    CHECK(listed);

    create_user(c, "after_backup");
    REQUIRE(c.backup_restore(*name, deadline()));
    CHECK(users_named(c, "after_backup") == 0);

    create_user(c, "after_backup_upload");
    REQUIRE(c.backup_restore_upload(file, deadline()));
    CHECK(users_named(c, "after_backup_upload") == 0);

    auto nope = c.backup_download_verified("nope.nbdata", dir + "/nope.nbdata", deadline());
    REQUIRE_FALSE(nope);
    CHECK(nope.error().message.find("File nope.nbdata not found") != std::string::npos);
    CHECK_FALSE(fs::exists(dir + "/nope.nbdata"));
    CHECK_FALSE(fs::exists(dir + "/nope.nbdata.part"));

    REQUIRE(c.backup_delete(*name, Deadline::after(60s)));
    auto after = c.backup_list(Deadline::after(60s));
    REQUIRE(after);
    for (const auto& b : *after) CHECK(b.name != *name);
}

TEST_CASE("the Migration manager is absent on an open-source install: Unsupported", "[real]") {
    NocoBaseClient c(options(NB_PORT, token_auth(kTokenFile)));
    auto a = c.migration_available(Deadline::after(60s));
    REQUIRE(a);
    CHECK_FALSE(*a);
    auto rules = c.migration_rules(Deadline::after(60s));
    REQUIRE_FALSE(rules);
    CHECK(rules.error().code == ErrorCode::Unsupported);
    CHECK(rules.error().message.find("Migration manager") != std::string::npos);
}

TEST_CASE("a stopped node is down and waiting for it times out", "[real]") {
    harness({"node-stop", kDir, "node1"});
    NocoBaseClient c(options(NB_PORT, token_auth(kTokenFile)));
    CHECK(c.check(Deadline::after(10s)).phase == AppPhase::Down);
    auto w = c.wait_ready(std::nullopt, Deadline::after(2s));
    REQUIRE_FALSE(w);
    CHECK(w.error().code == ErrorCode::Timeout);
    CHECK(w.error().message.find("down") != std::string::npos);
    auto p = c.plugins(Deadline::after(10s));
    REQUIRE_FALSE(p);
    CHECK(p.error().code == ErrorCode::Unreachable);
    CHECK(p.error().transient);
}

TEST_CASE("a node started on an empty database fails terminally with APP_NOT_INSTALLED_ERROR", "[real]") {
    harness({"node-start", kDir, "empty", std::to_string(NB_EMPTY_PORT), "empty"});
    NocoBaseClient c(options(NB_EMPTY_PORT));
    std::vector<AppStatus> seen;
    auto w = c.wait_ready(std::nullopt, Deadline::after(300s), [&](const AppStatus& s) { seen.push_back(s); });
    harness({"node-stop", kDir, "empty"});
    REQUIRE_FALSE(w);
    CHECK(w.error().code == ErrorCode::Remote);
    CHECK(w.error().message.find("APP_NOT_INSTALLED_ERROR") != std::string::npos);
    CHECK(w.error().message.find("yarn nocobase install") != std::string::npos);
    REQUIRE_FALSE(seen.empty());
    CHECK(seen.back().phase == AppPhase::Failed);
}
