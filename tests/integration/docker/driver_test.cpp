// The Docker node driver against a real dockerd with busybox images (tests/harness/docker-run.sh).
// Every assertion about state goes through a separate Engine API client, not through the driver.
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "fixture.hpp"
#include "net/http.hpp"

using namespace ncbctl;
using namespace ncbtest;
using namespace std::chrono_literals;

namespace {

Deadline soon() {
    return Deadline::after(60s);
}

Json body(const std::string& tag, int port, Json extra = Json::object()) {
    Json b = {{"Image", repo() + ":" + tag},
              {"Env", {"APP_PORT=" + std::to_string(port)}},
              {"HostConfig", {{"NetworkMode", "host"}, {"Init", true}}}};
    for (auto it = extra.begin(); it != extra.end(); ++it) b[it.key()] = it.value();
    return b;
}

bool has(const Json& arr, const std::string& v) {
    return std::find(arr.begin(), arr.end(), Json(v)) != arr.end();
}

std::string status_of(Engine& e, const std::string& name) {
    Json c = e.inspect(name);
    return c.is_null() ? "absent" : c["State"]["Status"].get<std::string>();
}

std::string work() {
    return env("NCB_DOCKER_WORK");
}

}  // namespace

TEST_CASE("probe, start, exec and stop a real container", "[busybox]") {
    Engine e;
    e.create("ncbt-basic", body("1.0", 13161));
    auto d = driver(node("ncbt-basic"));

    auto st = d->probe(soon());
    REQUIRE(st);
    CHECK(st->reachable);
    CHECK(st->service == ServiceState::Stopped);
    CHECK(st->deployed_version == "1.0");

    REQUIRE(d->start(soon()));
    REQUIRE(d->start(soon()));  // 304: already running is success
    CHECK(status_of(e, "ncbt-basic") == "running");
    CHECK(d->probe(soon())->service == ServiceState::Running);
    CHECK(served_version(13161) == "1.0");

    auto x = d->exec({"sh", "-c", "echo out; echo err >&2; exit 3"}, soon());
    REQUIRE(x);
    CHECK(x->exit_code == 3);
    CHECK(x->out == "out\n");
    CHECK(x->err == "err\n");

    // Many frames, interleaved streams: 5000 numbered lines on stdout, every 1000th also on stderr.
    auto big = d->exec({"sh", "-c",
                        "i=0; while [ $i -lt 5000 ]; do echo line-$i; [ $((i % 1000)) = 0 ] && echo e$i >&2; "
                        "i=$((i+1)); done; true"},
                       soon());
    REQUIRE(big);
    CHECK(big->exit_code == 0);
    CHECK(big->out.starts_with("line-0\nline-1\n"));
    CHECK(big->out.ends_with("line-4999\n"));
    CHECK(std::count(big->out.begin(), big->out.end(), '\n') == 5000);
    CHECK(big->err == "e0\ne1000\ne2000\ne3000\ne4000\n");

    REQUIRE(d->stop(soon()));
    CHECK(status_of(e, "ncbt-basic") == "exited");
    CHECK(e.inspect("ncbt-basic")["State"]["ExitCode"] == 143);  // SIGTERM through docker-init, not a kill
    REQUIRE(d->stop(soon()));                                    // 304: already stopped is success
    CHECK(d->probe(soon())->service == ServiceState::Stopped);

    auto stopped_exec = d->exec({"true"}, soon());
    REQUIRE_FALSE(stopped_exec);
    CHECK(stopped_exec.error().code == ErrorCode::Conflict);
    CHECK(stopped_exec.error().message.find("is not running") != std::string::npos);
    e.remove("ncbt-basic");
}

