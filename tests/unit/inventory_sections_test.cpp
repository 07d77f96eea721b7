// Positive tests: every section and key of the inventory lands in the model (good/full.yaml sets
// each key to a non-default value), and the defaults of a minimal inventory.
#include <catch2/catch.hpp>

#include "inventory_test_util.hpp"
#include "util/sha256.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;

namespace {

Inventory load_good(const std::string& name) {
    auto inv = load_inventory((test::source_dir() / "tests/data/inventory/good" / name).string());
    if (!inv) FAIL(test::joined(inv.error()));
    return *inv;
}

std::string good_dir() {
    return (test::source_dir() / "tests/data/inventory/good").string();
}

}  // namespace

TEST_CASE("minimal inventory gets the documented defaults", "[inventory][sections]") {
    const Inventory inv = load_good("minimal.yaml");
    CHECK(inv.cluster == "tiny");
    CHECK(inv.lb_url == "http://lb");
    CHECK(inv.auth.token.env == "NCB_TOKEN");
    CHECK(inv.auth.authenticator == "basic");
    CHECK(inv.api_tls.verify);
    REQUIRE(inv.nodes.size() == 1);
    const Node& n = inv.nodes[0];
    CHECK(n.driver == DriverKind::Docker);
    CHECK(n.docker.endpoint == "unix:///var/run/docker.sock");
    CHECK(n.docker.stop_timeout == 30s);
    CHECK(n.docker.previous_suffix == "-ncbctl-prev");
    CHECK(inv.canary == "only");
    CHECK(&inv.canary_node() == &inv.nodes[0]);
    CHECK(inv.traffic.driver == "none");
    CHECK(inv.traffic.retry_after == 120);
    CHECK(inv.backup.method == "api");
    CHECK(inv.backup.destination == "/var/backups/ncb");
    CHECK(inv.backup.in_window == "dump");
    CHECK(inv.checks.empty());
    CHECK(inv.timeouts.stop == 60s);
    CHECK(inv.timeouts.ready == 600s);
    CHECK(inv.timeouts.connect == 10s);
    CHECK(inv.timeouts.drain == 10s);
    CHECK(inv.hooks.commands.empty());
    CHECK(inv.lock.backend == "local");
    CHECK(inv.lock.stale_after == 120s);
}

TEST_CASE("content_hash is the SHA-256 of the file's bytes and source_path its name", "[inventory][sections]") {
    const auto path = test::source_dir() / "tests/data/inventory/good/minimal.yaml";
    const Inventory inv = load_good("minimal.yaml");
    CHECK(inv.content_hash == util::sha256_hex(test::read_text(path)));
    CHECK(inv.content_hash.size() == 64);
    CHECK(inv.source_path == path.string());
}

TEST_CASE("api section: token file, authenticator, tls", "[inventory][sections]") {
    const Inventory inv = load_good("full.yaml");
    CHECK(inv.cluster == "full");
    CHECK(inv.lb_url == "https://lb.example.com:8443/base");
    CHECK(inv.auth.token.env.empty());
    CHECK(inv.auth.token.file == good_dir() + "/secrets/token");  // relative to the inventory's directory
    CHECK(inv.auth.authenticator == "sso");
    CHECK_FALSE(inv.api_tls.verify);
    CHECK(inv.api_tls.ca_file == "/etc/ca.pem");
}

TEST_CASE("api section: account with a password reference", "[inventory][sections]") {
    auto inv = parse_inventory(R"(cluster: c
api: {lb_url: "http://lb", account: admin@example.com, password_env: NCB_PASSWORD}
nodes: [{name: a, url: "http://a", driver: docker, docker: {container: a, image: nocobase/nocobase}}]
backup: {method: api, destination: /b}
)",
                               "x.yaml");
    REQUIRE(inv);
    CHECK(inv->auth.account == "admin@example.com");
    CHECK(inv->auth.password.env == "NCB_PASSWORD");
    CHECK(inv->auth.token.empty());
}

