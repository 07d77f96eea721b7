// The backup verifier on a real .nbdata written by NocoBase 2.2.15's Backup manager (zip, deflate level 9).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "nocobase/client.hpp"
#include "nocobase/zip_reader.hpp"

using namespace ncbctl;
using namespace ncbctl::nocobase;
namespace fs = std::filesystem;

namespace {
const std::string kBackup = std::string(NCBCTL_SOURCE_DIR) + "/tests/data/nocobase/backup-2.2.15.nbdata";

std::string slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string scratch(const std::string& name, const std::string& content) {
    auto p = fs::temp_directory_path() / ("ncbctl-zip-test-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
}
}  // namespace

TEST_CASE("crc32 matches the standard check value", "[nocobase][zip]") {
    CHECK(crc32("123456789") == 0xCBF43926U);
    CHECK(crc32("") == 0U);
}

TEST_CASE("a real backup lists its entries and every entry inflates with a good CRC", "[nocobase][zip]") {
    auto entries = zip_list(kBackup);
    REQUIRE(entries);
    std::vector<std::string> names;
    for (const auto& e : *entries) {
        names.push_back(e.name);
        auto data = zip_read(kBackup, e);
        REQUIRE(data);
        CHECK(data->size() == e.size);
    }
    CHECK(std::find(names.begin(), names.end(), "_metadata.json") != names.end());
    CHECK(std::find(names.begin(), names.end(), "data") != names.end());
}

TEST_CASE("verify_backup_file records version and dialect from _metadata.json", "[nocobase][zip]") {
    auto f = verify_backup_file(kBackup);
    REQUIRE(f);
    CHECK(f->version == "2.2.15");
    CHECK(f->dialect == "postgres");
    CHECK(f->db_version.starts_with("PostgreSQL 15"));
}

TEST_CASE("a cut, corrupted or foreign file is not a valid backup", "[nocobase][zip]") {
    const std::string whole = slurp(kBackup);
    REQUIRE(whole.size() > 1000);

    auto cut = scratch("cut.nbdata", whole.substr(0, whole.size() / 2));
    auto r = verify_backup_file(cut);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::Verification);
    CHECK(r.error().message.find(cut) != std::string::npos);

    // Flip one byte inside the compressed _metadata.json (its data starts right after the first local header).
    std::string bad = whole;
    bad[30 + 14 + 200] = static_cast<char>(bad[30 + 14 + 200] ^ 0x55);
    auto corrupt = scratch("corrupt.nbdata", bad);
    auto c = verify_backup_file(corrupt);
    REQUIRE_FALSE(c);
    CHECK(c.error().code == ErrorCode::Verification);

    auto html = scratch("html.nbdata", "<html><body>502 Bad Gateway</body></html>");
    CHECK_FALSE(verify_backup_file(html));
    CHECK(verify_backup_file("/nonexistent/x.nbdata").error().code == ErrorCode::Verification);
    for (const auto& p : {cut, corrupt, html}) fs::remove(p);
}

TEST_CASE("inflate refuses truncated input and oversize output", "[nocobase][zip]") {
    // "hello" as a fixed-Huffman deflate stream (zlib level 9, raw).
    const std::string hello("\xcb\x48\xcd\xc9\xc9\x07\x00", 7);
    auto ok = inflate_raw(hello, 5);
    REQUIRE(ok);
    CHECK(*ok == "hello");
    CHECK_FALSE(inflate_raw(hello.substr(0, 3), 5));
    CHECK_FALSE(inflate_raw(hello, 3));
}

TEST_CASE("corrupting any byte never crashes the verifier", "[nocobase][zip]") {
    const std::string whole = slurp(kBackup);
    std::uint32_t seed = 12345;
    const auto path = scratch("mutant.nbdata", whole);
    for (int i = 0; i < 300; ++i) {
        std::string m = whole;
        for (int k = 0; k < 3; ++k) {
            seed = seed * 1664525U + 1013904223U;
            // Half the flips land in the last 4 KiB, where the central directory lives.
            const std::size_t at = (k % 2 == 0) ? seed % m.size() : m.size() - 1 - seed % 4096;
            m[at] = static_cast<char>(m[at] ^ static_cast<char>(1U << (seed % 8U)));
        }
        std::ofstream(path, std::ios::binary | std::ios::trunc) << m;
        auto r = verify_backup_file(path);
        if (!r) CHECK(r.error().code == ErrorCode::Verification);
    }
    fs::remove(path);
}
