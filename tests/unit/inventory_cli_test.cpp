// The built binary: `ncbctl validate` exit codes, stdout/stderr split, JSON output, inventory path rule.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "cli/commands.hpp"
#include "inventory_test_util.hpp"
#include "ncbctl/cancel.hpp"
#include "net/process.hpp"
#include "run/signals.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;

namespace {

net::ProcessResult ncbctl_run(std::vector<std::string> args, std::map<std::string, std::string> env = {},
                              std::string cwd = {}) {
    args.insert(args.begin(), NCBCTL_BINARY);
    net::ProcessOptions opts{.argv = std::move(args), .env = std::move(env), .unset_env = {"NCBCTL_INVENTORY"}};
    opts.cwd = std::move(cwd);
    auto r = net::run_process(opts, Deadline::after(30s));
    REQUIRE(r);
    return *r;
}

std::string bad(const std::string& name) {
    return (test::source_dir() / "tests/data/inventory/bad" / name).string();
}
std::string example(const std::string& name) {
    return (test::source_dir() / "examples" / name).string();
}

}  // namespace

TEST_CASE("validate on a bad inventory exits 2, errors on stderr, nothing on stdout", "[inventory][cli]") {
    const std::string file = bad("20-haproxy-servers-incomplete.yaml");
    auto r = ncbctl_run({"validate", "-i", file});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    std::istringstream lines(r.err);
    std::string line;
    int positioned = 0;
    const std::regex pos("^" + std::regex_replace(file, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                         ":[0-9]+:[0-9]+: .+$");
    while (std::getline(lines, line))
        if (std::regex_match(line, pos)) ++positioned;
    CHECK(positioned == 3);
    CHECK(r.err.find(file + ":12:5: traffic.haproxy.servers: no entry for node `app3`") != std::string::npos);
    CHECK(r.err.find("ncbctl: 3 errors in " + file) != std::string::npos);
}

TEST_CASE("validate --output json prints one document with every error", "[inventory][cli]") {
    const std::string file = bad("11-canary-not-a-node.yaml");
    auto r = ncbctl_run({"--output", "json", "validate", "-i", file});
    CHECK(r.exit_code == 2);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["valid"] == false);
    CHECK(j["inventory"] == file);
    REQUIRE(j["errors"].size() == 1);
    CHECK(j["errors"][0]["line"] == 6);
    CHECK(j["errors"][0]["column"] == 9);
    CHECK(j["errors"][0]["file"] == file);
    CHECK(j["errors"][0]["message"] == "canary: `app3` is not a node; did you mean `app1`?");
}

TEST_CASE("validate on a good inventory prints OK (text) or a summary (json) and exits 0", "[inventory][cli]") {
    auto text = ncbctl_run({"validate", "--no-file-checks", "-i", example("docker.yaml")});
    CHECK(text.exit_code == 0);
    CHECK(text.out == "OK " + example("docker.yaml") +
                          ": cluster shop-prod, 3 nodes, canary app1, traffic haproxy, backup database\n");
    CHECK(text.err.empty());

    auto json = ncbctl_run({"--output", "json", "validate", "--no-file-checks", "-i", example("mixed.yaml")});
    CHECK(json.exit_code == 0);
    auto j = nlohmann::json::parse(json.out);
    CHECK(j["valid"] == true);
    CHECK(j["cluster"] == "intranet");
    CHECK(j["canary"] == "web2");
    CHECK(j["traffic"] == "command");
    CHECK(j["backup"] == "api");
    REQUIRE(j["nodes"].size() == 2);
    CHECK(j["nodes"][1]["driver"] == "ssh");
    CHECK(j["content_hash"].get<std::string>().size() == 64);
    CHECK(j["errors"].empty());
}