TEST_CASE("docker nodes: tcp+TLS and ssh:// endpoints", "[inventory][sections]") {
    const Inventory inv = load_good("full.yaml");
    REQUIRE(inv.nodes.size() == 6);
    const Node& d1 = inv.nodes[0];
    CHECK(d1.name == "d1");
    CHECK(d1.url == "http://10.0.0.1:13000");
    CHECK(d1.tls.ca_file == good_dir() + "/ca/node.pem");
    CHECK(d1.labels == std::map<std::string, std::string>{{"zone", "a"}, {"empty", ""}});
    CHECK(d1.docker.endpoint == "tcp://10.0.0.1:2376");
    CHECK(d1.docker.tls.cert_file == "/d/cert.pem");
    CHECK(d1.docker.tls.key_file == "/d/key.pem");
    CHECK(d1.docker.tls.ca_file == "/d/ca.pem");
    CHECK(d1.docker.container == "ncb-d1");
    CHECK(d1.docker.image == "registry.example.com:5000/nocobase/nocobase");
    CHECK(d1.docker.registry_auth.env == "REG_AUTH");
    CHECK(d1.docker.stop_timeout == 120s);
    CHECK(d1.docker.previous_suffix == "-old");

    const Node& d2 = inv.nodes[1];
    CHECK(d2.docker.endpoint == "ssh://ops@10.0.0.2:2200");
    CHECK(d2.docker.ssh.host == "10.0.0.2");
    CHECK(d2.docker.ssh.user == "ops");
    CHECK(d2.docker.ssh.port == 2200);
    CHECK(d2.docker.ssh.identity_file == "/keys/id");
    CHECK(d2.docker.ssh.jump_host == "jump@bastion:22,gw");
    CHECK(d2.docker.ssh.host_key_checking == "accept-new");
    CHECK(d2.docker.ssh.known_hosts_file == "/keys/known_hosts");
    CHECK(d2.docker.ssh.options == std::vector<std::string>{"ServerAliveInterval=10", "Compression=yes"});
    CHECK(d2.docker.socket_path == "/run/user/1000/docker.sock");
    CHECK(d2.docker.ssh.config_file == "/keys/ssh_config");
    CHECK(d2.docker.upgrade_marker_dir == "/app/storage");
    CHECK(d1.docker.upgrade_marker_dir.empty());
}

TEST_CASE("ssh nodes: target and every service preset", "[inventory][sections]") {
    const Inventory inv = load_good("full.yaml");
    const Node& s1 = inv.nodes[2];
    CHECK(s1.driver == DriverKind::Ssh);
    CHECK(s1.ssh.target.host == "s1.example.com");
    CHECK(s1.ssh.target.port == 2022);
    CHECK(s1.ssh.target.user == "deploy");
    CHECK(s1.ssh.target.host_key_checking == "strict");
    const char* home = std::getenv("HOME");
    REQUIRE(home != nullptr);
    CHECK(s1.ssh.target.identity_file == std::string(home) + "/.ssh/id_s1");
    CHECK(s1.ssh.service.preset == "docker-compose");
    CHECK(s1.ssh.service.project_dir == "/srv/ncb");
    CHECK(s1.ssh.service.compose_service == "web");
    CHECK(s1.ssh.service.image_var == "NCB_TAG");
    CHECK(s1.ssh.service.compose_command == Argv{"docker-compose"});
    CHECK(s1.ssh.service.upgrade == Argv{"/usr/local/bin/upgrade-ncb", "{{version}}", "{{node}}"});

    const ServiceSpec& custom = inv.nodes[3].ssh.service;
    CHECK(inv.nodes[3].ssh.target.port == 22);
    CHECK(custom.preset == "custom");
    CHECK(custom.app_dir == "/opt/ncb");
    CHECK(custom.start == Argv{"/opt/ncb/bin/start", "{{node}}"});  // a string is split on blanks
    CHECK(custom.stop == Argv{"/opt/ncb/bin/stop"});
    CHECK(custom.status == Argv{"/opt/ncb/bin/status"});
    CHECK(custom.upgrade == Argv{"/opt/ncb/bin/upgrade", "--to={{version}}"});
    CHECK(custom.version == Argv{"cat", "/opt/ncb/VERSION"});
    CHECK(custom.env == std::map<std::string, std::string>{{"NODE_ENV", "production"}, {"EXTRA", ""}});

    const ServiceSpec& pm2 = inv.nodes[4].ssh.service;
    CHECK(pm2.preset == "pm2");
    CHECK(pm2.process == "ncb");
    CHECK(pm2.app_dir == "/opt/ncb");
    CHECK(pm2.start.empty());

    const ServiceSpec& sv = inv.nodes[5].ssh.service;
    CHECK(sv.preset == "supervisord");
    CHECK(sv.process == "ncb-s4");
    CHECK(sv.supervisor_config == "/etc/supervisor/ncb.conf");
    CHECK(sv.app_dir.empty());
}

