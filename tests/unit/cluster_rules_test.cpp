// The cluster preflight (issue #18, docs/preflight.md): each rule on recorded facts, the environment parsers,
// and the plans that carry the preflight/cluster step (with --strict).
#include <catch2/catch.hpp>

#include <algorithm>

#include "fakes/engine.hpp"
#include "ncbctl/actions.hpp"
#include "plan/maintain.hpp"
#include "plan/workflows.hpp"
#include "util/sha256.hpp"
#include "workflow/cluster_facts.hpp"
#include "workflow/cluster_rules.hpp"

using namespace ncbctl;
using namespace ncbctl::workflow;

namespace {

NodeFacts node(std::string name, std::map<std::string, std::string> env = {}, std::string version = "2.2.15") {
    NodeFacts n;
    n.node = std::move(name);
    n.deployed_version = std::move(version);
    std::map<std::string, std::string> digests, plain;
    digest_environment(env, digests, plain);
    n.env = digests;
    n.env_plain = plain;
    return n;
}

ClusterFacts cluster(std::vector<NodeFacts> nodes) {
    ClusterFacts f;
    f.nodes = std::move(nodes);
    return f;
}

std::size_t count(const std::vector<Finding>& v, Severity s) {
    return static_cast<std::size_t>(
        std::count_if(v.begin(), v.end(), [s](const Finding& f) { return f.severity == s; }));
}

const std::map<std::string, std::string> kAdapters = {{"CACHE_DEFAULT_STORE", "redis"},
                                                      {"CACHE_REDIS_URL", "redis://r:6379/0"},
                                                      {"PUBSUB_ADAPTER_REDIS_URL", "redis://r:6379/1"},
                                                      {"LOCK_ADAPTER_DEFAULT", "redis"},
                                                      {"LOCK_ADAPTER_REDIS_URL", "redis://r:6379/2"},
                                                      {"REDIS_URL", "redis://r:6379/3"}};

}  // namespace

TEST_CASE("preflight rule versions: one version passes, two are an error naming the nodes") {
    CHECK(rule_versions(cluster({node("app1"), node("app2")})).empty());
    auto r = rule_versions(cluster({node("app1"), node("app2", {}, "2.2.16")}));
    REQUIRE(r.size() == 1);
    CHECK(r[0].severity == Severity::Error);
    CHECK(r[0].message.find("app1 2.2.15") != std::string::npos);
    CHECK(r[0].message.find("app2 2.2.16") != std::string::npos);
    auto f = cluster({node("app1"), node("app2", {}, "2.2.16")});
    f.target_version = "2.2.16";  // a resumed upgrade: part of the nodes at the target already
    auto resumed = rule_versions(f);
    REQUIRE(resumed.size() == 1);
    CHECK(resumed[0].severity == Severity::Info);
    f.nodes.push_back(node("app3", {}, "2.2.14"));
    CHECK(rule_versions(f)[0].severity == Severity::Error);
    auto u = rule_versions(cluster({node("app1"), node("app2", {}, "")}));
    REQUIRE(u.size() == 1);
    CHECK(u[0].severity == Severity::Info);
    CHECK(u[0].nodes == std::vector<std::string>{"app2"});
}

TEST_CASE("preflight rule secrets: different APP_KEY is an error that never shows a value") {
    auto r =
        rule_secrets(cluster({node("app1", {{"APP_KEY", "secret-one"}}), node("app2", {{"APP_KEY", "secret-two"}})}));
    REQUIRE(r.size() == 1);
    CHECK(r[0].severity == Severity::Error);
    CHECK(r[0].check == "secrets");
    CHECK(r[0].nodes == std::vector<std::string>{"app1", "app2"});
    const auto line = format_finding(r[0]);
    CHECK(line.find("secret-one") == std::string::npos);
    CHECK(line.find("secret-two") == std::string::npos);
    CHECK(line.find(util::sha256_hex("secret-one")) == std::string::npos);
    CHECK(line.find("APP_KEY") != std::string::npos);
}

TEST_CASE("preflight rule secrets: equal keys pass, an AES key on one node only is an error") {
    CHECK(rule_secrets(cluster({node("app1", {{"APP_KEY", "k"}}), node("app2", {{"APP_KEY", "k"}})})).empty());
    auto r = rule_secrets(
        cluster({node("app1", {{"APP_KEY", "k"}, {"APP_AES_SECRET_KEY", "a"}}), node("app2", {{"APP_KEY", "k"}})}));
    REQUIRE(r.size() == 1);
    CHECK(r[0].message.find("APP_AES_SECRET_KEY") != std::string::npos);
    CHECK(r[0].message.find("unset") != std::string::npos);
}

