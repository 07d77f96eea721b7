#include <catch2/catch.hpp>
#include <future>
#include <set>

#include "drivers/ssh/ssh_driver.hpp"
#include "net/process.hpp"
#include "support.hpp"

using namespace ncbctl;
using namespace ssh_it;
using namespace std::chrono_literals;

namespace {

// The custom preset over DIR/ctl.sh: busybox httpd on `port`, state in `dir`.
ServiceSpec ctl_service(const std::string& dir, int port) {
    ServiceSpec s;
    s.preset = "custom";
    auto with = [&](const std::string& action) {
        return Argv{E("CTL"), action, dir, std::to_string(port), "{{node}}"};
    };
    s.start = with("start");
    s.stop = with("stop");
    s.status = with("status");
    s.upgrade = with("upgrade");
    s.upgrade.push_back("{{version}}");
    s.version = with("version");
    return s;
}

long read_pid(const std::string& file) {
    std::ifstream in(file);
    long p = -1;
    in >> p;
    return p;
}

Result<NodeState> probe(NodeDriver& d) {
    return d.probe(Deadline::after(20s));
}

}  // namespace

TEST_CASE("custom preset: real busybox httpd, idempotent stop/start, hostile node and version", "[ssh][driver]") {
    const std::string state = E("DIR") + "/app-lo";
    auto inv = inventory();
    const std::string node_name = "app " + hostile();
    auto drv = make_ssh_driver(ssh_node(node_name, lo_target(), ctl_service(state, 2250)), inv);
    CHECK(drv->node_name() == node_name);

    auto p0 = probe(*drv);
    REQUIRE(p0);
    CHECK(p0->reachable);
    CHECK(p0->service == ServiceState::Stopped);
    REQUIRE(drv->stop(Deadline::after(20s)));  // already stopped: success

    REQUIRE(drv->start(Deadline::after(20s)));
    const long pid = read_pid(state + "/pid");
    CHECK(pid_alive(pid));
    CHECK(port_open("127.0.0.1", 2250));
    CHECK(slurp(state + "/node") == node_name);  // {{node}} arrived as one verbatim argument
    REQUIRE(drv->start(Deadline::after(20s)));   // already running: same process
    CHECK(read_pid(state + "/pid") == pid);
    CHECK(probe(*drv)->service == ServiceState::Running);

    const std::string version = "2.2.16 " + hostile();
    REQUIRE(drv->upgrade(version, Deadline::after(20s)));
    auto p1 = probe(*drv);
    REQUIRE(p1);
    CHECK(p1->deployed_version == version);
    REQUIRE(drv->rollback("2.2.15", Deadline::after(20s)));
    CHECK(probe(*drv)->deployed_version == "2.2.15");
    REQUIRE(drv->prepare("2.2.16", Deadline::after(20s)));  // nothing to stage: success

    REQUIRE(drv->stop(Deadline::after(20s)));
    CHECK_FALSE(pid_alive(pid));
    CHECK_FALSE(port_open("127.0.0.1", 2250));
    CHECK(probe(*drv)->service == ServiceState::Stopped);

    auto ex = drv->exec({"sh", "-c", "echo \"$1\"; exit 3", "sh", hostile()}, Deadline::after(10s));
    REQUIRE(ex);
    CHECK(ex->exit_code == 3);
    CHECK(ex->out == hostile() + "\n");
    CHECK_FALSE(injected());
}

TEST_CASE("custom preset: a failing command is a Remote error naming the node", "[ssh][driver]") {
    auto s = ctl_service(E("DIR") + "/app-fail", 2253);
    s.start = {"sh", "-c", "echo cannot bind >&2; exit 5"};
    auto inv = inventory();
    auto drv = make_ssh_driver(ssh_node("fail1", lo_target(), s), inv);
    auto r = drv->start(Deadline::after(20s));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Remote);
    CHECK_FALSE(r.error().transient);
    CHECK(r.error().message.find("node fail1") != std::string::npos);
    CHECK(r.error().message.find("cannot bind") != std::string::npos);
    CHECK(r.error().message.find('\n') == std::string::npos);

    auto bad = s;
    bad.preset = "upstart";
    auto r2 = make_ssh_driver(ssh_node("fail2", lo_target(), bad), inv)->start(Deadline::after(5s));
    REQUIRE_FALSE(r2);
    CHECK(r2.error().code == ErrorCode::Inventory);
}