TEST_CASE("validate reports a referenced file missing on this machine, unless --no-file-checks", "[inventory][cli]") {
    // The example names the Docker TLS files of the machine it was written for.
    const std::string file = example("docker.yaml");
    auto r = ncbctl_run({"validate", "-i", file});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(file + ":22:18: nodes[1].docker.tls.ca_file: file /etc/ncbctl/docker/ca.pem does not exist (or "
                            "is not readable)\n") != std::string::npos);
    auto skipped = ncbctl_run({"validate", "--no-file-checks", "-i", file});
    CHECK(skipped.exit_code == 0);
}

TEST_CASE("inventory path: -i, then $NCBCTL_INVENTORY, then ./ncbctl.yaml", "[inventory][cli]") {
    auto env = ncbctl_run({"validate", "--no-file-checks"}, {{"NCBCTL_INVENTORY", example("ssh-systemd.yaml")}});
    CHECK(env.exit_code == 0);
    CHECK(env.out.find("cluster crm") != std::string::npos);

    auto flag_wins = ncbctl_run({"validate", "--no-file-checks", "-i", example("mixed.yaml")},
                                {{"NCBCTL_INVENTORY", "/nonexistent.yaml"}});
    CHECK(flag_wins.exit_code == 0);
    CHECK(flag_wins.out.find("cluster intranet") != std::string::npos);

    // Default ./ncbctl.yaml, relative to the working directory: the corpus directory has none.
    auto none = ncbctl_run({"validate"}, {}, (test::source_dir() / "tests/data/inventory").string());
    CHECK(none.exit_code == 2);
    CHECK(none.out.empty());
    CHECK(none.err.find("ncbctl.yaml: cannot read inventory: No such file or directory") != std::string::npos);
}

