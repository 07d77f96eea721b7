// Hostile inventories and secret files (issue #14 item 1): the loader reads only regular files, at most
// 4 MiB whatever the size claims, bounds the YAML node count (and alias expansion) before yaml-cpp builds
// its tree, checks duplicate keys in linear time, and secret files are regular, non-empty and capped,
// with a warning when others may read them. Tests that would hang without the fix run under a bound
// that only a hang crosses (a minute for what takes well under a second), never a timing assertion.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "fakes/engine.hpp"
#include "inventory/values.hpp"
#include "inventory/yaml_limits.hpp"
#include "inventory_test_util.hpp"
#include "ncbctl/cancel.hpp"
#include "ncbctl/load_options.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;
using ncbctl::testing::TempDir;

namespace {

const std::string kValid =
    "cluster: c\n"
    "api: {lb_url: http://lb, token_env: T}\n"
    "nodes:\n"
    "  - {name: a, url: \"http://a:13000\", driver: docker, docker: {container: a, image: nocobase/nocobase}}\n"
    "backup: {method: api, destination: /b}\n";

// Runs `f` on another thread; fails (instead of hanging the suite) when it has not returned after a
// minute. `unblock` is called then, so the thread can finish before the test goes on.
template <class F>
auto within_a_minute(F f, const std::function<void()>& unblock = {}) {
    auto fut = std::async(std::launch::async, std::move(f));
    const bool done = fut.wait_for(60s) == std::future_status::ready;
    if (!done && unblock) unblock();
    REQUIRE(done);
    return fut.get();
}

std::string write(const std::string& path, const std::string& text, mode_t mode = 0600) {
    std::ofstream(path, std::ios::binary) << text;
    ::chmod(path.c_str(), mode);
    return path;
}

std::string first_message(const std::expected<Inventory, std::vector<Diagnostic>>& r) {
    REQUIRE_FALSE(r.has_value());
    REQUIRE_FALSE(r.error().empty());
    return r.error().front().to_string();
}

}  // namespace

TEST_CASE("an inventory must be a regular file: /dev/zero and a FIFO are refused before any read",
          "[inventory][limits]") {
    // Before: /dev/zero reports size 0 and was read until bad_alloc; a FIFO blocked the open forever.
    auto zero = within_a_minute([] { return load_inventory("/dev/zero"); });
    CHECK(first_message(zero) ==
          "/dev/zero: cannot read inventory: it is a character device, not a regular file; write it to a file first "
          "(e.g. `cmd > inventory.yaml`, then -i inventory.yaml)");

    TempDir tmp;
    const std::string fifo = tmp.path + "/inventory.fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto piped = within_a_minute([&] { return load_inventory(fifo); },
                                 [&] { ::close(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK)); });
    CHECK(first_message(piped).find("it is a FIFO (named pipe), not a regular file") != std::string::npos);
}

TEST_CASE("the 4 MiB cap counts the bytes read, not the size the file reports", "[inventory][limits]") {
    // /proc files report st_size 0; a regular file over the cap is refused by what is read.
    TempDir tmp;
    const std::string big = write(tmp.path + "/big.yaml", kValid + "x-pad: \"" + std::string(4U << 20U, 'a') + "\"\n");
    CHECK(first_message(load_inventory(big)).find("larger than 4 MiB") != std::string::npos);
    auto proc = load_inventory("/proc/self/status");  // read (small), then refused as a document
    REQUIRE_FALSE(proc.has_value());
    CHECK(proc.error().front().message.find("cannot read") == std::string::npos);
}

TEST_CASE("duplicate-key checks are linear: 49,000 keys in one mapping load", "[inventory][limits]") {
    // Before: each key was compared with every earlier one (40,000 keys: 11 s; 4 MiB of keys: minutes).
    std::string text = kValid;
    for (int i = 0; i < 49'000; ++i) text += "x-" + std::to_string(i) + ": v\n";
    text += "x-7: again\n";
    auto r = within_a_minute([&] { return parse_inventory(text, "keys.yaml"); });
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error().size() == 1);
    CHECK(r.error()[0].to_string() == "keys.yaml:49006:1: duplicate key `x-7` (first at line 13)");
}

