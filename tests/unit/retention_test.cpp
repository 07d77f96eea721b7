// Retention selection over dated backup names (pure: no file system).
#include <catch2/catch.hpp>

#include <map>

#include "util/backup_names.hpp"

using namespace ncbctl;
using namespace ncbctl::backup;

namespace {

std::int64_t at(const std::string& stamp) {
    auto n = parse_backup_name("c-" + stamp + ".pgdump");
    REQUIRE(n);
    return n->time;
}

std::map<std::string, std::string> decide(const std::vector<std::pair<std::string, bool>>& stamps, Retention r) {
    std::vector<RetentionItem> items;
    for (const auto& [s, verified] : stamps) items.push_back({s, at(s), verified});
    std::map<std::string, std::string> out;
    for (const auto& d : select_retention(items, r)) out[d.name] = d.keep ? d.reason : "";
    return out;
}

}  // namespace

TEST_CASE("backup names parse and round-trip", "[backup][retention]") {
    auto n = parse_backup_name("prod.eu-20261126T031500Z.pgdump");
    REQUIRE(n);
    CHECK(n->cluster == "prod.eu");
    CHECK(n->ext == "pgdump");
    CHECK(backup_base_name("prod.eu", n->time) == "prod.eu-20261126T031500Z");
    CHECK(parse_backup_name("c-20261126T031500Z.nbdata"));
    CHECK_FALSE(parse_backup_name("c-20261126T031500Z.pgdump.json"));
    CHECK_FALSE(parse_backup_name("c-20261126T031500Z.pgdump.partial"));
    CHECK_FALSE(parse_backup_name("c-2026112XT031500Z.pgdump"));
    CHECK_FALSE(parse_backup_name("notes.txt"));
    CHECK_FALSE(parse_backup_name("c-20261326T031500Z.sql"));
}

TEST_CASE("no policy keeps everything", "[backup][retention]") {
    auto d = decide({{"20261126T010000Z", false}, {"20261120T010000Z", false}}, {});
    CHECK(d["20261126T010000Z"] == "no policy");
    CHECK(d["20261120T010000Z"] == "no policy");
}

TEST_CASE("keep_last keeps the N newest", "[backup][retention]") {
    auto d =
        decide({{"20261126T010000Z", true}, {"20261126T020000Z", true}, {"20261126T030000Z", true}}, {.keep_last = 2});
    CHECK(d["20261126T030000Z"] == "last 1");
    CHECK(d["20261126T020000Z"] == "last 2");
    CHECK(d["20261126T010000Z"].empty());
}

TEST_CASE("keep_daily keeps the newest of each recent day", "[backup][retention]") {
    auto d = decide({{"20261126T230000Z", true},
                     {"20261126T010000Z", true},
                     {"20261125T120000Z", true},
                     {"20261125T080000Z", true},
                     {"20261123T080000Z", true}},
                    {.keep_daily = 2});
    CHECK(d["20261126T230000Z"] == "daily 2026-11-26");
    CHECK(d["20261126T010000Z"].empty());
    CHECK(d["20261125T120000Z"] == "daily 2026-11-25");
    CHECK(d["20261125T080000Z"].empty());
    CHECK(d["20261123T080000Z"].empty());
}

TEST_CASE("keep_weekly buckets by ISO week starting Monday", "[backup][retention]") {
    // 2026-11-23 is a Monday, 2026-11-22 a Sunday.
    auto d = decide({{"20261124T000000Z", true},
                     {"20261123T000100Z", true},
                     {"20261122T235900Z", true},
                     {"20261116T000000Z", true},
                     {"20261101T000000Z", true}},
                    {.keep_weekly = 2});
    CHECK(d["20261124T000000Z"] == "weekly 2026-W48");
    CHECK(d["20261123T000100Z"].empty());
    CHECK(d["20261122T235900Z"] == "weekly 2026-W47");
    CHECK(d["20261116T000000Z"].empty());
    CHECK(d["20261101T000000Z"].empty());
}

TEST_CASE("rules combine, the newest verified backup is never pruned", "[backup][retention]") {
    auto d = decide({{"20261126T030000Z", false},
                     {"20261126T020000Z", false},
                     {"20261120T010000Z", true},
                     {"20261110T010000Z", true}},
                    {.keep_last = 1, .keep_daily = 1});
    CHECK(d["20261126T030000Z"] == "last 1");
    CHECK(d["20261126T020000Z"].empty());
    CHECK(d["20261120T010000Z"] == "newest verified");
    CHECK(d["20261110T010000Z"].empty());
}

TEST_CASE("a directory dump's name parses like a file's", "[backup][retention]") {
    auto n = parse_backup_name("c-20261126T031500Z.pgdir");
    REQUIRE(n);
    CHECK(n->ext == "pgdir");
    CHECK_FALSE(parse_backup_name("c-20261126T031500Z.pgdir.partial"));
    CHECK_FALSE(parse_backup_name("c-20261126T031500Z.pgdir.json"));
}
