#include <catch2/catch.hpp>

#include "drivers/ssh/presets.hpp"

using namespace ncbctl;
using namespace ncbctl::ssh;

namespace {

Argv argv_of(const ServiceSpec& s, Action a, std::string_view version = "") {
    auto r = service_argv(s, a, "app1", version);
    REQUIRE(r);
    REQUIRE(r->has_value());
    return **r;
}

ServiceSpec preset(std::string name) {
    ServiceSpec s;
    s.preset = std::move(name);
    return s;
}

}  // namespace

TEST_CASE("command templates: placeholders substituted per word", "[ssh]") {
    const Argv w{"/srv/ctl.sh", "upgrade now", "{{version}}", "--node={{node}}"};
    const std::string hostile = "1.0$(touch /tmp/x); rm -rf / 'q\" `id` a b {{node}}";
    const auto out = substitute(w, "n;1 $(id)", hostile);
    REQUIRE(out.size() == 4);  // values never add words
    CHECK(out[2] == hostile);
    CHECK(out[3] == "--node=n;1 $(id)");
}

TEST_CASE("systemd preset commands", "[ssh]") {
    auto s = preset("systemd");
    s.unit = "nocobase.service";
    REQUIRE(validate_service(s));
    CHECK(argv_of(s, Action::Start) == Argv{"systemctl", "start", "nocobase.service"});
    CHECK(argv_of(s, Action::Stop) == Argv{"systemctl", "stop", "nocobase.service"});
    CHECK(argv_of(s, Action::Status) == Argv{"systemctl", "is-active", "nocobase.service"});
    auto up = service_argv(s, Action::Upgrade, "app1", "2.2.16");
    REQUIRE(up);
    CHECK_FALSE(up->has_value());
    s.upgrade = {"/opt/deploy.sh", "{{version}}"};
    CHECK(argv_of(s, Action::Upgrade, "2.2.16") == Argv{"/opt/deploy.sh", "2.2.16"});
    CHECK(interpret_status(s, {3, "inactive\n", ""})->state == ServiceState::Stopped);
    s.upgrade.clear();
    CHECK(interpret_status(s, {0, "active\n", ""})->state == ServiceState::Running);
    CHECK(interpret_status(s, {3, "failed\n", ""})->state == ServiceState::Stopped);
    CHECK_FALSE(interpret_status(s, {1, "", "System has not been booted with systemd"}));
    s.unit.clear();
    CHECK_FALSE(validate_service(s));
}

TEST_CASE("docker-compose preset commands and .env edits", "[ssh]") {
    auto s = preset("docker-compose");
    s.project_dir = "/srv/nocobase dir";
    s.compose_service = "app";
    s.image_var = "NOCOBASE_TAG";
    REQUIRE(validate_service(s));
    const Argv cd{"sh", "-c", "cd -- \"$1\" && shift && exec \"$@\"", "sh", "/srv/nocobase dir"};
    auto with = [&](Argv tail) {
        Argv a = cd;
        a.insert(a.end(), tail.begin(), tail.end());
        return a;
    };
    CHECK(argv_of(s, Action::Start) == with({"docker", "compose", "up", "-d", "app"}));
    CHECK(argv_of(s, Action::Stop) == with({"docker", "compose", "stop", "app"}));
    const Argv status{"sh",
                      "-c",
                      "cd -- \"$1\" && shift && \"$@\" config --services && echo '--- running' && exec \"$@\" ps "
                      "--services --filter status=running",
                      "sh",
                      "/srv/nocobase dir",
                      "docker",
                      "compose"};
    CHECK(argv_of(s, Action::Status) == status);
    CHECK(argv_of(s, Action::Prepare, "2.2.16") ==
          with({"env", "NOCOBASE_TAG=2.2.16", "docker", "compose", "pull", "app"}));
    // the project's services, the marker, the running ones: ours among them, or not, or not in the file at all
    CHECK(interpret_status(s, {0, "redis\napp\n--- running\nredis\napp\n", ""})->state == ServiceState::Running);
    CHECK(interpret_status(s, {0, "app\napp-worker\n--- running\napp-worker\n", ""})->state == ServiceState::Stopped);
    CHECK(interpret_status(s, {0, "app\n--- running\n", ""})->state == ServiceState::Stopped);
    auto missing = interpret_status(s, {0, "web\n--- running\nweb\n", ""});
    REQUIRE(missing);
    CHECK(missing->state == ServiceState::Missing);
    CHECK(missing->detail == "the compose file in /srv/nocobase dir has no service app");
    CHECK_FALSE(interpret_status(s, {0, "app\n", ""}));  // cut short: no verdict
    auto broken = interpret_status(s, {1, "", "no such file docker-compose.yml"});
    REQUIRE_FALSE(broken);
    CHECK(broken.error().message.find("docker compose ps failed") != std::string::npos);
    // Debian 12's docker-compose 1.29: the same verbs behind another command
    s.compose_command = {"docker-compose"};
    CHECK(argv_of(s, Action::Start) == with({"docker-compose", "up", "-d", "app"}));
    CHECK(argv_of(s, Action::Status).back() == "docker-compose");
    CHECK(argv_of(s, Action::Prepare, "2.2.16") ==
          with({"env", "NOCOBASE_TAG=2.2.16", "docker-compose", "pull", "app"}));
    CHECK(interpret_status(s, {1, "", "boom"}).error().message.find("docker-compose ps failed") != std::string::npos);
    s.compose_command = {"docker", "compose"};
    CHECK(compose_env_file(s) == "/srv/nocobase dir/.env");
    CHECK(valid_image_tag("2.2.16-full"));
    CHECK_FALSE(valid_image_tag("1.0;rm"));
    CHECK_FALSE(valid_image_tag("$(id)"));
    CHECK_FALSE(valid_image_tag(""));
    const std::string env = "# c\nDB=x\nexport NOCOBASE_TAG=\"2.2.15\"\nZ=1";
    CHECK(env_file_get(env, "NOCOBASE_TAG") == "2.2.15");
    CHECK_FALSE(env_file_get(env, "NOPE"));
    CHECK(env_file_set(env, "NOCOBASE_TAG", "2.2.16") == "# c\nDB=x\nNOCOBASE_TAG=2.2.16\nZ=1\n");
    CHECK(env_file_set("A=1\n", "NOCOBASE_TAG", "2.2.16") == "A=1\nNOCOBASE_TAG=2.2.16\n");
    s.image_var = "BAD-NAME";
    CHECK_FALSE(validate_service(s));
}

