// The cluster preflight's environment readers for the supervisord and pm2 presets (docs/preflight.md "Where
// the environment is read"), on recorded file contents and command answers.
#include <catch2/catch.hpp>

#include "fakes/app_client.hpp"
#include "fakes/engine.hpp"
#include "fakes/node_stub.hpp"
#include "workflow/cluster_facts.hpp"
#include "workflow/cluster_preflight.hpp"
#include "workflow/cluster_status.hpp"

using namespace ncbctl;
using namespace ncbctl::workflow;

TEST_CASE("supervisord environment value: commas, quotes, escapes and percent signs") {
    auto e = parse_supervisor_environment(
        R"(APP_KEY="k,1 with spaces",DB_HOST=pg.internal, DB_PORT=5432,REDIS_URL='redis://:p%%w@r:6379/0')");
    CHECK(e.at("APP_KEY") == "k,1 with spaces");
    CHECK(e.at("DB_HOST") == "pg.internal");
    CHECK(e.at("DB_PORT") == "5432");
    CHECK(e.at("REDIS_URL") == "redis://:p%w@r:6379/0");
    auto esc = parse_supervisor_environment(R"(A="say \"hi\"",B=x\,y,C=100%%,D=%(ENV_HOME)s)");
    CHECK(esc.at("A") == "say \"hi\"");
    CHECK(esc.at("B") == "x,y");
    CHECK(esc.at("C") == "100%");
    CHECK(esc.at("D") == "%(ENV_HOME)s");  // supervisord's own expansion: kept as written
    CHECK(parse_supervisor_environment("").empty());
    CHECK(parse_supervisor_environment("NOEQUALS,=x").empty());
}

TEST_CASE("supervisord config: the program's environment over the daemon's, continuation lines, comments") {
    const std::string conf =
        "[supervisord]\n"
        "environment=APP_KEY=\"global\",TZ=UTC\n"
        "logfile=/var/log/supervisor/supervisord.log\n"
        "\n"
        "[program:nb-other]\n"
        "environment=APP_KEY=\"other\"\n"
        "\n"
        "; a comment\n"
        "[program:nb-app1]\n"
        "command=/srv/nb/bin/start\n"
        "Environment = APP_KEY=\"k1\",\n"
        "    DB_DATABASE=nocobase,   ; the app database\n"
        "    DB_HOST=\"10.0.0.5\"\n"
        "autostart=true\n";
    auto e = parse_supervisord_config(conf, "nb-app1");
    CHECK(e.at("APP_KEY") == "k1");
    CHECK(e.at("TZ") == "UTC");
    CHECK(e.at("DB_DATABASE") == "nocobase");
    CHECK(e.at("DB_HOST") == "10.0.0.5");
    CHECK(!e.contains("command"));
    auto other = parse_supervisord_config(conf, "nb-other");
    CHECK(other.at("APP_KEY") == "other");
    auto none = parse_supervisord_config(conf, "nb-missing");
    CHECK(none.at("APP_KEY") == "global");  // only the daemon's
    CHECK(parse_supervisord_config("[program:x]\ncommand=y\n", "x").empty());
}

TEST_CASE("pm2 jlist env: the process's env object, pm2_env's own copies, other processes ignored") {
    const std::string jlist = R"(notice: pm2 updated
[{"name":"other","pm2_env":{"env":{"APP_KEY":"not-this"}}},
 {"name":"nb","pm2_env":{"status":"online","APP_AES_SECRET_KEY":"aes","instances":1,
   "env":{"APP_KEY":"k1","DB_HOST":"pg","PORT":13000,"PM2_HOME":"/root/.pm2"}}}])";
    auto e = parse_pm2_jlist_env(jlist, "nb");
    CHECK(e.at("APP_KEY") == "k1");
    CHECK(e.at("DB_HOST") == "pg");
    CHECK(e.at("APP_AES_SECRET_KEY") == "aes");
    CHECK(!e.contains("PORT"));    // not a string
    CHECK(!e.contains("status"));  // pm2's own field, not a cluster variable
    CHECK(parse_pm2_jlist_env(jlist, "missing").empty());
    CHECK(parse_pm2_jlist_env("[PM2] Spawning PM2 daemon", "nb").empty());
    CHECK(parse_pm2_jlist_env("not json [", "nb").empty());
}

