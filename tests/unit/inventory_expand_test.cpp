// ${VAR} expansion: only where written, only in urls/hosts/paths, never in names, secret references
// or commands; unset variables are errors at their own column; $${ is a literal ${.
#include <catch2/catch.hpp>

#include "inventory_test_util.hpp"

using namespace ncbctl;

namespace {

std::string inventory_with(const std::string& api_extra, const std::string& node_url, const std::string& tail = "") {
    return "cluster: c\napi: {lb_url: \"http://lb\", token_env: T" + api_extra +
           "}\nnodes:\n  - name: a\n    url: " + node_url +
           "\n    driver: docker\n    docker: {container: a, image: nocobase/nocobase}\n"
           "backup: {method: api, destination: /b}\n" +
           tail;
}

}  // namespace

TEST_CASE("${VAR} is expanded in urls, hosts and paths", "[inventory][expand]") {
    test::EnvGuard host("NCBCTL_T_HOST", "10.9.8.7");
    test::EnvGuard dir("NCBCTL_T_DIR", "/srv/backups");
    auto inv = parse_inventory(R"(cluster: c
api: {lb_url: "https://${NCBCTL_T_HOST}:8443", token_env: T}
nodes:
  - name: a
    url: http://${NCBCTL_T_HOST}:13000
    driver: ssh
    ssh: {host: "${NCBCTL_T_HOST}"}
    service: {preset: systemd, unit: nocobase, app_dir: "${NCBCTL_T_DIR}/app"}
backup: {method: api, destination: "${NCBCTL_T_DIR}/ncb"}
)",
                               "x.yaml");
    REQUIRE(inv);
    CHECK(inv->lb_url == "https://10.9.8.7:8443");
    CHECK(inv->nodes[0].url == "http://10.9.8.7:13000");
    CHECK(inv->nodes[0].ssh.target.host == "10.9.8.7");
    CHECK(inv->nodes[0].ssh.service.app_dir == "/srv/backups/app");
    CHECK(inv->backup.destination == "/srv/backups/ncb");
}

TEST_CASE("$${ is a literal ${ and a lone $ stays as it is", "[inventory][expand]") {
    auto acc = parse_inventory(R"(cluster: c
api: {lb_url: "http://lb", account: "a$${b}$c", password_env: P}
nodes: [{name: a, url: "http://a", driver: docker, docker: {container: a, image: nocobase/nocobase}}]
backup: {method: api, destination: /b}
)",
                               "x.yaml");
    REQUIRE(acc);
    CHECK(acc->auth.account == "a${b}$c");
}

TEST_CASE("an unset variable is an error at its own column, plain or quoted", "[inventory][expand]") {
    test::EnvGuard set("NCBCTL_T_SET", "h");
    test::EnvGuard unset("NCBCTL_T_UNSET", std::nullopt);
    auto plain = parse_inventory(inventory_with("", "http://${NCBCTL_T_SET}${NCBCTL_T_UNSET}:1"), "p.yaml");
    REQUIRE_FALSE(plain);
    REQUIRE(plain.error().size() == 1);
    // line 5 is "    url: http://${NCBCTL_T_SET}${NCBCTL_T_UNSET}:1"; the unset one starts at column 32.
    CHECK(
        plain.error()[0].to_string() ==
        "p.yaml:5:32: nodes[0].url: environment variable `NCBCTL_T_UNSET` is not set (write `$${` for a literal `${`)");
    auto quoted = parse_inventory(inventory_with("", "\"http://${NCBCTL_T_UNSET}\""), "q.yaml");
    REQUIRE_FALSE(quoted);
    CHECK(quoted.error()[0].line == 5);
    CHECK(quoted.error()[0].column == 18);
}

TEST_CASE("an empty variable counts as set", "[inventory][expand]") {
    test::EnvGuard empty("NCBCTL_T_EMPTY", "");
    auto inv = parse_inventory(inventory_with("", "http://a${NCBCTL_T_EMPTY}:13000"), "x.yaml");
    REQUIRE(inv);
    CHECK(inv->nodes[0].url == "http://a:13000");
}

TEST_CASE("names, secret references and commands are never expanded", "[inventory][expand]") {
    test::EnvGuard v("NCBCTL_T_NAME", "app1");
    auto name =
        parse_inventory(inventory_with("", "http://a:1").replace(0, 10, "cluster: \"${NCBCTL_T_NAME}\"\n"), "x.yaml");
    REQUIRE_FALSE(name);
    CHECK(name.error()[0].message.find("is not a safe name") != std::string::npos);

    auto cmd = parse_inventory(
        inventory_with("", "http://a:1", "hooks: {pre_upgrade: [[echo, \"${NCBCTL_T_NAME}\"]]}\n"), "x.yaml");
    REQUIRE(cmd);
    CHECK(cmd->hooks.commands.at("pre_upgrade")[0] == Argv{"echo", "${NCBCTL_T_NAME}"});
}

TEST_CASE("a variable cannot smuggle credentials into a URL, and the value is not echoed", "[inventory][expand]") {
    test::EnvGuard v("NCBCTL_T_URL", "http://admin:s3cr3t@lb");
    auto inv = parse_inventory(inventory_with("", "${NCBCTL_T_URL}"), "x.yaml");
    REQUIRE_FALSE(inv);
    const std::string all = test::joined(inv.error());
    CHECK(all.find("must not contain credentials") != std::string::npos);
    CHECK(all.find("s3cr3t") == std::string::npos);
}
