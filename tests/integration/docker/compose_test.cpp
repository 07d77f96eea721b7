// The SSH driver's docker-compose preset against the real docker-compose (Debian 12's 1.29, as
// `service.compose_command: [docker-compose]`) on the private dockerd, over the harness's sshd
// (tests/harness/docker-run.sh): start, status, stop, pull (registry with auth), upgrade by the tag in .env,
// rollback, logs. Every assertion about state goes through the Engine API or the node's own HTTP answer.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "drivers/ssh/ssh_driver.hpp"
#include "fixture.hpp"

using namespace ncbctl;
using namespace ncbtest;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr int kPort = 13166;

Deadline soon() {
    return Deadline::after(90s);
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string base64(const std::string& in) {  // standard alphabet, padded: a docker config's "auth"
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < in.size(); i += 3) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
        if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
        out += k[(v >> 18) & 63];
        out += k[(v >> 12) & 63];
        out += i + 1 < in.size() ? k[(v >> 6) & 63] : '=';
        out += i + 2 < in.size() ? k[v & 63] : '=';
    }
    return out;
}

// The compose project on the "host" (this machine, reached over ssh): one service `app` whose image tag is
// the .env's APP_TAG, and a docker config holding the test registry's credentials for `pull`.
struct Project {
    std::string dir = env("NCB_DOCKER_WORK") + "/compose project";
    std::string docker_config = env("NCB_DOCKER_WORK") + "/compose-docker-config";
    Project() {
        fs::create_directories(dir);
        fs::create_directories(docker_config);
        std::ofstream(dir + "/docker-compose.yml")
            << "version: \"2.4\"\n"
               "services:\n"
               "  app:\n"
               "    image: \""
            << repo() << ":${APP_TAG}\"\n"
            << "    network_mode: host\n"
               "    init: true\n"
               "    stop_grace_period: 5s\n"
               "    command: [sh, -c, \"echo served by compose; exec httpd -f -h /www "
               "-p 127.0.0.1:$$APP_PORT\"]\n"
               "    environment: [APP_PORT="
            << kPort << "]\n";
        std::ofstream(dir + "/.env") << "# the tag ncbctl edits\nAPP_TAG=1.0\nOTHER=kept\n";
        fs::permissions(dir + "/.env", fs::perms::owner_read | fs::perms::owner_write);
        const std::string registry = repo().substr(0, repo().find('/'));
        const std::string auth = base64("ncb:" + slurp(env("NCB_REGISTRY_PASS_FILE")));
        std::ofstream(docker_config + "/config.json")
            << R"({"auths":{")" << registry << R"(":{"auth":")" << auth << "\"}}}\n";
    }
};

Node compose_node(const Project& p) {
    Node n;
    n.name = "c1";
    n.url = "http://127.0.0.1:" + std::to_string(kPort);
    n.driver = DriverKind::Ssh;
    n.ssh.target.host = "127.0.0.1";
    n.ssh.target.port = std::stoi(env("NCB_SSH_PORT"));
    n.ssh.target.user = "root";
    n.ssh.target.identity_file = env("NCB_SSH_ID");
    n.ssh.target.known_hosts_file = env("NCB_SSH_KNOWN_HOSTS");
    auto& s = n.ssh.service;
    s.preset = "docker-compose";
    s.project_dir = p.dir;
    s.compose_service = "app";
    s.image_var = "APP_TAG";
    s.compose_command = {"docker-compose"};
    s.env = {{"DOCKER_HOST", "unix://" + sock()}, {"DOCKER_CONFIG", p.docker_config}};
    return n;
}

// The container compose made for the service (by its labels), or null.
Json service_container(Engine& e) {
    auto r = e.call("GET", "/containers/json?all=1&filters=" +
                               std::string("%7B%22label%22%3A%5B%22com.docker.compose.service%3Dapp%22%5D%7D"));
    REQUIRE(r.status == 200);
    Json list = Json::parse(r.body);
    return list.empty() ? Json() : list.front();
}

}  // namespace

