// The malformed-inventory corpus: every tests/data/inventory/bad/NN-name.yaml must produce exactly the
// diagnostics in NN-name.expected (file name as passed, line, column, message), all in one run, loaded
// as `validate` loads (with the referenced-file checks).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "inventory_test_util.hpp"
#include "ncbctl/load_options.hpp"

using namespace ncbctl;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> corpus() {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(test::source_dir() / "tests/data/inventory/bad"))
        if (e.path().extension() == ".yaml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

TEST_CASE("every malformed inventory yields exactly its expected diagnostics", "[inventory][corpus]") {
    // The corpus relies on these being unset (22-unset-env-var.yaml).
    test::EnvGuard g1("NCBCTL_TEST_UNSET_HOST", std::nullopt);
    test::EnvGuard g2("NCBCTL_TEST_UNSET_A", std::nullopt);
    test::EnvGuard g3("NCBCTL_TEST_UNSET_PORT", std::nullopt);
    test::EnvGuard g4("NCBCTL_TEST_UNSET_DIR", std::nullopt);
    const auto files = corpus();
    REQUIRE(files.size() >= 25);
    for (const auto& f : files) {
        const fs::path expected_path = fs::path(f).replace_extension(".expected");
        INFO(f.filename().string());
        REQUIRE(fs::exists(expected_path));
        const std::string expected = test::read_text(expected_path);
        // As `validate` loads: referenced local files must exist (35-missing-files.yaml).
        auto inv = parse_inventory(test::read_text(f), f.filename().string(), LoadOptions{.check_files = true});
        REQUIRE_FALSE(inv.has_value());
        CHECK(test::joined(inv.error()) == expected);
        for (const auto& d : inv.error()) {
            CHECK(d.line >= 1);
            CHECK(d.column >= 1);
        }
    }
}

TEST_CASE("diagnostics never echo an inline or misplaced secret", "[inventory][corpus]") {
    for (const char* name : {"07-inline-token.yaml", "08-inline-secrets.yaml", "23-secret-ref-rules.yaml"}) {
        const auto path = test::source_dir() / "tests/data/inventory/bad" / name;
        auto inv = parse_inventory(test::read_text(path), name);
        REQUIRE_FALSE(inv.has_value());
        const std::string all = test::joined(inv.error());
        INFO(all);
        CHECK(all.find("eyJhbGci") == std::string::npos);
        CHECK(all.find("hunter2") == std::string::npos);
        CHECK(all.find("dXNlcjpwYXNz") == std::string::npos);
        CHECK(all.find("my secret value") == std::string::npos);
    }
}

TEST_CASE("load_inventory reports a missing or unreadable file by name", "[inventory]") {
    auto missing = load_inventory("/nonexistent/ncbctl-inventory.yaml");
    REQUIRE_FALSE(missing.has_value());
    REQUIRE(missing.error().size() == 1);
    CHECK(missing.error()[0].to_string().starts_with(
        "/nonexistent/ncbctl-inventory.yaml: cannot read inventory: No such file or directory"));

    auto dir = load_inventory((test::source_dir() / "tests/data/inventory").string());
    REQUIRE_FALSE(dir.has_value());
    CHECK(dir.error()[0].message.find("is a directory") != std::string::npos);
}

TEST_CASE("load_inventory reads a file and positions errors in it", "[inventory]") {
    const auto path = test::source_dir() / "tests/data/inventory/bad/11-canary-not-a-node.yaml";
    auto inv = load_inventory(path.string());
    REQUIRE_FALSE(inv.has_value());
    REQUIRE(inv.error().size() == 1);
    CHECK(inv.error()[0].to_string() == path.string() + ":6:9: canary: `app3` is not a node; did you mean `app1`?");
}
