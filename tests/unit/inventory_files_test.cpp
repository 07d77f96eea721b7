// Referenced local files (LoadOptions::check_files, what `validate` uses): relative paths resolve against
// the inventory's directory, a missing file is reported at its value, and plain loading does not look.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "fakes/engine.hpp"
#include "inventory_test_util.hpp"
#include "ncbctl/load_options.hpp"

using namespace ncbctl;
namespace fs = std::filesystem;

namespace {

const char* kInventory =
    "cluster: c\n"
    "api: {lb_url: http://lb, token_file: secrets/token}\n"
    "nodes:\n"
    "  - {name: a, url: \"http://a:13000\", driver: docker, docker: {container: a, image: nocobase/nocobase}}\n"
    "backup: {method: api, destination: /b}\n";

}  // namespace

TEST_CASE("a relative secret file is looked up next to the inventory, not in the working directory",
          "[inventory][files]") {
    testing::TempDir tmp;
    const fs::path dir = tmp.path;
    const fs::path inv_path = dir / "ncbctl.yaml";
    std::ofstream(inv_path) << kInventory;

    auto missing = load_inventory(inv_path.string(), LoadOptions{.check_files = true});
    REQUIRE_FALSE(missing.has_value());
    REQUIRE(missing.error().size() == 1);
    CHECK(missing.error()[0].to_string() == inv_path.string() + ":2:38: api.token_file: file " +
                                                (dir / "secrets/token").string() +
                                                " does not exist (or is not readable)");

    fs::create_directories(dir / "secrets");
    std::ofstream(dir / "secrets/token") << "not-echoed-anywhere";
    auto present = load_inventory(inv_path.string(), LoadOptions{.check_files = true});
    REQUIRE(present.has_value());
    CHECK(present->auth.token.file == (dir / "secrets/token").string());
}

TEST_CASE("plain loading does not require referenced files to exist", "[inventory][files]") {
    testing::TempDir tmp;
    const fs::path dir = tmp.path;
    const fs::path inv_path = dir / "ncbctl.yaml";
    std::ofstream(inv_path) << kInventory;
    CHECK(load_inventory(inv_path.string()).has_value());
    CHECK(parse_inventory(kInventory, "x.yaml").has_value());
}