TEST_CASE("upgrade recreates with only the image changed; rollback swaps the previous back", "[busybox]") {
    Engine e;
    const std::string data = work() + "/up-data";
    std::filesystem::create_directories(data);
    e.create("ncbt-up", body("1.0", 13162,
                             {{"Env", {"APP_PORT=13162", "SHARED=mine"}},
                              {"Labels", {{"ncb.node", "up"}, {"shared", "mine"}}},
                              {"Volumes", {{"/vol", Json::object()}}},
                              {"StopTimeout", 7},
                              {"HostConfig",
                               {{"NetworkMode", "host"},
                                {"Init", true},
                                {"RestartPolicy", {{"Name", "on-failure"}, {"MaximumRetryCount", 2}}},
                                {"Binds", {data + ":/data"}}}}}));
    const Json before = e.inspect("ncbt-up");
    const Json old_image = e.image(repo() + ":1.0");
    const Json new_image = e.image(repo() + ":2.0");
    // The inspected container carries the old image's settings: exactly what must not be copied over.
    REQUIRE(has(before["Config"]["Env"], "IMG_VERSION=1.0"));
    REQUIRE(before["Config"]["Labels"]["org.test.version"] == "1.0");
    REQUIRE(before["Config"]["Cmd"] == old_image["Config"]["Cmd"]);

    auto d = driver(node("ncbt-up"));
    REQUIRE(d->start(soon()));
    REQUIRE(served_version(13162) == "1.0");
    REQUIRE(d->exec({"sh", "-c", "echo kept > /vol/keep"}, soon())->exit_code == 0);

    auto up = d->upgrade("2.0", soon());
    REQUIRE(up);
    const Json now = e.inspect("ncbt-up");
    const Json prev = e.inspect("ncbt-up-ncbctl-prev");
    REQUIRE(!now.is_null());
    REQUIRE(!prev.is_null());
    CHECK(now["Id"] != before["Id"]);
    CHECK(prev["Id"] == before["Id"]);
    CHECK(prev["State"]["Status"] == "exited");
    CHECK(now["State"]["Status"] == "created");  // recreated, not started
    CHECK(now["Config"]["Image"] == repo() + ":2.0");
    CHECK(now["Image"] == new_image["Id"]);

    const Json& env = now["Config"]["Env"];
    CHECK(has(env, "IMG_VERSION=2.0"));
    CHECK_FALSE(has(env, "IMG_VERSION=1.0"));
    CHECK(has(env, "SHARED=mine"));
    CHECK(has(env, "APP_PORT=13162"));
    CHECK(now["Config"]["Labels"] == Json({{"ncb.node", "up"}, {"shared", "mine"}, {"org.test.version", "2.0"}}));
    CHECK(now["Config"]["Cmd"] == new_image["Config"]["Cmd"]);
    CHECK(now["Config"]["Cmd"] != old_image["Config"]["Cmd"]);
    CHECK(now["Config"]["StopTimeout"] == 7);
    CHECK(now["HostConfig"]["RestartPolicy"] == before["HostConfig"]["RestartPolicy"]);
    CHECK(now["HostConfig"]["NetworkMode"] == "host");
    CHECK(now["HostConfig"]["Init"] == true);
    CHECK(has(now["HostConfig"]["Binds"], data + ":/data"));

    auto st = d->probe(soon());
    CHECK(st->service == ServiceState::Stopped);
    CHECK(st->deployed_version == "2.0");
    REQUIRE(d->start(soon()));
    CHECK(served_version(13162) == "2.0");
    auto kept = d->exec({"cat", "/vol/keep"}, soon());
    CHECK(kept->out == "kept\n");  // the anonymous volume followed the container

    REQUIRE(d->rollback("1.0", soon()));
    const Json back = e.inspect("ncbt-up");
    CHECK(back["Id"] == before["Id"]);
    CHECK(back["Config"]["Image"] == repo() + ":1.0");
    CHECK(back["State"]["Status"] == "exited");  // not started
    CHECK(e.inspect("ncbt-up-ncbctl-prev").is_null());
    REQUIRE(d->rollback("1.0", soon()));  // again: already rolled back
    auto wrong = d->rollback("0.9", soon());
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().code == ErrorCode::Conflict);
    REQUIRE(d->start(soon()));
    CHECK(served_version(13162) == "1.0");
    REQUIRE(d->stop(soon()));
    e.remove("ncbt-up");
}

TEST_CASE("upgrade keeps an overridden Cmd and Entrypoint", "[busybox]") {
    Engine e;
    const Json cmd = {"-c", "exec httpd -f -h /www -p 127.0.0.1:13163 # mine"};
    e.create("ncbt-cmd", body("1.0", 13163, {{"Entrypoint", {"sh"}}, {"Cmd", cmd}, {"WorkingDir", "/tmp"}}));
    auto d = driver(node("ncbt-cmd"));
    REQUIRE(d->upgrade("2.0", soon()));
    const Json now = e.inspect("ncbt-cmd");
    CHECK(now["Config"]["Entrypoint"] == Json({"sh"}));
    CHECK(now["Config"]["Cmd"] == cmd);
    CHECK(now["Config"]["WorkingDir"] == "/tmp");
    REQUIRE(d->start(soon()));
    CHECK(served_version(13163) == "2.0");
    REQUIRE(d->stop(soon()));
    e.remove("ncbt-cmd");
    e.remove("ncbt-cmd-ncbctl-prev");
}