TEST_CASE("docker-compose preset on the real docker-compose: start, status, stop, pull, upgrade, rollback, logs",
          "[compose]") {
    Engine e;
    Project p;
    Inventory inv;
    const Node n = compose_node(p);
    inv.nodes = {n};
    auto d = make_ssh_driver(n, inv);

    auto st = d->probe(soon());
    REQUIRE(st);
    INFO(st->detail);
    CHECK(st->reachable);
    CHECK(st->service == ServiceState::Stopped);  // no container yet
    CHECK(st->deployed_version == "1.0");         // the .env's tag

    REQUIRE(d->start(soon()));
    CHECK(served_version(kPort) == "1.0");
    Json c = service_container(e);
    REQUIRE_FALSE(c.is_null());
    CHECK(c["State"] == "running");
    CHECK(c["Image"] == repo() + ":1.0");
    CHECK(d->probe(soon())->service == ServiceState::Running);
    REQUIRE(d->start(soon()));  // already running is success

    auto logs = d->logs(20, soon());
    REQUIRE(logs);
    CHECK(logs->find("served by compose") != std::string::npos);  // the service's own output

    REQUIRE(d->stop(soon()));
    CHECK(service_container(e)["State"] == "exited");  // stopped, not removed: v1's `ps -q` would still list it
    CHECK(d->probe(soon())->service == ServiceState::Stopped);
    REQUIRE(d->stop(soon()));  // already stopped is success

    // prepare pulls the target tag from the registry (with the credentials of DOCKER_CONFIG), before the window.
    REQUIRE(e.call("GET", "/images/" + repo() + ":3.0/json").status == 404);
    REQUIRE(d->prepare("3.0", soon()));
    CHECK(e.call("GET", "/images/" + repo() + ":3.0/json").status == 200);
    CHECK(slurp(p.dir + "/.env").find("APP_TAG=1.0") != std::string::npos);  // a pull changes nothing deployed
    auto bad = d->prepare("9.9", soon());
    REQUIRE_FALSE(bad);  // not in the registry: the pull fails, named
    CHECK_FALSE(bad.error().message.empty());

    // upgrade: the tag in .env (mode and other lines kept), started on the new image by `up -d`.
    REQUIRE(d->upgrade("2.0", soon()));
    const std::string env_text = slurp(p.dir + "/.env");
    CHECK(env_text.find("APP_TAG=2.0") != std::string::npos);
    CHECK(env_text.find("OTHER=kept") != std::string::npos);
    CHECK((fs::status(p.dir + "/.env").permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(d->probe(soon())->deployed_version == "2.0");
    REQUIRE(d->start(soon()));
    CHECK(served_version(kPort) == "2.0");
    CHECK(service_container(e)["Image"] == repo() + ":2.0");

    // rollback: back to the previous tag, recreated on it at the next start.
    REQUIRE(d->stop(soon()));
    REQUIRE(d->rollback("1.0", soon()));
    REQUIRE(d->start(soon()));
    CHECK(served_version(kPort) == "1.0");
    CHECK(service_container(e)["Image"] == repo() + ":1.0");
    CHECK(d->probe(soon())->deployed_version == "1.0");

    auto bad_tag = d->upgrade("1.0;rm -rf /", soon());
    REQUIRE_FALSE(bad_tag);
    CHECK(bad_tag.error().code == ErrorCode::Usage);
    REQUIRE(d->stop(soon()));
}

TEST_CASE("docker-compose preset: a project dir or service that is not there fails, named", "[compose]") {
    Project p;
    Inventory inv;
    Node n = compose_node(p);
    n.ssh.service.project_dir = env("NCB_DOCKER_WORK") + "/no such project";
    inv.nodes = {n};
    auto d = make_ssh_driver(n, inv);
    auto st = d->start(soon());
    REQUIRE_FALSE(st);
    CHECK(st.error().message.find("no such project") != std::string::npos);

    n = compose_node(p);
    n.ssh.service.compose_service = "nope";
    inv.nodes = {n};
    auto d2 = make_ssh_driver(n, inv);
    auto probe = d2->probe(soon());
    REQUIRE(probe);  // a preflight error (node.probe refuses a missing service), not a stopped one
    CHECK(probe->service == ServiceState::Missing);
    CHECK(probe->detail == "the compose file in " + p.dir + " has no service nope");
    auto st2 = d2->start(soon());
    REQUIRE_FALSE(st2);
    CHECK(st2.error().code == ErrorCode::NotFound);
}

TEST_CASE("docker-compose preset: upgrade drops NocoBase's upgrade marker into storage_dir, rollback does not",
          "[compose]") {
    Project p;
    Inventory inv;
    Node n = compose_node(p);
    const std::string storage = env("NCB_DOCKER_WORK") + "/compose storage";
    fs::create_directories(storage);
    fs::remove(storage + "/.upgrading");
    n.ssh.service.storage_dir = storage;
    inv.nodes = {n};
    auto d = make_ssh_driver(n, inv);
    REQUIRE(d->upgrade("2.0", soon()));
    CHECK(fs::exists(storage + "/.upgrading"));  // the canary's next start runs NocoBase's upgrade
    fs::remove(storage + "/.upgrading");
    REQUIRE(d->rollback("1.0", soon()));
    CHECK_FALSE(fs::exists(storage + "/.upgrading"));
    CHECK(slurp(p.dir + "/.env").find("APP_TAG=1.0") != std::string::npos);
}