TEST_CASE("env sources: supervisord and pm2 presets read their own environment, service.env on the read") {
    Node s;
    s.driver = DriverKind::Ssh;
    s.ssh.service.preset = "supervisord";
    s.ssh.service.process = "nb-app1";
    s.ssh.service.supervisor_config = "/etc/nb/supervisord.conf";
    auto sv = env_sources(s);
    REQUIRE(sv.size() == 1);
    CHECK(sv[0].format == EnvFormat::Supervisord);
    CHECK(sv[0].argv.front() == "sh");
    CHECK(sv[0].argv.back() == "/etc/nb/supervisord.conf");
    CHECK(parse_env_source(sv[0], "[program:nb-app1]\nenvironment=APP_KEY=x\n").at("APP_KEY") == "x");
    s.ssh.service.preset = "pm2";
    s.ssh.service.env = {{"PM2_HOME", "/srv/pm2"}};
    auto pm = env_sources(s);
    REQUIRE(pm.size() == 1);
    CHECK(pm[0].argv == Argv{"env", "PM2_HOME=/srv/pm2", "pm2", "jlist"});
    CHECK(parse_env_source(pm[0], R"([{"name":"nb-app1","pm2_env":{"env":{"APP_KEY":"y"}}}])").at("APP_KEY") == "y");
    s.ssh.service.preset = "custom";
    CHECK(env_sources(s).empty());
}

TEST_CASE("node Redis URL: password, user, IPv6, database, default port, and what cannot be pinged") {
    auto a = parse_node_redis_url("redis://:p%40ss@redis.internal:6380/2?family=4");
    REQUIRE(a);
    CHECK(a->host == "redis.internal");
    CHECK(a->port == 6380);
    CHECK(a->db == 2);
    CHECK(a->user.empty());
    CHECK(a->password == "p@ss");
    auto u = parse_node_redis_url("redis://nb:pw@[::1]/0");
    REQUIRE(u);
    CHECK(u->host == "::1");
    CHECK(u->port == 6379);
    CHECK(u->user == "nb");
    CHECK(u->password == "pw");
    CHECK(parse_node_redis_url("redis://localhost")->host == "localhost");
    CHECK(!parse_node_redis_url("rediss://r:6379"));
    CHECK(!parse_node_redis_url("/run/redis.sock"));
    CHECK(!parse_node_redis_url("redis://r:notaport"));
    CHECK(!parse_node_redis_url("redis://r:6379/db"));
    CHECK(is_loopback_host("127.0.0.1"));
    CHECK(is_loopback_host("localhost"));
    CHECK(is_loopback_host("::1"));
    CHECK(!is_loopback_host("10.0.0.1"));
    Node local;
    local.driver = DriverKind::Ssh;
    local.ssh.target.host = "127.0.0.1";
    CHECK(node_on_this_machine(local));
    local.ssh.target.jump_host = "bastion";
    CHECK(!node_on_this_machine(local));
    Node docker;  // a container's loopback is its own
    CHECK(!node_on_this_machine(docker));
}