TEST_CASE("upgrade resumes after a crash at any point and replaces a stale previous", "[busybox]") {
    Engine e;
    e.create("ncbt-crash", body("1.0", 13164, {{"Labels", {{"ncb.node", "crash"}}}}));
    const std::string old_id = e.inspect("ncbt-crash")["Id"];
    auto d = driver(node("ncbt-crash"));

    // Crash after the rename, before the create: only the previous exists.
    REQUIRE(e.call("POST", "/containers/ncbt-crash/rename?name=ncbt-crash-ncbctl-prev").status == 204);
    REQUIRE(d->upgrade("2.0", soon()));
    Json now = e.inspect("ncbt-crash");
    CHECK(now["Config"]["Image"] == repo() + ":2.0");
    CHECK_FALSE(has(now["Config"]["Env"], "IMG_VERSION=1.0"));
    CHECK(now["Config"]["Labels"]["ncb.node"] == "crash");
    CHECK(e.inspect("ncbt-crash-ncbctl-prev")["Id"] == old_id);

    // Crash after the create (or a second run): nothing to do, nothing recreated.
    const std::string new_id = now["Id"];
    REQUIRE(d->upgrade("2.0", soon()));
    CHECK(e.inspect("ncbt-crash")["Id"] == new_id);
    CHECK(e.inspect("ncbt-crash-ncbctl-prev")["Id"] == old_id);

    // The next upgrade replaces the previous kept by the last one.
    REQUIRE(d->upgrade("1.0", soon()));
    CHECK(e.inspect("ncbt-crash-ncbctl-prev")["Id"] == new_id);
    now = e.inspect("ncbt-crash");
    CHECK(now["Config"]["Image"] == repo() + ":1.0");
    CHECK(has(now["Config"]["Env"], "IMG_VERSION=1.0"));
    CHECK_FALSE(has(now["Config"]["Env"], "IMG_VERSION=2.0"));

    // Rollback interrupted after removing the new container: the rename still happens.
    e.remove("ncbt-crash");
    REQUIRE(d->rollback("2.0", soon()));
    CHECK(e.inspect("ncbt-crash")["Id"] == new_id);
    CHECK(e.inspect("ncbt-crash-ncbctl-prev").is_null());
    e.remove("ncbt-crash");
}

TEST_CASE("the NocoBase upgrade marker lands in the recreated container's bind mount", "[busybox]") {
    Engine e;
    const std::string storage = work() + "/mk-storage";
    std::filesystem::create_directories(storage);
    std::filesystem::remove(storage + "/.upgrading");
    e.create("ncbt-mark",
             body("1.0", 13165, {{"HostConfig", {{"NetworkMode", "host"}, {"Binds", {storage + ":/app/storage"}}}}}));
    Node n = node("ncbt-mark");
    n.docker.upgrade_marker_dir = "/app/storage";
    auto d = driver(n);
    REQUIRE(d->upgrade("2.0", soon()));
    CHECK(std::filesystem::exists(storage + "/.upgrading"));
    std::filesystem::remove(storage + "/.upgrading");
    REQUIRE(d->upgrade("2.0", soon()));  // resumed run: container still never started, marker again
    CHECK(std::filesystem::exists(storage + "/.upgrading"));
    e.remove("ncbt-mark");
    e.remove("ncbt-mark-ncbctl-prev");
}