TEST_CASE("preflight rule secrets: a node whose environment is not readable is info, not compared") {
    auto n2 = node("app2");
    n2.env.reset();
    auto r = rule_secrets(cluster({node("app1", {{"APP_KEY", "k"}}), n2}));
    REQUIRE(r.size() == 1);
    CHECK(r[0].severity == Severity::Info);
    CHECK(r[0].nodes == std::vector<std::string>{"app2"});
}

TEST_CASE("preflight rule storage: a node that did not see the nonce is an error for upgrade and maintain") {
    auto a = node("app1"), b = node("app2"), c = node("app3");
    a.storage_seen = true;
    b.storage_seen = true;
    c.storage_seen = false;
    auto f = cluster({a, b, c});
    auto r = rule_storage(f);
    REQUIRE(r.size() == 1);
    CHECK(r[0].severity == Severity::Error);
    CHECK(r[0].nodes == std::vector<std::string>{"app3"});
    f.storage_required = false;
    CHECK(rule_storage(f)[0].severity == Severity::Warning);
    c.storage_seen = true;
    CHECK(rule_storage(cluster({a, b, c})).empty());
    c.storage_seen.reset();
    auto u = rule_storage(cluster({a, b, c}));
    REQUIRE(u.size() == 1);
    CHECK(u[0].severity == Severity::Info);
}

TEST_CASE("preflight rule cluster mode: no adapters is one warning, once") {
    auto r = rule_cluster_mode(cluster({node("app1"), node("app2"), node("app3")}));
    REQUIRE(r.size() == 1);
    CHECK(r[0].severity == Severity::Warning);
    CHECK(rule_cluster_mode(cluster({node("app1")})).empty());  // one node is not a cluster
    CHECK(rule_cluster_mode(cluster({node("app1", kAdapters), node("app2", kAdapters)})).empty());
}

TEST_CASE("preflight rule cluster mode: a different Redis URL is an error without the URL") {
    auto other = kAdapters;
    other["PUBSUB_ADAPTER_REDIS_URL"] = "redis://other:6379/1";
    auto r = rule_cluster_mode(cluster({node("app1", kAdapters), node("app2", other)}));
    REQUIRE(r.size() == 1);
    CHECK(r[0].severity == Severity::Error);
    CHECK(r[0].message.find("PUBSUB_ADAPTER_REDIS_URL") != std::string::npos);
    CHECK(format_finding(r[0]).find("redis://") == std::string::npos);
}

TEST_CASE("preflight rule cluster mode: more than 32 nodes is an error") {
    std::vector<NodeFacts> nodes;
    for (int i = 0; i < 33; ++i) nodes.push_back(node("app" + std::to_string(i), kAdapters));
    auto r = rule_cluster_mode(cluster(nodes));
    REQUIRE(r.size() == 1);
    CHECK(r[0].severity == Severity::Error);
    nodes.pop_back();
    CHECK(rule_cluster_mode(cluster(nodes)).empty());
}

TEST_CASE("preflight rule lb: an extra server and a missing node are errors, a TCP check a warning") {
    auto f = cluster({node("app1"), node("app2")});
    f.lb_expected = {{"app1", "s1"}, {"app2", "s2"}};
    CHECK(rule_lb(f).empty());  // nothing read from the LB: nothing to compare
    f.lb_servers = std::vector<std::string>{"s1", "s2"};
    f.lb_health_check = std::string(kHealthCheckPath);
    CHECK(rule_lb(f).empty());
    f.lb_servers = std::vector<std::string>{"s1", "s2", "old3"};
    auto r = rule_lb(f);
    REQUIRE(r.size() == 1);
    CHECK(r[0].severity == Severity::Error);
    CHECK(r[0].message.find("old3") != std::string::npos);
    f.lb_servers = std::vector<std::string>{"s1"};
    r = rule_lb(f);
    REQUIRE(r.size() == 1);
    CHECK(r[0].nodes == std::vector<std::string>{"app2"});
    f.lb_servers = std::vector<std::string>{"s1", "s2"};
    f.lb_health_check = std::string();
    r = rule_lb(f);
    REQUIRE(r.size() == 1);
    CHECK(r[0].severity == Severity::Warning);
}