TEST_CASE("supervisord preset: real program started and stopped", "[ssh][driver]") {
    ServiceSpec s;
    s.preset = "supervisord";
    s.process = "ncb-sv-app";
    s.supervisor_config = E("SV_CONF");
    auto inv = inventory();
    auto drv = make_ssh_driver(ssh_node("sv1", lo_target(), s), inv);
    const std::vector<std::string> sc{"supervisorctl", "-c", E("SV_CONF")};
    auto sv_pid = [&] {
        Argv a = sc;
        a.insert(a.end(), {"pid", "ncb-sv-app"});
        auto r = net::run_process({.argv = a}, Deadline::after(10s));
        return r ? std::atol(r->out.c_str()) : -1L;
    };

    REQUIRE(probe(*drv)->service == ServiceState::Stopped);
    REQUIRE(drv->stop(Deadline::after(20s)));
    REQUIRE(drv->start(Deadline::after(30s)));
    const long pid = sv_pid();
    CHECK(pid_alive(pid));
    CHECK(port_open("127.0.0.1", 2251));
    REQUIRE(drv->start(Deadline::after(30s)));
    CHECK(sv_pid() == pid);
    // Its log, through `supervisorctl tail` over SSH: httpd -v logs one line per request.
    http_get("http://127.0.0.1:2251/no-such-page");
    http_get("http://127.0.0.1:2251/");
    CHECK(eventually([&] {
        auto text = drv->logs(2, Deadline::after(10s));
        if (!text) return false;
        const auto nl = text->find('\n');
        return nl != std::string::npos && text->substr(0, nl).ends_with("response:404") &&
               text->ends_with("response:200");
    }));
    REQUIRE(drv->stop(Deadline::after(30s)));
    CHECK(eventually([&] { return !pid_alive(pid); }));
    CHECK_FALSE(port_open("127.0.0.1", 2251));
    CHECK(probe(*drv)->service == ServiceState::Stopped);

    auto up = drv->upgrade("2.2.16", Deadline::after(5s));  // no upgrade command configured
    REQUIRE_FALSE(up);
    CHECK(up.error().code == ErrorCode::Unsupported);

    s.process = "no-such-program";
    auto missing = make_ssh_driver(ssh_node("sv2", lo_target(), s), inv);
    CHECK(probe(*missing)->service == ServiceState::Missing);
    auto r = missing->start(Deadline::after(10s));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::NotFound);
    // The stop runs without a status first: its failure is what asks, and a missing program stays NotFound.
    auto st = missing->stop(Deadline::after(10s));
    REQUIRE_FALSE(st);
    CHECK(st.error().code == ErrorCode::NotFound);
}

TEST_CASE("pm2 preset: real pm2 process started and stopped", "[ssh][driver]") {
    ServiceSpec s;
    s.preset = "pm2";
    s.process = "ncb-pm2-app";
    s.env = {{"PM2_HOME", E("PM2_HOME")}, {"PATH", E("PM2_BIN") + ":/usr/local/bin:/usr/bin:/bin"}};
    auto inv = inventory();
    auto drv = make_ssh_driver(ssh_node("pm2a", lo_target(), s), inv);

    REQUIRE(probe(*drv)->service == ServiceState::Stopped);
    REQUIRE(drv->stop(Deadline::after(20s)));
    REQUIRE(drv->start(Deadline::after(30s)));
    CHECK(eventually([] { return port_open("127.0.0.1", 2252); }));
    REQUIRE(drv->start(Deadline::after(30s)));
    // `pm2 logs --nostream --raw` over SSH: httpd -v logs the request (to pm2's error log).
    http_get("http://127.0.0.1:2252/no-such-page");
    CHECK(eventually([&] {
        auto text = drv->logs(5, Deadline::after(10s));
        return text && text->find("response:404") != std::string::npos;
    }));
    REQUIRE(drv->stop(Deadline::after(30s)));
    CHECK(eventually([] { return !port_open("127.0.0.1", 2252); }));
    CHECK(probe(*drv)->service == ServiceState::Stopped);
}