TEST_CASE("pre-pull: a local image needs no registry; a registry pull uses auth by reference", "[busybox]") {
    Engine e;
    e.create("ncbt-pull", body("1.0", 13166));
    const std::string pass = [] {
        std::FILE* f = std::fopen(env("NCB_REGISTRY_PASS_FILE").c_str(), "r");
        char buf[64] = {};
        const std::size_t n = f ? std::fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f) std::fclose(f);
        return std::string(buf, n);
    }();
    REQUIRE(pass.size() == 24);

    Node n = node("ncbt-pull");
    n.docker.registry_auth.env = "NCBT_UNSET_REGISTRY_AUTH";  // would fail if a pull were attempted
    ::unsetenv("NCBT_UNSET_REGISTRY_AUTH");
    REQUIRE(driver(n)->prepare("2.0", soon()));

    REQUIRE(e.image(repo() + ":3.0").is_null());
    Node anon = node("ncbt-pull");
    auto denied = driver(anon)->prepare("3.0", soon());
    REQUIRE_FALSE(denied);
    INFO(denied.error().message);
    CHECK(denied.error().message.find("pull " + repo() + ":3.0") != std::string::npos);
    CHECK(denied.error().message.find("no basic auth credentials") != std::string::npos);
    CHECK(denied.error().message.find('\n') == std::string::npos);

    ::setenv("NCBT_REGISTRY_AUTH", ("ncb:" + pass).c_str(), 1);
    n.docker.registry_auth.env = "NCBT_REGISTRY_AUTH";
    auto pulled = driver(n)->prepare("3.0", soon());
    INFO((pulled ? std::string("ok") : pulled.error().message));
    REQUIRE(pulled);
    CHECK_FALSE(e.image(repo() + ":3.0").is_null());

    auto missing = driver(n)->prepare("9.9", soon());
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::NotFound);
    CHECK(missing.error().message.find(pass) == std::string::npos);

    ::setenv("NCBT_REGISTRY_AUTH", "ncb:wrong-password", 1);
    auto wrong = driver(n)->prepare("9.8", soon());
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().message.find("wrong-password") == std::string::npos);
    e.remove("ncbt-pull");
}

TEST_CASE("faults: engine socket missing, unknown container, missing image tag, bad endpoint", "[busybox]") {
    auto gone = driver(node("x", "unix:///tmp/ncbctl-docker-none/docker.sock"));
    auto st = gone->probe(soon());
    REQUIRE(st);
    CHECK_FALSE(st->reachable);
    auto s = gone->stop(soon());
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::Unreachable);
    CHECK(s.error().transient);
    CHECK(s.error().message.find("node n-x: ") == 0);
    CHECK(s.error().message.find("/tmp/ncbctl-docker-none/docker.sock") != std::string::npos);

    auto unknown = driver(node("ncbt-nosuch"));
    auto p = unknown->probe(soon());
    REQUIRE(p);
    CHECK(p->reachable);
    CHECK(p->service == ServiceState::Missing);
    for (auto r : {unknown->start(soon()), unknown->stop(soon()), unknown->rollback("1.0", soon())}) {
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::NotFound);
        CHECK_FALSE(r.error().transient);
    }
    Node named = node("ncbt-nosuch");
    named.docker.image = repo();
    auto up = driver(named)->upgrade("2.0", soon());
    REQUIRE_FALSE(up);
    CHECK(up.error().code == ErrorCode::NotFound);
    CHECK(up.error().message.find("ncbt-nosuch does not exist") != std::string::npos);
    auto x = unknown->exec({"true"}, soon());
    REQUIRE_FALSE(x);
    CHECK(x.error().code == ErrorCode::NotFound);
    CHECK(x.error().message.find("No such container: ncbt-nosuch") != std::string::npos);

    Engine e;
    e.create("ncbt-tag", body("1.0", 13167));
    const std::string id = e.inspect("ncbt-tag")["Id"];
    auto bad = driver(node("ncbt-tag"))->upgrade("7.7", soon());
    REQUIRE_FALSE(bad);
    INFO(bad.error().message);
    CHECK(bad.error().message.find(repo() + ":7.7") != std::string::npos);
    CHECK(e.inspect("ncbt-tag")["Id"] == id);  // untouched
    CHECK(e.inspect("ncbt-tag-ncbctl-prev").is_null());
    e.remove("ncbt-tag");

    auto malformed = driver(node("x", "http://127.0.0.1:2375"));
    auto m = malformed->probe(soon());
    REQUIRE_FALSE(m);
    CHECK(m.error().code == ErrorCode::Inventory);
}