TEST_CASE("pm2 preset commands and jlist status", "[ssh]") {
    auto s = preset("pm2");
    s.process = "nocobase";
    s.env = {{"PM2_HOME", "/srv/pm2 home"}};
    REQUIRE(validate_service(s));
    CHECK(argv_of(s, Action::Start) == Argv{"env", "PM2_HOME=/srv/pm2 home", "pm2", "start", "nocobase"});
    CHECK(argv_of(s, Action::Stop) == Argv{"env", "PM2_HOME=/srv/pm2 home", "pm2", "stop", "nocobase"});
    CHECK(argv_of(s, Action::Status) == Argv{"env", "PM2_HOME=/srv/pm2 home", "pm2", "jlist"});
    const std::string online =
        R"([{"name":"other","pm2_env":{"status":"stopped"}},{"name":"nocobase","pm2_env":{"status":"online"}}])";
    CHECK(interpret_status(s, {0, online, ""})->state == ServiceState::Running);
    CHECK(interpret_status(s, {0, R"(notice\n[{"name":"nocobase","pm2_env":{"status":"stopped"}}])", ""})->state ==
          ServiceState::Stopped);
    CHECK(interpret_status(s, {0, "[]", ""})->state == ServiceState::Missing);
    CHECK_FALSE(interpret_status(s, {0, "garbage", ""}));
    s.env = {{"1BAD", "x"}};
    CHECK_FALSE(validate_service(s));
}

TEST_CASE("supervisord preset commands and status", "[ssh]") {
    auto s = preset("supervisord");
    s.process = "nocobase";
    s.supervisor_config = "/etc/sv.conf";
    REQUIRE(validate_service(s));
    CHECK(argv_of(s, Action::Start) == Argv{"supervisorctl", "-c", "/etc/sv.conf", "start", "nocobase"});
    CHECK(argv_of(s, Action::Stop) == Argv{"supervisorctl", "-c", "/etc/sv.conf", "stop", "nocobase"});
    CHECK(argv_of(s, Action::Status) == Argv{"supervisorctl", "-c", "/etc/sv.conf", "status", "nocobase"});
    CHECK(interpret_status(s, {0, "nocobase RUNNING pid 7, uptime 0:00:03\n", ""})->state == ServiceState::Running);
    CHECK(interpret_status(s, {3, "nocobase STOPPED Not started\n", ""})->state == ServiceState::Stopped);
    CHECK(interpret_status(s, {3, "nocobase FATAL Exited too quickly\n", ""})->state == ServiceState::Stopped);
    CHECK(interpret_status(s, {4, "nocobase: ERROR (no such process)\n", ""})->state == ServiceState::Missing);
    CHECK_FALSE(interpret_status(s, {2, "", "unix:///x/supervisor.sock no such file"}));
}