TEST_CASE("systemd and supervisord presets", "[inventory][sections]") {
    auto inv = parse_inventory(R"(cluster: c
api: {lb_url: "http://lb", token_env: T}
nodes:
  - {name: a, url: "http://a", driver: ssh, ssh: {host: a}, service: {preset: systemd, unit: nocobase.service, app_dir: /opt/a}}
  - {name: b, url: "http://b", driver: ssh, ssh: {host: b}, service: {preset: supervisord, process: ncb-b, app_dir: /opt/b}}
backup: {method: api, destination: /b}
)",
                               "x.yaml");
    REQUIRE(inv);
    CHECK(inv->nodes[0].ssh.service.unit == "nocobase.service");
    CHECK(inv->nodes[1].ssh.service.preset == "supervisord");
    CHECK(inv->nodes[1].ssh.service.process == "ncb-b");
}

TEST_CASE("canary, traffic (nginx) and bypass", "[inventory][sections]") {
    const Inventory inv = load_good("full.yaml");
    CHECK(inv.canary == "s1");
    CHECK(inv.canary_node().name == "s1");
    const TrafficSpec& t = inv.traffic;
    CHECK(t.driver == "nginx");
    CHECK(t.via_node == "s2");
    CHECK(t.retry_after == 60);
    CHECK(t.maintenance_page == good_dir() + "/pages/503.html");
    REQUIRE(t.bypass);
    CHECK(t.bypass->header == "X-Ncbctl-Bypass");
    CHECK(t.bypass->secret.file == "/etc/bypass");
    CHECK(t.bypass->source == "10.0.0.0/8");
    CHECK(t.bypass->haproxy_backend == "be_bypass");
    CHECK(t.maintenance_listen == "unix:/run/ncbctl-503.sock");
    CHECK(t.include_file == "/etc/nginx/ncbctl/mode.conf");
    CHECK(t.upstream == "ncb_up");
    CHECK(t.test_command == Argv{"/usr/sbin/nginx", "-t", "-q"});
    CHECK(t.reload_command == Argv{"/usr/sbin/nginx", "-s", "reload"});
    CHECK(t.upstreams.size() == 6);
    CHECK(t.upstreams.at("s3") == "[::1]:13000");
}