TEST_CASE("an ssh:// endpoint reaches the engine through an SSH socket forward", "[busybox]") {
    Engine e;
    e.create("ncbt-ssh", body("1.0", 13168));
    Node n = node("ncbt-ssh", "ssh://root@127.0.0.1:" + env("NCB_SSH_PORT"));
    n.docker.socket_path = sock();
    n.docker.ssh.identity_file = env("NCB_SSH_ID");
    n.docker.ssh.known_hosts_file = env("NCB_SSH_KNOWN_HOSTS");
    auto d = driver(n);
    auto st = d->probe(soon());
    REQUIRE(st);
    INFO(st->detail);
    CHECK(st->reachable);
    CHECK(st->deployed_version == "1.0");
    REQUIRE(d->start(soon()));
    CHECK(served_version(13168) == "1.0");
    auto x = d->exec({"cat", "/www/version"}, soon());
    REQUIRE(x);
    CHECK(x->out == "1.0\n");
    REQUIRE(d->stop(soon()));
    CHECK(status_of(e, "ncbt-ssh") == "exited");

    Node wrong = n;
    wrong.docker.ssh.known_hosts_file = env("NCB_DOCKER_WORK") + "/empty_known_hosts";
    std::FILE* f = std::fopen(wrong.docker.ssh.known_hosts_file.c_str(), "w");
    if (f) std::fclose(f);
    auto refused = driver(wrong)->stop(soon());
    REQUIRE_FALSE(refused);
    INFO(refused.error().message);
    CHECK(refused.error().code == ErrorCode::HostKey);
    e.remove("ncbt-ssh");
}

TEST_CASE("a tcp:// endpoint with TLS client certificates; without them the engine refuses", "[busybox]") {
    Engine e;
    e.create("ncbt-tls", body("1.0", 13169));
    const std::string t = env("NCB_DOCKER_TLS_DIR");
    Node n = node("ncbt-tls", "tcp://" + env("NCB_DOCKER_TLS"));
    n.docker.tls.ca_file = t + "/ca.pem";
    n.docker.tls.cert_file = t + "/client.pem";
    n.docker.tls.key_file = t + "/client-key.pem";
    auto d = driver(n);
    auto st = d->probe(soon());
    REQUIRE(st);
    INFO(st->detail);
    CHECK(st->reachable);
    CHECK(st->service == ServiceState::Stopped);
    REQUIRE(d->start(soon()));
    CHECK(served_version(13169) == "1.0");
    REQUIRE(d->stop(soon()));
    CHECK(status_of(e, "ncbt-tls") == "exited");

    Node anon = n;
    anon.docker.tls.cert_file.clear();
    anon.docker.tls.key_file.clear();
    auto refused = driver(anon)->start(soon());
    REQUIRE_FALSE(refused);
    INFO(refused.error().message);
    CHECK(refused.error().message.find("tcp://" + env("NCB_DOCKER_TLS")) != std::string::npos);
    CHECK(refused.error().code == ErrorCode::Auth);
    CHECK_FALSE(refused.error().transient);
    CHECK(status_of(e, "ncbt-tls") == "exited");
    e.remove("ncbt-tls");
}

// dockerd copies stdout and stderr separately: lines of the two streams written close together may come back in
// either order, so the script leaves 300 ms between them.
TEST_CASE("logs: the container's last lines, both streams in order, timestamped, credentials masked", "[busybox]") {
    Engine e;
    const std::string script =
        "i=1; while [ $i -le 50 ]; do echo line-$i; i=$((i+1)); done; sleep 0.3; echo 'oops on stderr' >&2; sleep 0.3; "
        "printf '\\033[31mdb postgres://ncb:hunter2@db/ncb down\\033[0m\\n'; echo last";
    for (const bool tty : {false, true}) {
        const std::string name = tty ? "ncbt-logs-tty" : "ncbt-logs";
        e.create(name, body("1.0", 13169, {{"Cmd", {"sh", "-c", script}}, {"Tty", tty}}));
        auto d = driver(node(name));
        REQUIRE(d->start(soon()));
        for (int i = 0; i < 100 && status_of(e, name) != "exited"; ++i) std::this_thread::sleep_for(100ms);
        auto text = d->logs(4, soon());
        REQUIRE(text);
        INFO(*text);
        std::vector<std::string> lines;
        for (std::size_t at = 0, nl = 0; at <= text->size(); at = nl + 1) {
            nl = text->find('\n', at);
            if (nl == std::string::npos) nl = text->size();
            lines.push_back(text->substr(at, nl - at));
        }
        REQUIRE(lines.size() == 4);
        CHECK(lines[0].ends_with(" line-50"));
        CHECK(lines[1].ends_with(" oops on stderr"));
        CHECK(lines[2].ends_with(" db postgres://ncb:***@db/ncb down"));  // colour codes gone, password masked
        CHECK(lines[3].ends_with(" last"));
        CHECK(lines[3].starts_with("20"));  // the engine's RFC 3339 timestamp
        CHECK(text->find("hunter2") == std::string::npos);
        e.remove(name);
    }
    auto missing = driver(node("ncbt-no-such-container"))->logs(5, soon());
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::NotFound);
}
