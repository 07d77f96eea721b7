// `ncbctl init`: every combination of driver, preset and load balancer validates; secrets only by reference;
// validate names every placeholder left; an existing file is never overwritten (exit 2).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "cli/init_template.hpp"
#include "fakes/engine.hpp"
#include "inventory_test_util.hpp"
#include "ncbctl/load_options.hpp"
#include "net/process.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;

namespace {

net::ProcessResult ncbctl_run(std::vector<std::string> args, const std::string& cwd) {
    args.insert(args.begin(), NCBCTL_BINARY);
    net::ProcessOptions opts{.argv = std::move(args), .env = {}, .unset_env = {"NCBCTL_INVENTORY", "NO_COLOR"}};
    opts.cwd = cwd;
    auto r = net::run_process(opts, Deadline::after(30s));
    REQUIRE(r);
    return *r;
}

struct Combo {
    std::string driver, preset, lb;
};

std::vector<Combo> every_combination() {
    std::vector<Combo> out;
    for (const auto& lb : cli::kInitLbs) {
        out.push_back({"docker", "", lb});
        for (const auto& p : cli::kInitPresets) out.push_back({"ssh", p, lb});
    }
    return out;
}

}  // namespace

TEST_CASE("init: every driver x preset x lb is written by the binary and passes validate --no-file-checks",
          "[init][cli]") {
    const auto combos = every_combination();
    REQUIRE(combos.size() == 24);
    for (const auto& c : combos) {
        ncbctl::testing::TempDir dir;
        std::vector<std::string> args{"init", "--driver", c.driver, "--lb", c.lb};
        if (!c.preset.empty()) args.insert(args.end(), {"--preset", c.preset});
        INFO("ncbctl init --driver " << c.driver << " --preset " << c.preset << " --lb " << c.lb);
        auto w = ncbctl_run(args, dir.path);
        REQUIRE(w.exit_code == 0);
        CHECK(w.out == "ncbctl.yaml\n");
        const std::string file = dir.path + "/ncbctl.yaml";
        auto v = ncbctl_run({"validate", "--no-file-checks"}, dir.path);
        INFO(v.err);
        CHECK(v.exit_code == 0);
        CHECK(v.out.starts_with("OK ncbctl.yaml: cluster nocobase, 2 nodes, canary app1, traffic " + c.lb));
        // validate explains each placeholder left, by line.
        const std::string text = test::read_text(file);
        const auto left = cli::find_placeholders(text);
        CHECK_FALSE(left.empty());
        for (const auto& p : left)
            CHECK(v.err.find("ncbctl.yaml:" + std::to_string(p.line) + ": warning: " + p.key +
                             " is still a placeholder") != std::string::npos);
        // Secrets only by reference: no inline token, password or secret key.
        CHECK_FALSE(std::regex_search(text, std::regex(R"((^|\n)\s*(token|password|secret)\s*:)")));
        CHECK(text.find("token_env: NCB_TOKEN") != std::string::npos);
        // Commented: every top-level section says what it is for on its line, and most keys do too.
        std::istringstream lines(text);
        int keys = 0, commented = 0;
        for (std::string line; std::getline(lines, line);) {
            const auto first = line.find_first_not_of(' ');
            if (first == std::string::npos || line[first] == '#' || line.find(':') == std::string::npos) continue;
            ++keys;
            const bool has_comment = line.find(" # ") != std::string::npos;
            if (has_comment) ++commented;
            if (first == 0 && !has_comment) FAIL_CHECK("top-level key without a comment: " << line);
        }
        CHECK(commented * 5 >= keys * 2);
    }
}

TEST_CASE("init: the starter loads as an inventory with the chosen driver, preset and lb", "[init]") {
    for (const auto& c : every_combination()) {
        auto text = cli::starter_inventory({.cluster = "shop", .driver = c.driver, .preset = c.preset, .lb = c.lb});
        REQUIRE(text);
        ncbctl::testing::TempDir dir;
        const std::string file = dir.path + "/inv.yaml";
        std::ofstream(file) << *text;
        auto inv = load_inventory(file, LoadOptions{.check_files = false});
        INFO(c.driver << " " << c.preset << " " << c.lb);
        REQUIRE(inv);
        CHECK(inv->cluster == "shop");
        CHECK(inv->traffic.driver == c.lb);
        REQUIRE(inv->nodes.size() == 2);
        CHECK(inv->nodes[0].driver == (c.driver == "docker" ? DriverKind::Docker : DriverKind::Ssh));
        if (c.driver == "ssh") CHECK(inv->nodes[0].ssh.service.preset == c.preset);
    }
}

TEST_CASE("init: refuses to overwrite, bad combinations are usage errors", "[init][cli]") {
    ncbctl::testing::TempDir dir;
    REQUIRE(ncbctl_run({"init"}, dir.path).exit_code == 0);
    const std::string file = dir.path + "/ncbctl.yaml";
    std::ofstream(file, std::ios::trunc) << "cluster: mine\n";
    auto again = ncbctl_run({"init", "--driver", "ssh"}, dir.path);
    CHECK(again.exit_code == 2);
    CHECK(again.err.find("ncbctl.yaml exists; not overwriting it") != std::string::npos);
    CHECK(test::read_text(file) == "cluster: mine\n");

    auto other = ncbctl_run({"-i", "other.yaml", "init", "--driver", "docker", "--preset", "pm2"}, dir.path);
    CHECK(other.exit_code == 2);
    CHECK(other.err.find("--preset applies to --driver ssh only") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.path + "/other.yaml"));
    CHECK(ncbctl_run({"init", "--lb", "traefik", "-i", "x.yaml"}, dir.path).exit_code == 2);
    CHECK(ncbctl_run({"init", "--cluster", "a b", "-i", "x.yaml"}, dir.path).exit_code == 2);
    CHECK_FALSE(std::filesystem::exists(dir.path + "/x.yaml"));
    auto named = ncbctl_run({"-i", "sub.yaml", "init", "--driver", "ssh", "--preset", "pm2"}, dir.path);
    CHECK(named.exit_code == 0);
    CHECK(named.err.find("`ncbctl -i sub.yaml validate`") != std::string::npos);
}

TEST_CASE("init: placeholders are found by line and key, never in comments", "[init]") {
    const std::string text =
        "# CHANGE-ME in a comment is not a value\n"
        "api:\n"
        "  lb_url: https://CHANGE-ME.example.com   # and CHANGE-ME here neither\n"
        "nodes:\n"
        "  - name: app1\n"
        "    ssh:\n"
        "      host: CHANGE-ME-app1\n"
        "  - name: app2\n"
        "    url: \"http://x#CHANGE-ME\"\n";
    const auto found = cli::find_placeholders(text);
    REQUIRE(found.size() == 3);
    CHECK(found[0].line == 3);
    CHECK(found[0].key == "api.lb_url");
    CHECK(found[1].line == 7);
    CHECK(found[1].key == "nodes.app1.ssh.host");
    CHECK(found[2].key == "nodes.app2.url");
}