TEST_CASE("custom preset: LSB status codes, placeholders per argument", "[ssh]") {
    auto s = preset("custom");
    s.start = {"/srv/ctl.sh", "start", "{{node}}"};
    s.stop = {"/srv/ctl.sh", "stop", "{{node}}"};
    s.status = {"/srv/ctl.sh", "status"};
    s.upgrade = {"/srv/ctl.sh", "upgrade", "{{version}}"};
    REQUIRE(validate_service(s));
    CHECK(argv_of(s, Action::Start) == Argv{"/srv/ctl.sh", "start", "app1"});
    CHECK(argv_of(s, Action::Upgrade, "2.2.16; reboot") == Argv{"/srv/ctl.sh", "upgrade", "2.2.16; reboot"});
    CHECK(interpret_status(s, {0, "", ""})->state == ServiceState::Running);
    CHECK(interpret_status(s, {3, "", ""})->state == ServiceState::Stopped);
    CHECK(interpret_status(s, {5, "", ""})->state == ServiceState::Unknown);
    CHECK_FALSE(interpret_status(s, {127, "", "ctl.sh: not found"}));
    s.status.clear();
    CHECK_FALSE(validate_service(s));
    CHECK_FALSE(parse_preset("upstart"));
}

TEST_CASE("version from a NocoBase package.json", "[ssh]") {
    ServiceSpec s;
    s.app_dir = "/srv/app/";
    CHECK(nocobase_package_json(s) == "/srv/app/node_modules/@nocobase/server/package.json");
    CHECK(version_from_package_json(R"({"name":"@nocobase/server","version":"2.2.15"})") == "2.2.15");
    CHECK(version_from_package_json("nope").empty());
}

TEST_CASE("logs_argv: each preset's log command, the override, env, and custom without logs", "[ssh][logs]") {
    auto sd = preset("systemd");
    sd.unit = "nocobase.service";
    CHECK(*logs_argv(sd, "app1", 30) ==
          Argv{"journalctl", "-u", "nocobase.service", "-n", "30", "--no-pager", "-o", "short-iso"});
    auto dc = preset("docker-compose");
    dc.project_dir = "/srv/ncb";
    dc.compose_service = "app";
    CHECK(*logs_argv(dc, "app1", 30) == Argv{"sh", "-c", "cd -- \"$1\" && shift && exec \"$@\"", "sh", "/srv/ncb",
                                             "docker", "compose", "logs", "--no-color", "--tail", "30", "app"});
    auto pm = preset("pm2");
    pm.process = "ncb";
    const std::string jlist =
        "notice\n[{\"name\":\"other\"},{\"name\":\"ncb\",\"pm2_env\":{\"status\":\"online\","
        "\"pm_out_log_path\":\"/root/.pm2/logs/ncb-out.log\",\"pm_err_log_path\":\"/root/.pm2/logs/ncb-error.log\"}}]";
    auto files = pm2_log_files(jlist, "ncb");
    REQUIRE(files);
    CHECK(*logs_argv(pm, "app1", 30, *files) ==
          Argv{"tail", "-q", "-n", "30", "--", "/root/.pm2/logs/ncb-out.log", "/root/.pm2/logs/ncb-error.log"});
    CHECK(pm2_log_files(jlist, "nope").error().code == ErrorCode::NotFound);
    CHECK(pm2_log_files("[{\"name\":\"ncb\",\"pm2_env\":{\"pm_out_log_path\":\"/dev/null\"}}]", "ncb").error().code ==
          ErrorCode::Unsupported);
    CHECK(pm2_log_files("not json", "ncb").error().code == ErrorCode::Protocol);
    auto sv = preset("supervisord");
    sv.process = "ncb-app1";
    sv.supervisor_config = "/etc/sv.conf";
    CHECK(*logs_argv(sv, "app1", 30) == Argv{"supervisorctl", "-c", "/etc/sv.conf", "tail", "-30000", "ncb-app1"});
    sv.env = {{"LANG", "C"}};
    CHECK(logs_argv(sv, "app1", 30)->front() == "env");
    auto custom = preset("custom");
    auto none = logs_argv(custom, "app1", 30);
    REQUIRE_FALSE(none);
    CHECK(none.error().code == ErrorCode::Unsupported);
    CHECK(none.error().message.find("service.logs") != std::string::npos);
    custom.logs = {"tail", "-n", "200", "/var/log/ncb-{{node}}.log"};
    CHECK(*logs_argv(custom, "app2", 30) == Argv{"tail", "-n", "200", "/var/log/ncb-app2.log"});
}

TEST_CASE("stop commands that wait: the presets' own, not an inventory's service.stop", "[ssh]") {
    ServiceSpec s;
    for (auto p : {Preset::Systemd, Preset::DockerCompose, Preset::Pm2, Preset::Supervisord}) CHECK(stop_waits(p, s));
    CHECK_FALSE(stop_waits(Preset::Custom, s));
    s.stop = {"/opt/app/bin/stop"};
    CHECK_FALSE(stop_waits(Preset::Supervisord, s));
}