TEST_CASE("traffic drivers haproxy and command", "[inventory][sections]") {
    auto inv = parse_inventory(R"(cluster: c
api: {lb_url: "http://lb", token_env: T}
nodes: [{name: a, url: "http://a", driver: docker, docker: {container: a, image: nocobase/nocobase}}]
traffic: {driver: haproxy, haproxy: {socket: /run/haproxy.sock, backend: be, servers: {a: srv_a}}}
backup: {method: api, destination: /b}
)",
                               "x.yaml");
    REQUIRE(inv);
    CHECK(inv->traffic.socket == "/run/haproxy.sock");
    CHECK(inv->traffic.backend == "be");
    CHECK(inv->traffic.servers == std::map<std::string, std::string>{{"a", "srv_a"}});

    auto cmd = parse_inventory(R"(cluster: c
api: {lb_url: "http://lb", token_env: T}
nodes: [{name: a, url: "http://a", driver: docker, docker: {container: a, image: nocobase/nocobase}}]
traffic:
  driver: command
  command: {maintenance: lb down, live: [lb, up], pin: [lb, pin, "{{node}}"], status: lb status}
backup: {method: api, destination: /b}
)",
                               "x.yaml");
    REQUIRE(cmd);
    CHECK(cmd->traffic.cmd_maintenance == Argv{"lb", "down"});
    CHECK(cmd->traffic.cmd_live == Argv{"lb", "up"});
    CHECK(cmd->traffic.cmd_pin == Argv{"lb", "pin", "{{node}}"});
    CHECK(cmd->traffic.cmd_status == Argv{"lb", "status"});
}

TEST_CASE("database and backup sections", "[inventory][sections]") {
    const Inventory inv = load_good("full.yaml");
    const DatabaseSpec& db = inv.database;
    CHECK(db.dialect == "mysql");
    CHECK(db.port == 3306);  // the dialect's default
    CHECK(db.host == "db.example.com");
    CHECK(db.name == "ncb");
    CHECK(db.user == "ncb_user");
    CHECK(db.password.file == "/etc/db-pass");
    CHECK(db.run_on == "node:s2");
    CHECK(db.dump_command == "/usr/bin/mysqldump");
    CHECK(db.restore_command == "/usr/bin/mysql");
    const BackupSpec& b = inv.backup;
    CHECK(b.method == "database");
    CHECK(b.destination == good_dir() + "/backups");
    CHECK(b.storage_path == "/srv/ncb/storage");
    CHECK(b.retention.keep_last == 2);
    CHECK(b.retention.keep_daily == 3);
    CHECK(b.retention.keep_weekly == 4);
    CHECK(b.ping_start == std::vector<std::string>{"https://ping.example.com/s"});
    CHECK(b.ping_success.size() == 2);
    CHECK(b.ping_failure == std::vector<std::string>{"https://ping.example.com/fail"});
}

TEST_CASE("backup.in_window: clone on PostgreSQL", "[inventory][sections][clone]") {
    auto with_backup = [](const std::string& extra) {
        return parse_inventory(
            "cluster: c\napi: {lb_url: http://lb, token_env: T}\n"
            "nodes:\n  - {name: a, url: \"http://a:13000\", driver: docker, docker: {container: a, "
            "image: nocobase/nocobase}}\n"
            "database: {name: nocobase, user: nocobase}\n"
            "backup: {method: database, destination: /b, in_window: clone" +
                extra + "}\n",
            "clone.yaml");
    };
    auto inv = with_backup("");
    if (!inv) FAIL(test::joined(inv.error()));
    CHECK(inv->backup.in_window == "clone");
    CHECK(inv->backup.clone_strategy == "file_copy");
    CHECK(inv->database.dialect == "postgres");

    auto wal = with_backup(", clone_strategy: wal_log");
    if (!wal) FAIL(test::joined(wal.error()));
    CHECK(wal->backup.clone_strategy == "wal_log");

    auto bad = with_backup(", clone_strategy: copy");
    REQUIRE_FALSE(bad);
    CHECK(test::joined(bad.error()).find("clone_strategy") != std::string::npos);
}

