#include <catch2/catch.hpp>

#include "util/utc_time.hpp"

using ncbctl::util::format_utc;

TEST_CASE("format_utc renders seconds since the epoch in UTC", "[util]") {
    CHECK(format_utc(0, ncbctl::util::kIsoUtc) == "1970-01-01T00:00:00Z");
    CHECK(format_utc(1795672522, ncbctl::util::kCompactUtc) == "20261126T055522Z");
    CHECK(format_utc(1795672522, "%G-W%V") == "2026-W48");
    CHECK(format_utc(-1, "%Y-%m-%d %H:%M:%S") == "1969-12-31 23:59:59");
}