TEST_CASE("preflight pings each distinct Redis URL once, through the port, and never shows it") {
    auto inv = testing::make_inventory(3);
    const std::string shared =
        "REDIS_URL=redis://:s3cret@redis.example:6379/0\n"
        "CACHE_REDIS_URL=redis://:s3cret@redis.example:6379/0\n";
    const std::map<std::string, std::string> envs = {
        {"app1", shared}, {"app2", shared}, {"app3", "REDIS_URL=redis://:s3cret@127.0.0.1:6379\n"}};
    std::vector<RedisAddress> pinged;
    ClusterPorts p;
    p.node_driver = [&envs](const Node& n) -> Result<NodeDriverPtr> {
        return std::make_unique<testing::NodeStub>(n.name, envs.at(n.name));
    };
    Status answer = fail(ErrorCode::Unreachable, "Redis: cannot connect: Connection refused");
    p.redis_ping = [&pinged, &answer](const RedisAddress& a, const Deadline&) {
        pinged.push_back(a);
        return answer;
    };
    auto r = run_cluster_preflight(inv, p, false, Deadline::after(std::chrono::seconds(10)));
    REQUIRE(pinged.size() == 1);  // one distinct URL; app3's loopback is its container's, not pinged
    CHECK(pinged[0].host == "redis.example");
    CHECK(pinged[0].password == "s3cret");
    CHECK_FALSE(r.ok);
    std::vector<std::string> redis_lines;
    for (std::size_t i = 0; i < r.lines.size(); ++i) {
        CHECK(r.lines[i].find("s3cret") == std::string::npos);
        CHECK(r.lines[i].find("redis.example") == std::string::npos);
        if (r.details[i].at("finding") == "redis") redis_lines.push_back(r.lines[i]);
    }
    REQUIRE(redis_lines.size() == 3);
    CHECK(redis_lines[0].starts_with("error [redis] nodes app1, app2: the Redis in CACHE_REDIS_URL"));
    CHECK(redis_lines[1].starts_with("error [redis] nodes app1, app2: the Redis in REDIS_URL"));
    CHECK(redis_lines[1].find("Connection refused") != std::string::npos);
    CHECK(redis_lines[2].starts_with("info [redis] node app3: REDIS_URL is not checkable from here"));

    // A PONG: no redis finding but app3's info; a timeout: a warning; a name that does not resolve here: info.
    pinged.clear();
    answer = {};
    auto ok = run_cluster_preflight(inv, p, false, Deadline::after(std::chrono::seconds(10)));
    auto count = [](const PreflightReport& rep, const std::string& sev) {
        std::size_t n = 0;
        for (const auto& d : rep.details) n += d.at("finding") == "redis" && d.at("severity") == sev;
        return n;
    };
    CHECK(count(ok, "error") == 0);
    CHECK(count(ok, "info") == 1);
    answer = fail(ErrorCode::Timeout, "Redis: cannot connect: Connection timed out");
    auto slow = run_cluster_preflight(inv, p, false, Deadline::after(std::chrono::seconds(10)));
    CHECK(count(slow, "error") == 0);
    CHECK(count(slow, "warning") == 2);
    answer = fail(ErrorCode::NotFound, "its host name does not resolve on this machine");
    auto elsewhere = run_cluster_preflight(inv, p, false, Deadline::after(std::chrono::seconds(10)));
    CHECK(count(elsewhere, "error") == 0);
    CHECK(count(elsewhere, "info") == 3);
    // Without the port (a build or test with no Redis client): not checkable, never an error.
    p.redis_ping = nullptr;
    auto none = run_cluster_preflight(inv, p, false, Deadline::after(std::chrono::seconds(10)));
    CHECK(count(none, "error") == 0);
}

TEST_CASE("status deep: the cluster checks after the status, only when asked") {
    auto inv = testing::make_inventory(2);
    testing::TempDir state;
    ClusterPorts p;
    p.node_driver = [](const Node& n) -> Result<NodeDriverPtr> {
        return std::make_unique<testing::NodeStub>(n.name, "APP_KEY=key-of-" + n.name + "\n");
    };
    p.node_app = [](const Node&) -> Result<std::unique_ptr<AppClient>> {
        return std::unique_ptr<AppClient>(std::make_unique<testing::StubApp>());
    };
    p.traffic = []() -> Result<std::unique_ptr<TrafficSwitch>> { return fail(ErrorCode::Unsupported, "no LB"); };
    const LockPort lock = fail(ErrorCode::Unsupported, "no lock here");
    const auto soon = Deadline::after(std::chrono::seconds(10));
    auto plain = collect_status(inv, p, lock, state.path, soon);
    CHECK_FALSE(plain.checks);
    auto deep = collect_status(inv, p, lock, state.path, soon, true, soon);
    REQUIRE(deep.checks);
    CHECK_FALSE(deep.checks->ok);
    REQUIRE(!deep.checks->lines.empty());
    CHECK(deep.checks->lines.front().starts_with("error [secrets] nodes app1, app2: APP_KEY differs"));
    for (const auto& l : deep.checks->lines) CHECK(l.find("key-of-") == std::string::npos);
    CHECK(deep.nodes.size() == 2);  // the status itself is still there
}