TEST_CASE("the YAML node count is bounded before the tree is built", "[inventory][limits]") {
    // Before: any document under 4 MiB was built into a yaml-cpp tree (4 MiB of small keys: ~1 GB).
    std::string text = kValid + "x-list:\n";
    for (std::size_t i = 0; i < inv::kMaxNodes; ++i) text += "- 1\n";
    auto r = parse_inventory(text, "many.yaml");
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error().size() == 1);
    CHECK(r.error()[0].message ==
          "the inventory has more than 100000 YAML nodes (values, keys, lists and mappings); is this the right file? "
          "(docs/inventory.md \"Limits\")");
    // Just under the bound still loads.
    std::string under = kValid + "x-list:\n";
    for (std::size_t i = 0; i < inv::kMaxNodes - 100; ++i) under += "- 1\n";
    CHECK(parse_inventory(under, "under.yaml").has_value());
}

TEST_CASE("an interrupt requested while the inventory loads stops the load", "[inventory][limits][signals]") {
    request_interrupt();
    auto r = parse_inventory(kValid, "x.yaml");
    TempDir tmp;
    auto from_file = load_inventory(write(tmp.path + "/ncbctl.yaml", kValid));
    reset_interrupts();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().front().message == "interrupted while reading the inventory");
    CHECK(first_message(from_file).find("interrupted while reading the inventory") != std::string::npos);
    CHECK(parse_inventory(kValid, "x.yaml").has_value());
}

TEST_CASE("durations take each unit once, largest first", "[inventory][values]") {
    using inv::parse_duration;
    CHECK_FALSE(parse_duration("1s1s1s"));
    CHECK_FALSE(parse_duration("30s1m"));
    CHECK_FALSE(parse_duration("1m1m"));
    CHECK_FALSE(parse_duration("1h1d"));
    CHECK(parse_duration("1h30m") == std::chrono::seconds(5400));
    CHECK(parse_duration("1d2h3m4s") == std::chrono::seconds(93784));
    CHECK(parse_duration("90") == std::chrono::seconds(90));
}

TEST_CASE("the default drain adapts to a short timeouts.stop, an explicit one must stay shorter",
          "[inventory][timeouts]") {
    auto short_stop = parse_inventory(kValid + "timeouts: {stop: 5s}\n", "x.yaml");
    REQUIRE(short_stop.has_value());
    CHECK(short_stop->timeouts.drain == std::chrono::seconds(2));  // before: the 10 s default, longer than stop
    auto tiny = parse_inventory(kValid + "timeouts: {stop: 1s}\n", "x.yaml");
    REQUIRE(tiny.has_value());
    CHECK(tiny->timeouts.drain == std::chrono::seconds(0));
    auto long_stop = parse_inventory(kValid + "timeouts: {stop: 60s}\n", "x.yaml");
    REQUIRE(long_stop.has_value());
    CHECK(long_stop->timeouts.drain == std::chrono::seconds(10));
    auto explicit_drain = parse_inventory(kValid + "timeouts: {stop: 5s, drain: 5s}\n", "x.yaml");
    REQUIRE_FALSE(explicit_drain.has_value());
    CHECK(explicit_drain.error().front().message.find("must be shorter than timeouts.stop (5s)") != std::string::npos);
}

TEST_CASE("more than 100 errors: the first 100 and a count", "[inventory][limits]") {
    std::string text = kValid;
    for (int i = 0; i < 150; ++i) text += "bad" + std::to_string(i) + ": 1\n";
    auto r = parse_inventory(text, "x.yaml");
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error().size() == 101);
    CHECK(r.error().back().message == "... and 50 more errors (only the first 100 are shown)");
}

// --- secret files ------------------------------------------------------------------------------------