TEST_CASE("logs: an unknown node or a bad -n exits 2 naming it", "[logs][cli]") {
    auto r = ncbctl_run({"-i", example("docker.yaml"), "logs", "nope"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("'nope' is not a node of") != std::string::npos);
    r = ncbctl_run({"-i", example("docker.yaml"), "logs", "app1", "-n", "0"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("1 to 5000") != std::string::npos);
}

TEST_CASE("logs: a node that cannot be reached exits 3 with one line naming it", "[logs][cli]") {
    // An SSH node on a loopback port where nothing listens: refused at once, no traffic leaves the machine.
    const auto dir = std::filesystem::temp_directory_path() / ("ncbctl-logs-cli-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto inv = dir / "ncbctl.yaml";
    std::ofstream(inv) << "cluster: c\n"
                          "api: {lb_url: http://127.0.0.1:9, token_env: NCBCTL_TEST_UNUSED}\n"
                          "nodes:\n"
                          "  - name: app1\n"
                          "    url: http://127.0.0.1:9\n"
                          "    driver: ssh\n"
                          "    ssh: {host: 127.0.0.1, port: 1, user: root}\n"
                          "    service: {preset: systemd, unit: nocobase.service}\n"
                          "backup: {method: api, destination: " +
                              (dir / "b").string() + "}\n";
    auto r = ncbctl_run({"-i", inv.string(), "logs", "app1"}, {{"NCBCTL_TEST_UNUSED", "x"}});
    CHECK(r.exit_code == 3);
    CHECK(r.out.empty());
    CHECK(r.err.find("app1") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    std::filesystem::remove_all(dir);
}

TEST_CASE("Ctrl-C while the inventory loads exits 130, not 0", "[inventory][cli][signals]") {
    // In-process, so the interrupt lands deterministically during the load: before, validate and plan
    // went on and exited 0.
    const std::string inv = example("docker.yaml");
    for (std::vector<std::string> args : {std::vector<std::string>{"ncbctl", "-i", inv, "validate", "--no-file-checks"},
                                          std::vector<std::string>{"ncbctl", "-i", inv, "plan", "stop"}}) {
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        spdlog::drop("ncbctl");  // run() registers its logger by name, once per process
        request_interrupt();
        const int code = cli::run(static_cast<int>(args.size()), argv.data());
        reset_interrupts();
        INFO(args[3]);
        CHECK(code == 130);
    }
}

TEST_CASE("the load's signal guard takes SIGINT quietly and gives the old handler back", "[inventory][signals]") {
    struct sigaction before {};
    ::sigaction(SIGINT, nullptr, &before);
    {
        const run::SignalGuard guard(run::SignalNotice::Quiet);
        ::raise(SIGINT);  // would end the test binary without the guard
        CHECK(stop_requested());
    }
    reset_interrupts();
    struct sigaction after {};
    ::sigaction(SIGINT, nullptr, &after);
    CHECK(after.sa_handler == before.sa_handler);
}

TEST_CASE("an unknown command is named, with a suggestion and the list of commands", "[cli]") {
    auto r = ncbctl_run({"frobnicate"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("ncbctl: unknown command `frobnicate` for `ncbctl` (commands: ") != std::string::npos);
    CHECK(r.err.find("validate, status, logs, plan, upgrade") != std::string::npos);
    CHECK(r.err.find("__") == std::string::npos);  // hidden commands are not listed
    CHECK(r.err.find("A subcommand is required") == std::string::npos);
    auto typo = ncbctl_run({"-i", example("docker.yaml"), "valdate"});
    CHECK(typo.exit_code == 2);
    CHECK(typo.err.find("unknown command `valdate` for `ncbctl`; did you mean `validate`?") != std::string::npos);
    auto nested = ncbctl_run({"plan", "upgrde", "--to", "2.2.16"});
    CHECK(nested.exit_code == 2);
    CHECK(nested.err.find("unknown command `upgrde` for `ncbctl plan`; did you mean `upgrade`?") != std::string::npos);
}

TEST_CASE("upgrade: --to must be a version, --max-out-of-service a node count, said in a few words", "[cli]") {
    for (const char* to : {"..", ".", "+", "-1", "1.0..2", "2.2.16+", "a/b"}) {
        auto r = ncbctl_run({"-i", example("docker.yaml"), "plan", "upgrade", "--to", to});
        INFO(to);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("is not a version") != std::string::npos);
    }
    for (const char* to : {"2.2.16", "2.2.16-beta.1+build.5", "latest", "v2_1"}) {
        auto r = ncbctl_run({"-i", example("docker.yaml"), "plan", "upgrade", "--to", to});
        INFO(to);
        CHECK(r.exit_code == 0);
    }
    auto r = ncbctl_run({"-i", example("docker.yaml"), "upgrade", "--to", "2.2.16", "--max-out-of-service", "-1"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("`-1` is not a number of nodes (0 to 999999; 0: no limit)") != std::string::npos);
    CHECK(r.err.size() < 300);  // before: a 300-digit range
}

TEST_CASE("validate warns on stderr and in JSON about a secret file others may read, and passes",
          "[inventory][cli][secrets]") {
    const auto dir = std::filesystem::temp_directory_path() / ("ncbctl-secret-cli-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "token") << "t0ken\n";
    ::chmod((dir / "token").c_str(), 0644);
    std::ofstream(dir / "ncbctl.yaml")
        << "cluster: c\napi: {lb_url: http://lb, token_file: token}\nnodes:\n"
           "  - {name: a, url: \"http://a:13000\", driver: docker, docker: {container: a, image: nocobase/nocobase}}\n"
           "backup: {method: api, destination: /b}\n";
    const std::string inv = (dir / "ncbctl.yaml").string();
    auto text = ncbctl_run({"validate", "-i", inv});
    auto json = ncbctl_run({"--output", "json", "validate", "-i", inv});
    std::filesystem::remove_all(dir);
    CHECK(text.exit_code == 0);
    CHECK(text.err == inv + ":2:38: warning: api.token_file: secret file " + (dir / "token").string() +
                          " may be read by others (mode 0644); `chmod 600 " + (dir / "token").string() + "`\n");
    CHECK(json.exit_code == 0);
    auto j = nlohmann::json::parse(json.out);
    REQUIRE(j["warnings"].size() == 1);
    CHECK(j["warnings"][0]["line"] == 2);
    CHECK(text.err.find("t0ken") == std::string::npos);
}