TEST_CASE("fan-out across namespace hosts in parallel", "[ssh][driver][netns]") {
    const auto hosts = ns_hosts();
    REQUIRE(hosts.size() >= 2);
    auto inv = inventory();
    std::vector<NodeDriverPtr> drivers;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        auto t = lo_target();
        t.host = hosts[i];
        t.port = 22;
        drivers.push_back(
            make_ssh_driver(ssh_node("ns" + std::to_string(i + 1), t, ctl_service("/srv/app", 2250)), inv));
    }
    auto all = [&](auto op) {
        std::vector<std::future<Status>> fs;
        for (auto& d : drivers) fs.push_back(std::async(std::launch::async, [&d, op] { return op(*d); }));
        bool ok = true;
        for (auto& f : fs) {
            auto r = f.get();
            if (!r) UNSCOPED_INFO(r.error().message);
            ok = ok && r.has_value();
        }
        return ok;
    };
    REQUIRE(all([](NodeDriver& d) { return d.start(Deadline::after(30s)); }));
    std::set<std::string> names;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        CHECK(port_open(hosts[i], 2250));
        auto h = drivers[i]->exec({"hostname"}, Deadline::after(10s));
        REQUIRE(h);
        names.insert(h->out);
    }
    CHECK(names.size() == hosts.size());  // each node is its own host
    REQUIRE(all([](NodeDriver& d) { return d.upgrade("2.2.16", Deadline::after(30s)); }));
    for (auto& d : drivers) CHECK(probe(*d)->deployed_version == "2.2.16");
    REQUIRE(all([](NodeDriver& d) { return d.stop(Deadline::after(30s)); }));
    for (const auto& h : hosts) CHECK_FALSE(port_open(h, 2250));
}

TEST_CASE("docker-compose preset: upgrade and rollback rewrite the tag in .env only", "[ssh][driver]") {
    const std::string dir = E("DIR") + "/compose project";
    std::filesystem::create_directories(dir);
    const std::string env_file = dir + "/.env";
    std::ofstream(env_file) << "# secrets stay\nDB_PASSWORD=s3cr3t\nNOCOBASE_TAG=2.2.15\nAPP_PORT=13000\n";
    std::filesystem::permissions(env_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    ServiceSpec s;
    s.preset = "docker-compose";
    s.project_dir = dir;
    s.compose_service = "app";
    s.image_var = "NOCOBASE_TAG";
    auto inv = inventory();
    auto drv = make_ssh_driver(ssh_node("compose1", lo_target(), s), inv);

    REQUIRE(drv->upgrade("2.2.16-full", Deadline::after(20s)));
    CHECK(slurp(env_file) == "# secrets stay\nDB_PASSWORD=s3cr3t\nNOCOBASE_TAG=2.2.16-full\nAPP_PORT=13000\n");
    CHECK((std::filesystem::status(env_file).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    auto bad = drv->upgrade("2.2.16\nEVIL=1", Deadline::after(20s));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == ErrorCode::Usage);
    REQUIRE(drv->rollback("2.2.15", Deadline::after(20s)));
    CHECK(slurp(env_file).find("NOCOBASE_TAG=2.2.15\n") != std::string::npos);
    CHECK(slurp(env_file).find("EVIL") == std::string::npos);
}