TEST_CASE("preflight rule database: nodes on different databases, or not the inventory's, are errors") {
    auto f = cluster({node("app1", {{"DB_HOST", "pg"}, {"DB_DATABASE", "nocobase"}}),
                      node("app2", {{"DB_HOST", "pg"}, {"DB_DATABASE", "nocobase"}})});
    f.db_host = "pg";
    f.db_name = "nocobase";
    CHECK(rule_database(f).empty());
    f.db_name = "other";
    auto r = rule_database(f);
    REQUIRE(r.size() == 1);
    CHECK(r[0].severity == Severity::Error);
    f.db_name = "nocobase";
    f.nodes[1] = node("app2", {{"DB_HOST", "pg2"}, {"DB_DATABASE", "nocobase"}});
    r = rule_database(f);
    REQUIRE(r.size() == 1);
    CHECK(r[0].message.find("DB_HOST") != std::string::npos);
    f.nodes[1] = node("app2", {{"DB_HOST", "pg"}, {"DB_DATABASE", "nocobase"}});
    f.db_host = "127.0.0.1";  // the same server seen from where ncbctl runs: info only
    r = rule_database(f);
    REQUIRE(r.size() == 1);
    CHECK(r[0].severity == Severity::Info);
}

TEST_CASE("preflight evaluate: strict turns warnings into errors and leaves info alone") {
    auto f = cluster({node("app1"), node("app2", {}, "")});
    auto loose = evaluate(f, false);
    CHECK(count(loose, Severity::Warning) == 1);
    CHECK(count(loose, Severity::Error) == 0);
    auto strict = evaluate(f, true);
    CHECK(count(strict, Severity::Warning) == 0);
    CHECK(count(strict, Severity::Error) == 1);
    CHECK(count(strict, Severity::Info) == count(loose, Severity::Info));
}

TEST_CASE("preflight env parsers: env lines, a .env file, systemd's Environment value") {
    auto e = parse_env_lines("# comment\nexport APP_KEY=\"abc\"\nDB_HOST=pg\n\nBROKEN\nAPP_KEY='def'\n");
    CHECK(e.at("APP_KEY") == "def");
    CHECK(e.at("DB_HOST") == "pg");
    CHECK(!e.contains("BROKEN"));
    auto s = parse_systemd_environment("APP_KEY=k1 \"CACHE_REDIS_URL=redis://a b\" DB_DATABASE=nb\n");
    CHECK(s.at("APP_KEY") == "k1");
    CHECK(s.at("CACHE_REDIS_URL") == "redis://a b");
    CHECK(s.at("DB_DATABASE") == "nb");
    std::map<std::string, std::string> d, p;
    digest_environment(s, d, p);
    CHECK(d.at("APP_KEY") == util::sha256_hex("k1"));
    CHECK(!p.contains("APP_KEY"));
    CHECK(p.at("DB_DATABASE") == "nb");
}

TEST_CASE("preflight env sources: Docker reads the container's env, SSH presets their files") {
    Node d;
    d.driver = DriverKind::Docker;
    auto ds = env_sources(d);
    REQUIRE(ds.size() == 1);
    CHECK(ds[0].argv == Argv{"env"});
    Node s;
    s.driver = DriverKind::Ssh;
    s.ssh.service.preset = "systemd";
    s.ssh.service.unit = "nocobase.service";
    s.ssh.service.app_dir = "/srv/nb";
    auto ss = env_sources(s);
    REQUIRE(ss.size() == 2);
    CHECK(ss[0].argv == Argv{"cat", "/srv/nb/.env"});
    CHECK(ss[1].format == EnvFormat::Systemd);
    CHECK(node_storage_dir(s) == "/srv/nb/storage");
    s.ssh.service = {};
    s.ssh.service.preset = "supervisord";
    CHECK(env_sources(s).empty());  // not checkable
}

TEST_CASE("preflight plans: upgrade and maintain carry preflight/cluster, strict as its param") {
    auto inv = testing::make_inventory(2);
    auto find = [](const Plan& p) -> const Step* {
        for (const auto& ph : p.phases)
            for (const auto& s : ph.steps)
                if (s.action == actions::kPreflightCluster) return &s;
        return nullptr;
    };
    auto up = plan::build_upgrade(inv, {.to = "2.2.16"});
    REQUIRE(up);
    REQUIRE(find(*up) != nullptr);
    CHECK(!find(*up)->params.contains("strict"));
    auto strict = plan::build_upgrade(inv, {.to = "2.2.16", .strict = true});
    REQUIRE(strict);
    CHECK(find(*strict)->params.at("strict") == "1");
    auto resumed = plan::build_workflow(inv, "upgrade", strict->args);
    REQUIRE(resumed);
    CHECK(find(*resumed)->params.at("strict") == "1");
    plan::MaintainArgs m;
    m.actions = {*plan::parse_maintain_action("enable:hello")};
    m.strict = true;
    auto mp = plan::build_maintain(inv, m);
    REQUIRE(mp);
    REQUIRE(find(*mp) != nullptr);
    CHECK(find(*mp)->params.at("strict") == "1");
}