TEST_CASE("checks: http, plugins_enabled, command", "[inventory][sections]") {
    const Inventory inv = load_good("full.yaml");
    REQUIRE(inv.checks.size() == 4);
    const Check& info = inv.checks[0];
    CHECK(info.name == "info");
    REQUIRE(info.http);
    CHECK(info.http->path == "/api/app:getInfo");
    CHECK(info.http->status == 200);
    CHECK(info.http->json_pointer == "/data/version");
    CHECK(info.http->equals == "{{version}}");
    CHECK(info.http->through_lb);
    CHECK(inv.checks[1].name == "plugins enabled");
    CHECK(inv.checks[1].plugins_enabled == std::vector<std::string>{"acl", "@nocobase/plugin-workflow"});
    REQUIRE(inv.checks[2].command);
    CHECK(inv.checks[2].command->node == "s3");
    CHECK(inv.checks[2].command->argv == Argv{"df", "-h", "/opt/ncb"});
    REQUIRE(inv.checks[3].command);
    CHECK(inv.checks[3].command->node.empty());
    CHECK(inv.checks[3].name == "command");
}

TEST_CASE("timeouts, hooks and lock", "[inventory][sections]") {
    const Inventory inv = load_good("full.yaml");
    CHECK(inv.timeouts.stop == 60s);
    CHECK(inv.timeouts.start == 120s);
    CHECK(inv.timeouts.ready == 180s);
    CHECK(inv.timeouts.backup == 4h);
    CHECK(inv.timeouts.upgrade == 300s);
    CHECK(inv.timeouts.command == 360s);
    CHECK(inv.timeouts.connect == 7s);  // a plain number is seconds
    CHECK(inv.timeouts.drain == 0s);    // draining off
    const auto& h = inv.hooks.commands;
    CHECK(h.size() == 7);
    REQUIRE(h.contains("pre_upgrade"));
    CHECK(h.at("pre_upgrade") == std::vector<Argv>{{"echo", "{{cluster}}", "{{version}}"}, {"logger", "upgrade"}});
    CHECK(h.at("on_failure") == std::vector<Argv>{{"notify-failure"}});
    CHECK(inv.lock.backend == "node");
    CHECK(inv.lock.node == "s3");
    CHECK(inv.lock.dir == "/var/lock/ncb");
    CHECK(inv.lock.stale_after == 600s);
}

TEST_CASE("a node lock without a node defaults to the first node", "[inventory][sections]") {
    auto inv = parse_inventory(R"(cluster: c
api: {lb_url: "http://lb", token_env: T}
nodes: [{name: a, url: "http://a", driver: docker, docker: {container: a, image: nocobase/nocobase}}]
backup: {method: api, destination: /b}
lock: {backend: node}
)",
                               "x.yaml");
    REQUIRE(inv);
    CHECK(inv->lock.node == "a");
}

TEST_CASE("durations accept compound units", "[inventory][sections]") {
    auto inv = parse_inventory(R"(cluster: c
api: {lb_url: "http://lb", token_env: T}
nodes: [{name: a, url: "http://a", driver: docker, docker: {container: a, image: nocobase/nocobase}}]
backup: {method: api, destination: /b}
timeouts: {stop: 1h30m, start: 1d, ready: "45"}
)",
                               "x.yaml");
    REQUIRE(inv);
    CHECK(inv->timeouts.stop == 5400s);
    CHECK(inv->timeouts.start == 86400s);
    CHECK(inv->timeouts.ready == 45s);
}

TEST_CASE("top-level x- keys hold anchors that nodes alias", "[inventory][sections]") {
    auto inv = parse_inventory(R"(cluster: c
x-ssh: &ssh {host: 10.0.0.5, port: 2222, user: deploy}
api: {lb_url: "http://lb", token_env: T}
nodes:
  - {name: a, url: "http://a", driver: ssh, ssh: *ssh, service: {preset: systemd, unit: nocobase}}
  - {name: b, url: "http://b", driver: ssh, ssh: *ssh, service: {preset: systemd, unit: nocobase}}
backup: {method: api, destination: /b}
)",
                               "x.yaml");
    REQUIRE(inv);
    CHECK(inv->nodes[1].ssh.target.host == "10.0.0.5");
    CHECK(inv->nodes[1].ssh.target.port == 2222);
    CHECK(inv->nodes[1].ssh.target.user == "deploy");
}