namespace {

std::string with_secret_file(const std::string& file) {
    return "cluster: c\n"
           "api: {lb_url: http://lb, token_file: \"" +
           file +
           "\"}\n"
           "nodes:\n"
           "  - {name: a, url: \"http://a:13000\", driver: docker, docker: {container: a, image: nocobase/nocobase}}\n"
           "backup: {method: api, destination: /b}\n";
}

std::expected<Inventory, std::vector<Diagnostic>> validate_like(const std::string& file,
                                                                std::vector<Diagnostic>* warnings = nullptr) {
    return parse_inventory(with_secret_file(file), "s.yaml", LoadOptions{.check_files = true, .warnings = warnings});
}

}  // namespace

TEST_CASE("validate refuses a secret file that is a FIFO, a device, empty or too large", "[inventory][secrets]") {
    TempDir tmp;
    const std::string fifo = tmp.path + "/token.fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(first_message(validate_like(fifo)) ==
          "s.yaml:2:38: api.token_file: file " + fifo + " is a FIFO (named pipe), not a regular file");
    CHECK(first_message(validate_like("/dev/zero")) ==
          "s.yaml:2:38: api.token_file: file /dev/zero is a character device, not a regular file");
    const std::string empty = write(tmp.path + "/empty", "");
    CHECK(first_message(validate_like(empty)) ==
          "s.yaml:2:38: api.token_file: file " + empty + " is empty; a secret file holds the secret (one line)");
    const std::string huge = write(tmp.path + "/huge", std::string(65U * 1024U, 'k'));
    CHECK(first_message(validate_like(huge)) ==
          "s.yaml:2:38: api.token_file: file " + huge + " is larger than 64 KiB; a secret file holds one secret");
}

TEST_CASE("validate warns, and still passes, when others may read a secret file", "[inventory][secrets]") {
    TempDir tmp;
    const std::string loose = write(tmp.path + "/loose", "s3cret\n", 0644);
    std::vector<Diagnostic> warnings;
    auto r = validate_like(loose, &warnings);
    REQUIRE(r.has_value());
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].to_string() == "s.yaml:2:38: warning: api.token_file: secret file " + loose +
                                         " may be read by others (mode 0644); `chmod 600 " + loose + "`");
    CHECK(warnings[0].message.find("s3cret") == std::string::npos);
    const std::string tight = write(tmp.path + "/tight", "s3cret\n", 0600);
    warnings.clear();
    REQUIRE(validate_like(tight, &warnings).has_value());
    CHECK(warnings.empty());
}

TEST_CASE("a secret file is read capped, from a regular file only: a FIFO fails at once at use",
          "[inventory][secrets]") {
    TempDir tmp;
    const std::string fifo = tmp.path + "/token.fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    // Before: the read blocked forever (with the cluster lock held). Held open read-write here so a
    // blocked reader of the old code would get EOF once the test gives up.
    const int keep = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK);
    REQUIRE(keep >= 0);
    auto r =
        within_a_minute([&] { return resolve_secret(SecretRef{.env = {}, .file = fifo}); }, [&] { ::close(keep); });
    ::close(keep);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message == "secret file " + fifo + " is a FIFO (named pipe), not a regular file");

    auto zero = within_a_minute([] { return resolve_secret(SecretRef{.env = {}, .file = "/dev/zero"}); });
    REQUIRE_FALSE(zero.has_value());
    CHECK(zero.error().message == "secret file /dev/zero is a character device, not a regular file");

    const std::string huge = write(tmp.path + "/huge", std::string(65U * 1024U, 'k'));
    auto big = resolve_secret(SecretRef{.env = {}, .file = huge});
    REQUIRE_FALSE(big.has_value());
    CHECK(big.error().message == "secret file " + huge + " is larger than 65536 bytes");

    const std::string blank = write(tmp.path + "/blank", "\n\n");
    auto empty = resolve_secret(SecretRef{.env = {}, .file = blank});
    REQUIRE_FALSE(empty.has_value());
    CHECK(empty.error().message == "secret file " + blank + " is empty");

    const std::string ok = write(tmp.path + "/ok", "tok\n", 0644);  // others may read: used, with a warning
    auto used = resolve_secret(SecretRef{.env = {}, .file = ok});
    REQUIRE(used.has_value());
    CHECK(*used == "tok");
}
